// Request parameters → typed values, or a 400 that says which parameter, what was wrong and what is allowed.
import { InvalidParameterError } from "../errors.js";
import { OCCURRENCE_PAGE_SIZE, PAGE_SIZE, type PageSize } from "../present/links.js";
import { SORT_ORDERS, type SortOrder } from "../search/rank.js";
import { MAX_QUERY_LENGTH } from "../search/query-parser.js";
import { TIMELINE_UNITS, type TimelineUnit } from "../search/timeline.js";
import { FACET_FIELDS, type FacetFieldName } from "../index/schema.js";

export { OCCURRENCE_PAGE_SIZE, PAGE_SIZE, type PageSize };
export const MAX_PAGE = 500;

export interface SearchParams {
  q: string;
  page: number;
  size: number;
  sort: SortOrder;
  /** `correct=0`: search as typed, never the correction of a rare word (the "仍然搜索" link). */
  correct: boolean;
  /** Keyword fields to count the matches by (`facets=year,source`); empty for none. */
  facets: FacetFieldName[];
}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidParameterError(name, "只能给一次，且是普通的值");
  return value;
}

function integer(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = single(query, name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new InvalidParameterError(name, `须是 ${min} 到 ${max} 之间的整数，收到的是“${raw}”`);
  const value = Number(raw);
  if (value < min || value > max) throw new InvalidParameterError(name, `须在 ${min} 到 ${max} 之间，收到的是 ${value}`);
  return value;
}

/** `date`, the first name of the newest-first order, stays its alias. */
const SORT_ALIASES: Readonly<Record<string, SortOrder>> = { date: "newest" };

export function parseSort(raw: string): SortOrder {
  const sort = SORT_ALIASES[raw] ?? raw;
  if (!(SORT_ORDERS as readonly string[]).includes(sort)) {
    throw new InvalidParameterError("sort", `须是 ${SORT_ORDERS.join("、")} 之一（date 与 newest 相同），收到的是“${raw}”`);
  }
  return sort as SortOrder;
}

export function parseSearchParams(query: Query, pageSize: PageSize = PAGE_SIZE): SearchParams {
  const q = queryText(query);
  const sort = parseSort(single(query, "sort") || "relevance");
  const correct = single(query, "correct") || "1";
  if (correct !== "0" && correct !== "1") throw new InvalidParameterError("correct", `须是 0（按输入原样检索）或 1，收到的是“${correct}”`);
  return {
    q,
    page: integer(query, "page", 1, 1, MAX_PAGE),
    size: integer(query, "size", pageSize.default, 1, pageSize.max),
    sort,
    correct: correct === "1",
    facets: facetList(single(query, "facets") ?? ""),
  };
}

/** A text parameter that must be given (`GET /api/suggest?q=`, `GET /api/analyze?q=`); `emptyHint` says what to give. */
export function requiredText(query: Query, name: string, emptyHint: string): string {
  const text = single(query, name) ?? "";
  if (text.trim() === "") throw new InvalidParameterError(name, emptyHint);
  if (text.length > MAX_QUERY_LENGTH) throw new InvalidParameterError(name, `太长（${text.length} 个字符，最多 ${MAX_QUERY_LENGTH} 个）`);
  return text;
}

function facetList(raw: string): FacetFieldName[] {
  const names = raw.split(",").map((name) => name.trim()).filter((name) => name !== "");
  for (const name of names) {
    if (!(FACET_FIELDS as readonly string[]).includes(name)) {
      throw new InvalidParameterError("facets", `没有“${name}”这一分面：请用逗号分隔 ${FACET_FIELDS.join("、")} 中的若干个`);
    }
  }
  return [...new Set(names)] as FacetFieldName[];
}

function queryText(query: Query, name = "q"): string {
  const q = single(query, name) ?? "";
  if (q.trim() === "") throw new InvalidParameterError(name, "查询是空的：请输入要找的词，或用引号括起的短语，例如 \"防疫知识\"");
  if (q.length > MAX_QUERY_LENGTH) throw new InvalidParameterError(name, `查询太长（${q.length} 个字符，最多 ${MAX_QUERY_LENGTH} 个）：请缩短查询`);
  return q;
}

export interface TimelineParams {
  /** One to four queries, compared in one chart (`q`, `q2`, `q3`, `q4`). */
  queries: string[];
  by: TimelineUnit;
}

/** The compared queries beside `q`: at most this many in all. */
export const MAX_COMPARED = 4;

export function parseTimelineParams(query: Query): TimelineParams {
  const by = single(query, "by") || "year";
  if (!(TIMELINE_UNITS as readonly string[]).includes(by)) throw new InvalidParameterError("by", `须是 ${TIMELINE_UNITS.join(" 或 ")}（按年或按月），收到的是“${by}”`);
  const queries = [queryText(query)];
  for (let n = 2; n <= MAX_COMPARED; n++) {
    const name = `q${n}`;
    if ((single(query, name) ?? "").trim() !== "") queries.push(queryText(query, name));
  }
  return { queries, by: by as TimelineUnit };
}

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `format=csv|jsonl` asks for every match as a download; absent, the API answers one page as JSON. */
export function parseExportFormat(query: Query): ExportFormat | undefined {
  const format = single(query, "format");
  if (format === undefined || format === "" || format === "json") return undefined;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new InvalidParameterError("format", `须是 json（一页）、csv 或 jsonl（全部结果），收到的是“${format}”`);
  return format as ExportFormat;
}
