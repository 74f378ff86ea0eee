// JSON API: GET /api/search, GET /api/occurrences, GET /api/suggest, GET /api/analyze, GET /api/articles/:id. Same search and validation as the pages.
import { Router } from "express";
import { articleNotFound } from "../errors.js";
import type { Answers } from "./answers.js";
import type { SnapshotSource } from "./app.js";
import { explainQuery } from "../search/explain.js";
import { complete } from "../search/suggest.js";
import { OCCURRENCE_PAGE_SIZE, parseSearchParams, requiredText } from "./validate.js";

export function apiRouter(source: SnapshotSource, answers: Answers): Router {
  const router = Router();
  router.get("/search", (request, response) => {
    response.type("json").send(answers.search(source.current(), parseSearchParams(request.query)).json());
  });
  router.get("/occurrences", (request, response) => {
    response.type("json").send(answers.occurrences(source.current(), parseSearchParams(request.query, OCCURRENCE_PAGE_SIZE)).json());
  });
  router.get("/suggest", (request, response) => {
    const q = requiredText(request.query, "q", "没有要补全的内容：请给出输入框里已输入的文字，例如 q=疫 或 q=xij");
    response.json({ query: q, suggestions: complete(source.current(), q) });
  });
  router.get("/analyze", (request, response) => {
    const q = requiredText(request.query, "q", "没有要分析的查询：例如 q=习进平 讲话");
    response.json(explainQuery(source.current(), q));
  });
  router.get("/articles/:id", (request, response) => {
    const snapshot = source.current();
    const doc = snapshot.findArticle(request.params.id);
    if (doc === undefined) throw articleNotFound(request.params.id);
    response.json({ ...snapshot.meta(doc), body: snapshot.body(doc) });
  });
  return router;
}
