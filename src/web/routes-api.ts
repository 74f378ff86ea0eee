// JSON API: GET /api/search, GET /api/occurrences, GET /api/suggest, GET /api/articles/:id. Same search and validation as the pages.
import { Router } from "express";
import { articleNotFound } from "../errors.js";
import type { Answers } from "./answers.js";
import type { SnapshotSource } from "./app.js";
import { complete } from "../search/suggest.js";
import { OCCURRENCE_PAGE_SIZE, parseSearchParams, parseSuggestParams } from "./validate.js";

export function apiRouter(source: SnapshotSource, answers: Answers): Router {
  const router = Router();
  router.get("/search", (request, response) => {
    response.type("json").send(answers.search(source.current(), parseSearchParams(request.query)).json());
  });
  router.get("/occurrences", (request, response) => {
    response.type("json").send(answers.occurrences(source.current(), parseSearchParams(request.query, OCCURRENCE_PAGE_SIZE)).json());
  });
  router.get("/suggest", (request, response) => {
    const q = parseSuggestParams(request.query);
    response.json({ query: q, suggestions: complete(source.current(), q) });
  });
  router.get("/articles/:id", (request, response) => {
    const snapshot = source.current();
    const doc = snapshot.findArticle(request.params.id);
    if (doc === undefined) throw articleNotFound(request.params.id);
    response.json({ ...snapshot.meta(doc), body: snapshot.body(doc) });
  });
  return router;
}
