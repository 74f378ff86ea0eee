// HTML pages: GET / (search form and results), GET /occurrences (every occurrence, one a line),
// GET /article/:id (the article, every match marked).
import { Router, type Request, type Response } from "express";
import { QueryParseError, InvalidParameterError } from "../errors.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { articleView } from "../present/results.js";
import { matchesInArticle } from "../search/search.js";
import type { Answers } from "./answers.js";
import type { SnapshotSource } from "./app.js";
import { NotFoundError } from "./error-handler.js";
import { OCCURRENCE_PAGE_SIZE, parseSearchParams } from "./validate.js";

export function pagesRouter(source: SnapshotSource, answers: Answers): Router {
  const router = Router();
  /**
   * A page for a typed query: its data when the query is usable; otherwise the error shown inline,
   * beside the user's own input (status 400), not on an error page.
   */
  const queryPage =
    <T>(template: string, run: (snapshot: IndexSnapshot, query: Record<string, unknown>) => T) =>
    (request: Request, response: Response): void => {
      const typed = typeof request.query.q === "string" ? request.query.q : "";
      const snapshot = source.current();
      let view: T | undefined;
      let error: { message: string; start?: number; end?: number } | undefined;
      if (typed.trim() !== "") {
        try {
          view = run(snapshot, request.query);
        } catch (caught) {
          if (!(caught instanceof QueryParseError || caught instanceof InvalidParameterError)) throw caught;
          error = caught instanceof QueryParseError ? { message: caught.message, start: caught.start, end: caught.end } : { message: caught.message };
          response.status(400);
        }
      }
      response.render(template, { typed, view, error, articles: snapshot.size, sort: request.query.sort === "date" ? "date" : "relevance" });
    };

  router.get(
    "/",
    queryPage("search", (snapshot, query) => answers.search(snapshot, parseSearchParams(query)).view),
  );

  router.get(
    "/occurrences",
    queryPage("occurrences", (snapshot, query) => answers.occurrences(snapshot, parseSearchParams(query, OCCURRENCE_PAGE_SIZE)).view),
  );

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
