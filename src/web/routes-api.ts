// JSON API: GET /api/search, GET /api/occurrences, GET /api/articles/:id. Same search and validation as the pages.
import { Router } from "express";
import { searchView } from "../present/results.js";
import { occurrencesView } from "../present/occurrences.js";
import { listOccurrences, search } from "../search/search.js";
import type { SnapshotSource } from "./app.js";
import { NotFoundError } from "./error-handler.js";
import { OCCURRENCE_PAGE_SIZE, parseSearchParams } from "./validate.js";

export function apiRouter(source: SnapshotSource): Router {
  const router = Router();
  router.get("/search", (request, response) => {
    const params = parseSearchParams(request.query);
    const started = performance.now();
    const snapshot = source.current();
    const result = search(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort });
    response.json(searchView(result, params, performance.now() - started));
  });
  router.get("/occurrences", (request, response) => {
    const params = parseSearchParams(request.query, OCCURRENCE_PAGE_SIZE);
    const started = performance.now();
    const snapshot = source.current();
    const result = listOccurrences(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort });
    response.json(occurrencesView(snapshot, result, params, performance.now() - started));
  });
  router.get("/articles/:id", (request, response) => {
    const snapshot = source.current();
    const doc = snapshot.findArticle(request.params.id);
    if (doc === undefined) throw new NotFoundError(`no article with id "${request.params.id}"`);
    const { segment, local } = snapshot.locate(doc);
    response.json({ ...segment.store.metas[local]!, body: segment.store.body(local) });
  });
  return router;
}
