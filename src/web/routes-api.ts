// JSON API: GET /api/search, GET /api/occurrences (each also as a CSV or JSON Lines download of every
// match: format=csv|jsonl), GET /api/timeline, GET /api/suggest, GET /api/analyze, GET /api/articles/:id.
// Same search and validation as the pages.
import { Router, type Request } from "express";
import { ARTICLE_COLUMNS, articleRows, OCCURRENCE_COLUMNS, occurrenceRows } from "../present/citation.js";
import { articleNotFound } from "../errors.js";
import { allMatches } from "../search/search.js";
import type { Answers } from "./answers.js";
import type { SnapshotSource } from "./app.js";
import { explainQuery } from "../search/explain.js";
import { complete } from "../search/suggest.js";
import { sendExport, exportFileName } from "./export.js";
import { OCCURRENCE_PAGE_SIZE, parseExportFormat, parseSearchParams, parseTimelineParams, requiredText } from "./validate.js";

/** Where this server is reached, for the absolute links of an export. */
function origin(request: Request): string {
  return `${request.protocol}://${request.get("host") ?? "localhost"}`;
}

export function apiRouter(source: SnapshotSource, answers: Answers): Router {
  const router = Router();
  router.get("/search", async (request, response) => {
    const params = parseSearchParams(request.query);
    const format = parseExportFormat(request.query);
    const snapshot = source.current();
    if (format === undefined) return void response.type("json").send((await answers.search(snapshot, params)).json());
    const matches = allMatches(snapshot, params.q, params.sort);
    await sendExport(response, articleRows(snapshot, matches, origin(request)), ARTICLE_COLUMNS, format, exportFileName("articles", params.q, format));
  });
  router.get("/occurrences", async (request, response) => {
    const params = parseSearchParams(request.query, OCCURRENCE_PAGE_SIZE);
    const format = parseExportFormat(request.query);
    const snapshot = source.current();
    if (format === undefined) return void response.type("json").send((await answers.occurrences(snapshot, params)).json());
    const matches = allMatches(snapshot, params.q, params.sort);
    await sendExport(response, occurrenceRows(snapshot, matches, origin(request)), OCCURRENCE_COLUMNS, format, exportFileName("occurrences", params.q, format));
  });
  router.get("/timeline", async (request, response) => {
    response.type("json").send((await answers.timeline(source.current(), parseTimelineParams(request.query))).json());
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
