// HTML pages: GET / (search form, results, facets and timeline), GET /occurrences (every occurrence,
// one a line), GET /timeline (queries compared over time), GET /article/:id (the article, every match marked).
import { Router, type Request, type Response } from "express";
import { articleNotFound, DatabaseUnavailableError, InvalidParameterError, QueryParseError, QueryTooExpensiveError, ServerBusyError } from "../errors.js";
import type { ArticleRecord, ReaderSource, SearchReader } from "../search/backend.js";
import { FACET_FIELDS, keywordField } from "../index/schema.js";
import { listUrl } from "../present/links.js";
import { timelineChart, type Chart } from "../present/timeline.js";
import { articleView } from "../present/results.js";
import type { SortOrder } from "../search/rank.js";
import type { Answers } from "./answers.js";
import { setErrorStatus } from "./error-handler.js";
import { MAX_COMPARED, MAX_PAGE, OCCURRENCE_PAGE_SIZE, PAGE_SIZE, parseSearchParams, parseSort, parseTimelineParams, type PageSize } from "./validate.js";

/** The sort the form shows and links keep: the requested one when valid (a bad one is reported with the query). */
function shownSort(query: Record<string, unknown>): SortOrder {
  try {
    return typeof query.sort === "string" && query.sort !== "" ? parseSort(query.sort) : "relevance";
  } catch {
    return "relevance";
  }
}

/** The heading of each facet on the page. */
const FACET_LABELS = Object.fromEntries(FACET_FIELDS.map((name) => [name, keywordField(name).label]));

export function pagesRouter(source: ReaderSource, answers: Answers): Router {
  const router = Router();
  /**
   * A page for a typed query: its data when the query is usable; otherwise the error shown inline,
   * beside the user's own input (status 400, or 503 when the query ran out of time or the server
   * is busy), not on an error page.
   */
  const queryPage =
    <T>(template: string, pageSize: PageSize, run: (reader: SearchReader, query: Record<string, unknown>) => Promise<T>) =>
    async (request: Request, response: Response): Promise<void> => {
      const typed = typeof request.query.q === "string" ? request.query.q : "";
      const reader = source.current();
      let view: T | undefined;
      let error: { status: number; message: string; hint?: string; start?: number; end?: number } | undefined;
      if (typed.trim() !== "") {
        try {
          view = await run(reader, request.query);
        } catch (caught) {
          const shownInline = [QueryParseError, InvalidParameterError, QueryTooExpensiveError, ServerBusyError, DatabaseUnavailableError].some((kind) => caught instanceof kind);
          if (!shownInline) throw caught;
          const { message, hint } = caught as Error & { hint?: string };
          error = { status: setErrorStatus(caught, response), message, hint };
          if (caught instanceof QueryParseError) Object.assign(error, { start: caught.start, end: caught.end });
        }
      }
      response.render(template, { typed, view, error, archive: await reader.archive(), sort: shownSort(request.query), listUrl, maxPage: MAX_PAGE, defaultSize: pageSize.default, maxCompared: MAX_COMPARED, query: request.query });
    };

  /**
   * The chart beside a list: by year, or by month when the matches lie within two years. A chart
   * out of time or turns is left out with the reason (the list it sits beside is already there).
   */
  const chartOf = async (reader: SearchReader, q: string): Promise<Chart | { skipped: string }> => {
    try {
      const byYear = (await answers.timeline(reader, { queries: [q], by: "year" })).view;
      return timelineChart(byYear.buckets.length > 2 ? byYear : (await answers.timeline(reader, { queries: [q], by: "month" })).view);
    } catch (caught) {
      if (caught instanceof QueryTooExpensiveError || caught instanceof ServerBusyError) return { skipped: caught.message };
      throw caught;
    }
  };

  router.get(
    "/",
    queryPage("search", PAGE_SIZE, async (reader, query) => {
      const { view } = await answers.search(reader, { ...parseSearchParams(query), facets: [...FACET_FIELDS] });
      return { ...view, chart: await chartOf(reader, view.query), facetLabels: FACET_LABELS };
    }),
  );

  router.get(
    "/occurrences",
    queryPage("occurrences", OCCURRENCE_PAGE_SIZE, async (reader, query) => {
      const { view } = await answers.occurrences(reader, parseSearchParams(query, OCCURRENCE_PAGE_SIZE));
      return { ...view, chart: await chartOf(reader, view.query) };
    }),
  );

  /** Up to four queries over time in one chart, in a URL that can be shared: /timeline?q=精准扶贫&q2=乡村振兴&by=month. */
  router.get(
    "/timeline",
    queryPage("timeline", PAGE_SIZE, async (reader, query) => {
      const params = parseTimelineParams(query);
      const { view } = await answers.timeline(reader, params);
      return { ...view, queries: params.queries, chart: timelineChart(view) };
    }),
  );

  const articleOf = async (id: string): Promise<ArticleRecord> => {
    const record = await source.current().article(id);
    if (record === undefined) throw articleNotFound(id);
    return record;
  };

  router.get("/article/:id", async (request, response) => {
    const record = await articleOf(request.params.id);
    const typed = typeof request.query.q === "string" ? request.query.q : "";
    let matches: Awaited<ReturnType<ArticleRecord["matches"]>> = { titleMatches: [], bodyMatches: [], expansions: [] };
    if (typed.trim() !== "") {
      try {
        matches = await answers.articleMatches(record, typed);
      } catch (caught) {
        if (!(caught instanceof QueryParseError)) throw caught; // an unusable query just marks nothing
      }
    }
    const view = articleView(record.article, { title: matches.titleMatches, body: matches.bodyMatches });
    // Back to the list the article was found in: its page and size, when they are valid ones.
    const page = Number(request.query.page);
    const size = Number(request.query.size);
    const back = {
      q: typed,
      sort: shownSort(request.query),
      page: Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1,
      ...(Number.isInteger(size) && size >= 1 && size <= PAGE_SIZE.max && size !== PAGE_SIZE.default ? { size } : {}),
    };
    // Found through a correction (the results page links its articles with the query as typed): say so.
    const correctedFrom = typed !== "" && typeof request.query.typed === "string" && request.query.typed !== typed ? request.query.typed : undefined;
    response.render("article", { ...view, typed, sort: back.sort, backUrl: listUrl("/", back), expansions: matches.expansions, correctedFrom });
  });

  // The whole article as plain text, for bodies longer than the article page shows.
  router.get("/article/:id/text", async (request, response) => {
    const { article } = await articleOf(request.params.id);
    response.type("text/plain; charset=utf-8").attachment(`${request.params.id}.txt`).send(`${article.title}\n\n${article.body}\n`);
  });
  return router;
}
