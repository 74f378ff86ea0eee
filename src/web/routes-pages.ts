// HTML pages: GET / (search form and results), GET /article/:id (the article, every match marked).
import { Router } from "express";
import { QueryParseError, InvalidParameterError } from "../errors.js";
import { articleView, searchView, type SearchView } from "../present/results.js";
import { matchesInArticle, search } from "../search/search.js";
import type { SnapshotSource } from "./app.js";
import { NotFoundError } from "./error-handler.js";
import { parseSearchParams } from "./validate.js";

export function pagesRouter(source: SnapshotSource): Router {
  const router = Router();
  router.get("/", (request, response) => {
    const typed = typeof request.query.q === "string" ? request.query.q : "";
    const snapshot = source.current();
    let view: SearchView | undefined;
    let error: { message: string; start?: number; end?: number } | undefined;
    if (typed.trim() !== "") {
      try {
        const params = parseSearchParams(request.query);
        const started = performance.now();
        const result = search(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort });
        view = searchView(result, params, performance.now() - started);
      } catch (caught) {
        // A bad query is shown inline, beside the user's own input, not on an error page.
        if (!(caught instanceof QueryParseError || caught instanceof InvalidParameterError)) throw caught;
        error = caught instanceof QueryParseError ? { message: caught.message, start: caught.start, end: caught.end } : { message: caught.message };
        response.status(400);
      }
    }
    response.render("search", { typed, view, error, articles: snapshot.size, sort: request.query.sort === "date" ? "date" : "relevance" });
  });

  router.get("/article/:id", (request, response) => {
    const snapshot = source.current();
    const doc = snapshot.findArticle(request.params.id);
    if (doc === undefined) throw new NotFoundError(`no article with id "${request.params.id}"`);
    const typed = typeof request.query.q === "string" ? request.query.q : "";
    let matches: ReturnType<typeof matchesInArticle> = { titleMatches: [], bodyMatches: [] };
    if (typed.trim() !== "") {
      try {
        matches = matchesInArticle(snapshot, doc, typed);
      } catch (caught) {
        if (!(caught instanceof QueryParseError)) throw caught; // an unusable query just marks nothing
      }
    }
    const view = articleView(snapshot, doc, { title: matches.titleMatches, body: matches.bodyMatches });
    response.render("article", { ...view, typed });
  });
  return router;
}
