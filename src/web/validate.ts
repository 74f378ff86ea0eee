// Request parameters → typed values, or a 400 that says which parameter, what was wrong and what is allowed.
import { InvalidParameterError } from "../errors.js";
import type { SortOrder } from "../search/rank.js";
import { MAX_QUERY_LENGTH } from "../search/query-parser.js";

export interface PageSize {
  default: number;
  max: number;
}

/** Hits per page of results. */
export const PAGE_SIZE: PageSize = { default: 10, max: 50 };
/** Lines per page of the occurrence list (each is one short line of context). */
export const OCCURRENCE_PAGE_SIZE: PageSize = { default: 20, max: 100 };
export const MAX_PAGE = 500;

export interface SearchParams {
  q: string;
  page: number;
  size: number;
  sort: SortOrder;
  /** `correct=0`: search as typed, never the correction of a rare word (the "仍然搜索" link). */
  correct: boolean;
}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidParameterError(name, "give it once, as a plain value");
  return value;
}

function integer(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = single(query, name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new InvalidParameterError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new InvalidParameterError(name, `must be from ${min} to ${max}, got ${value}`);
  return value;
}

export function parseSearchParams(query: Query, pageSize: PageSize = PAGE_SIZE): SearchParams {
  const q = single(query, "q") ?? "";
  if (q.trim() === "") throw new InvalidParameterError("q", "empty query: type a word or a \"quoted phrase\"");
  if (q.length > MAX_QUERY_LENGTH) throw new InvalidParameterError("q", `too long (${q.length} characters, at most ${MAX_QUERY_LENGTH})`);
  const sort = single(query, "sort") || "relevance";
  if (sort !== "relevance" && sort !== "date") throw new InvalidParameterError("sort", `must be "relevance" or "date", got "${sort}"`);
  const correct = single(query, "correct") || "1";
  if (correct !== "0" && correct !== "1") throw new InvalidParameterError("correct", `must be 0 (search as typed) or 1, got "${correct}"`);
  return {
    q,
    page: integer(query, "page", 1, 1, MAX_PAGE),
    size: integer(query, "size", pageSize.default, 1, pageSize.max),
    sort,
    correct: correct === "1",
  };
}
