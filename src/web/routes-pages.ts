// HTML pages: GET / (search form and results), GET /occurrences (every occurrence, one a line),
// GET /article/:id (the article, every match marked).
import { Router, type Request, type Response } from "express";
import { articleNotFound, InvalidParameterError, QueryParseError } from "../errors.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { archiveFacts } from "../present/archive.js";
import { listUrl } from "../present/links.js";
import { articleView } from "../present/results.js";
import type { SortOrder } from "../search/rank.js";
import { matchesInArticle } from "../search/search.js";
import type { Answers } from "./answers.js";
import type { SnapshotSource } from "./app.js";
import { MAX_PAGE, OCCURRENCE_PAGE_SIZE, PAGE_SIZE, parseSearchParams, parseSort, type PageSize } from "./validate.js";

/** The sort the form shows and links keep: the requested one when valid (a bad one is reported with the query). */
function shownSort(query: Record<string, unknown>): SortOrder {
  try {
    return typeof query.sort === "string" && query.sort !== "" ? parseSort(query.sort) : "relevance";
  } catch {
    return "relevance";
  }
}

export function pagesRouter(source: SnapshotSource, answers: Answers): Router {
  const router = Router();
  /**
   * A page for a typed query: its data when the query is usable; otherwise the error shown inline,
   * beside the user's own input (status 400), not on an error page.
   */
  const queryPage =
    <T>(template: string, pageSize: PageSize, run: (snapshot: IndexSnapshot, query: Record<string, unknown>) => T) =>
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
      response.render(template, { typed, view, error, archive: archiveFacts(snapshot), sort: shownSort(request.query), listUrl, maxPage: MAX_PAGE, defaultSize: pageSize.default });
    };

  router.get(
    "/",
    queryPage("search", PAGE_SIZE, (snapshot, query) => answers.search(snapshot, parseSearchParams(query)).view),
  );

  router.get(
    "/occurrences",
    queryPage("occurrences", OCCURRENCE_PAGE_SIZE, (snapshot, query) => answers.occurrences(snapshot, parseSearchParams(query, OCCURRENCE_PAGE_SIZE)).view),
  );

  router.get("/article/:id", (request, response) => {
    const snapshot = source.current();
    const doc = snapshot.findArticle(request.params.id);
    if (doc === undefined) throw articleNotFound(request.params.id);
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
    // Back to the list the article was found in: its page and size, when they are valid ones.
    const page = Number(request.query.page);
    const size = Number(request.query.size);
    const back = {
      q: typed,
      sort: shownSort(request.query),
      page: Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1,
      ...(Number.isInteger(size) && size >= 1 && size <= PAGE_SIZE.max && size !== PAGE_SIZE.default ? { size } : {}),
    };
    response.render("article", { ...view, typed, sort: back.sort, backUrl: listUrl("/", back) });
  });
  return router;
}
