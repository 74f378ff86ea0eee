// The links of the pages and the API: every link to a list of results carries the query (with its
// filters), the sort and the page, so that a view can be shared and paging or switching between
// results and occurrences never loses them. Defaults are left out, for short URLs.
import type { SortOrder } from "../search/rank.js";

export interface PageSize {
  default: number;
  max: number;
}

/** Hits per page of results. */
export const PAGE_SIZE: PageSize = { default: 10, max: 50 };
/** Lines per page of the occurrence list (each is one short line of context). */
export const OCCURRENCE_PAGE_SIZE: PageSize = { default: 20, max: 100 };

export interface ListState {
  q: string;
  sort?: SortOrder;
  page?: number;
  /** Only when not the list's default. */
  size?: number;
}

/** `path` with the state as its query string: `/occurrences?q=…&sort=oldest&page=3`. */
export function listUrl(path: string, { q, sort, page, size }: ListState): string {
  let url = `${path}?q=${encodeURIComponent(q)}`;
  if (sort !== undefined && sort !== "relevance") url += `&sort=${sort}`;
  if (page !== undefined && page > 1) url += `&page=${page}`;
  if (size !== undefined) url += `&size=${size}`;
  return url;
}

/**
 * An article's page; with the list it was found in, to mark its matches and lead back to that list,
 * and the query as typed when that list was a correction's (the page says so).
 */
export function articleUrl(id: string, from?: ListState, correctedFrom?: string): string {
  const path = `/article/${encodeURIComponent(id)}`;
  if (!from) return path;
  return listUrl(path, from) + (correctedFrom === undefined ? "" : `&typed=${encodeURIComponent(correctedFrom)}`);
}
