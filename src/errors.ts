// One family of errors: each says what failed, where, and what to do about it. Errors a reader can
// meet (query, request parameters, pages) say it in Chinese; operators' errors (seeds, index, lock)
// in English, as the CLI does. The API sends each with its stable `code` from ERROR_CODES.

/**
 * Every code the API can return beside its message, with what it means. Messages may be reworded;
 * codes do not change, so clients branch on them.
 */
export const ERROR_CODES = {
  query_empty: "the query has nothing in it",
  query_too_long: "the query is longer than MAX_QUERY_LENGTH",
  phrase_empty: "a pair of quotes with nothing between them",
  unknown_field: "`name:` with a name that is not a field",
  field_without_value: "`title:` (or another field) with nothing after the colon",
  misplaced_or: "`OR` at the start or the end, or twice in a row",
  bad_alternative: "an exclusion or a filter next to `OR`",
  excluded_filter: "a filter with `-` before it",
  nothing_to_search: "only exclusions and filters, no word to search for",
  invalid_date: "a `date:` value that is not YYYY, YYYY-MM or YYYY-MM-DD, or no such day",
  reversed_date_range: "a `date:` range that starts after it ends",
  disjoint_dates: "two `date:` filters that do not overlap",
  too_many_items: "more than MAX_QUERY_ITEMS words and phrases in one query",
  query_too_expensive: "the search ran out of its time budget (--query-budget) and was stopped (503); narrow the query",
  shard_unavailable: "a shard of a sharded PostgreSQL archive did not answer (503); the message names it",
  server_busy: "all turns for expensive searches are taken (--expensive-queries); try again after Retry-After seconds (503)",
  headers_too_large: "the URL or the request headers are over 16 KiB (431)",
  request_timeout: "the request headers did not arrive in time (408)",
  bad_request: "the request is not valid HTTP (400)",
  invalid_parameter: "a request parameter (q, page, size, sort) out of range or malformed; `parameter` names it",
  not_found: "no such article or page",
  database_unavailable: "--backend postgres: the database (or every standby and the primary) cannot be reached, or every connection is busy (503, Retry-After)",
  not_on_backend: "a feature the running backend does not offer (501): /api/analyze on postgres",
  internal_error: "the server failed; its log says why",
  seed_format: "a seed file or line cannot be read (build only)",
  index_unusable: "the index on disk cannot be used (build and start only)",
  operator_error: "seeds, lock or options of a build or server (command line only)",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SearchError extends Error {
  constructor(
    message: string,
    /** What the user can do about it, shown after the message. */
    readonly hint?: string,
    readonly code: ErrorCode = "operator_error",
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A seed file (or one line of it) cannot be read as articles, or was read with a loss worth reporting. */
export class SeedFormatError extends SearchError {
  constructor(
    readonly file: string,
    /** 1-based; undefined when the problem concerns the whole file. */
    readonly line: number | undefined,
    reason: string,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${reason}`, undefined, "seed_format");
  }
}

/**
 * A whole seed file is left out of this build: it cannot be listed, read, decoded or split. When an
 * earlier generation indexed it, its articles from there are `kept` (an unreadable file is not a
 * deleted one).
 */
export class SkippedSeedError extends SearchError {
  constructor(
    readonly file: string,
    readonly reason: string,
    hint: string,
    readonly kept?: { articles: number; generation: number },
  ) {
    const keptText = kept ? `kept ${kept.articles} article${kept.articles === 1 ? "" : "s"} from generation ${kept.generation} — ` : "";
    super(`${file}: ${keptText}${reason} — ${hint}`, hint, "seed_format");
  }
}

/** A build that would do harm (drop most articles, write into a foreign directory) and was not done. */
export class BuildRefusedError extends SearchError {}

/** What an operating system error code means, in words (Node's messages name only the code). */
const IO_ERRORS: Record<string, { what: string; hint: string }> = {
  ENOENT: { what: "no such file or directory", hint: "check the path" },
  EACCES: { what: "permission denied", hint: "give the user running this read access (and write access for an index)" },
  EPERM: { what: "operation not permitted", hint: "check the file's permissions and attributes" },
  EMFILE: { what: "too many open files in this process", hint: "raise the open-file limit (ulimit -n) and run again" },
  ENFILE: { what: "too many open files on this system", hint: "close other programs or raise the system's limit, and run again" },
  ENOSPC: { what: "no space left on the device", hint: "free some disk space and run again" },
  EDQUOT: { what: "disk quota exceeded", hint: "free some space or raise the quota" },
  EROFS: { what: "read-only file system", hint: "use a writable directory" },
  EIO: { what: "input/output error (the disk or network file system failed)", hint: "check the device, then run again" },
  ELOOP: { what: "a loop of symbolic links", hint: "remove the link that points back at itself" },
  EISDIR: { what: "a directory where a file was expected", hint: "check the path" },
  ENOTDIR: { what: "a file where a directory was expected", hint: "check the path" },
  EBUSY: { what: "busy", hint: "try again when the other program is done with it" },
  EADDRINUSE: { what: "the address is already in use", hint: "stop the other server, or choose another port with --port" },
};

/** `cannot read x: too many open files in this process (EMFILE)` with its hint. */
export function ioError(action: string, error: unknown): SearchError {
  const { what, hint } = ioReason(error);
  return new SearchError(`${action}: ${what}`, hint);
}

/** The words and hint for an errno code, or the bare message of any other error. */
export function ioReason(error: unknown): { what: string; hint?: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : IO_ERRORS[code];
  return known ? { what: `${known.what} (${code})`, hint: known.hint } : { what: (error as Error).message };
}

/** The user's query is not valid; `start`/`end` point at the offending characters. */
export class QueryParseError extends SearchError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message, undefined, code);
  }
}

/** The query needed more than the time a request may take, and was stopped (HTTP 503: under load, less time is left for it). */
export class QueryTooExpensiveError extends SearchError {
  constructor(readonly budgetMs: number) {
    super(
      `这个检索太费时：${budgetMs} 毫秒内没有完成（每个请求最多用这么久），已停止`,
      "请缩小范围：多加一个词或一个加引号的“短语”，加上 date: 或 source: 筛选，或者看靠前的页",
      "query_too_expensive",
    );
  }
}

/** Too much expensive work is queued already (HTTP 503 with Retry-After). */
export class ServerBusyError extends SearchError {
  constructor(readonly retryAfterSeconds: number) {
    super("服务器正忙于其他费时的检索", `请 ${retryAfterSeconds} 秒后再试，或缩小检索范围`, "server_busy");
  }
}

/** The database behind --backend postgres cannot answer now (HTTP 503 with Retry-After): down, unreachable, or every connection busy. */
export class DatabaseUnavailableError extends SearchError {
  readonly retryAfterSeconds = 5;

  constructor(reason: string) {
    super(`数据库暂时无法回答（${reason}），请稍后再试`, "若一再出现，请告诉管理员：检索服务连不上它的 PostgreSQL 数据库（详情在服务器日志里）", "database_unavailable");
  }
}

/** A feature the running backend does not offer (HTTP 501). */
export class NotOnBackendError extends SearchError {
  constructor(feature: string, backend: string) {
    super(`${feature}在当前的 ${backend} 后端上不可用`, "这个功能只在内嵌索引（--backend embedded）上提供；检索、出现位置、文章、分面、时间线和导出都可以照常使用", "not_on_backend");
  }
}

/** A request parameter is out of range or malformed (HTTP 400). */
export class InvalidParameterError extends SearchError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`, undefined, "invalid_parameter");
  }
}

/** The index on disk is missing, from another format or analyzer, or damaged. It is never served. */
export class IndexUnusableError extends SearchError {
  constructor(
    readonly path: string,
    reason: string,
    hint = "rebuild it with `npm run index -- --full`",
  ) {
    super(`index at ${path} cannot be used: ${reason}`, hint, "index_unusable");
  }
}

/** No such article or page (HTTP 404). */
export class NotFoundError extends SearchError {
  constructor(message: string) {
    super(message, undefined, "not_found");
  }
}

/** No article with this id: a link from an older index, or a mistyped address. */
export function articleNotFound(id: string): NotFoundError {
  return new NotFoundError(`没有编号为“${id}”的文章：它可能已从资料库中删除，或链接有误。请重新检索`);
}

/** A shard of a sharded PostgreSQL deployment did not answer (HTTP 503): no answer rather than one with its articles silently missing. */
export class ShardUnavailableError extends SearchError {
  constructor(
    readonly shard: string,
    readonly reason: string,
  ) {
    super(`分片 ${shard} 暂时无法访问：结果会缺少它的文章，所以没有给出`, "请稍后再试；若一再出现，请告诉管理员（服务器日志里有原因）", "shard_unavailable");
  }
}
