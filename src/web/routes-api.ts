// JSON API: GET /api/search, GET /api/occurrences (each also as a CSV or JSON Lines download of every
// match: format=csv|jsonl), GET /api/timeline, GET /api/suggest, GET /api/analyze, GET /api/articles/:id.
// Same search and validation as the pages.
import { Router, type Request, type RequestHandler } from "express";
import { ARTICLE_COLUMNS, OCCURRENCE_COLUMNS } from "../present/citation.js";
import { articleNotFound } from "../errors.js";
import type { Pacing, ReaderSource, RowStream, SearchReader } from "../search/backend.js";
import type { SortOrder } from "../search/rank.js";
import type { Answers } from "./answers.js";
import { sendExport, exportFileName } from "./export.js";
import { OCCURRENCE_PAGE_SIZE, PAGE_SIZE, parseExportFormat, type PageSize, type SearchParams, parseSearchParams, parseTimelineParams, requiredText } from "./validate.js";

/** Where this server is reached, for the absolute links of an export. */
function origin(request: Request): string {
  return `${request.protocol}://${request.get("host") ?? "localhost"}`;
}

interface ListKind<Row extends object> {
  /** Names the download: `articles-<query>.csv`. */
  kind: string;
  pageSize: PageSize;
  answer: (reader: SearchReader, params: SearchParams) => Promise<{ json(): string }>;
  rows: (reader: SearchReader, queryText: string, sort: SortOrder, origin: string, pacing: Pacing) => Promise<RowStream<Row>>;
  columns: ReadonlyArray<keyof Row & string>;
}

/** A list (articles or occurrences): one page as JSON, or with format=csv|jsonl every match as a download. */
function listRoute<Row extends object>(source: ReaderSource, answers: Answers, list: ListKind<Row>): RequestHandler {
  return async (request, response) => {
    const params = parseSearchParams(request.query, list.pageSize);
    const format = parseExportFormat(request.query);
    const reader = source.current();
    if (format === undefined) return void response.type("json").send((await list.answer(reader, params)).json());
    await answers.export(
      (pacing) => list.rows(reader, params.q, params.sort, origin(request), pacing),
      (rows) => sendExport(response, rows, list.columns, format, exportFileName(list.kind, params.q, format)),
    );
  };
}

export function apiRouter(source: ReaderSource, answers: Answers): Router {
  const router = Router();
  router.get(
    "/search",
    listRoute(source, answers, {
      kind: "articles",
      pageSize: PAGE_SIZE,
      answer: (reader, params) => answers.search(reader, params),
      rows: (reader, ...query) => reader.exportArticles(...query),
      columns: ARTICLE_COLUMNS,
    }),
  );
  router.get(
    "/occurrences",
    listRoute(source, answers, {
      kind: "occurrences",
      pageSize: OCCURRENCE_PAGE_SIZE,
      answer: (reader, params) => answers.occurrences(reader, params),
      rows: (reader, ...query) => reader.exportOccurrences(...query),
      columns: OCCURRENCE_COLUMNS,
    }),
  );
  router.get("/timeline", async (request, response) => {
    response.type("json").send((await answers.timeline(source.current(), parseTimelineParams(request.query))).json());
  });
  router.get("/suggest", async (request, response) => {
    const q = requiredText(request.query, "q", "没有要补全的内容：请给出输入框里已输入的文字，例如 q=疫 或 q=xij");
    response.json({ query: q, suggestions: await answers.suggest(source.current(), q) });
  });
  router.get("/analyze", async (request, response) => {
    const q = requiredText(request.query, "q", "没有要分析的查询：例如 q=习进平 讲话");
    response.json(await answers.analyze(source.current(), q));
  });
  router.get("/articles/:id", async (request, response) => {
    const record = await source.current().article(request.params.id);
    if (record === undefined) throw articleNotFound(request.params.id);
    response.json(record.article);
  });
  return router;
}
