// The fields of an article, as data. The segment writer, the article store's columns, BM25
// scoring, the query language's filters and the filter code all loop over these tables, so a new
// field is one entry here (plus its tests), not an edit in five modules.
//
// Text fields are searched and ranked: each is analyzed into words for BM25 and lies in the
// article's folded text ("title\nbody": the fields in this order, joined by "\n"), where phrases
// are matched exactly. Keyword fields are whole values: filtered on (`author:王尚磊`) and counted
// as facets. The date is the one keyword field that is also a sort key and a range filter.
export interface TextField {
  name: "title" | "body";
  /** The analyzer that cuts the field into index terms (analysis/analyze.ts). */
  analyzer: "jieba-search";
  /** How the field's word postings are kept: FlexSearch for short headlines, compact lists for bodies. */
  postings: "headline" | "compact";
  /** BM25 length normalization: 0 ignores the field's length, 1 divides by it fully. */
  b: number;
  /** Weight of the field's BM25 score in the sum (a simplified BM25F). */
  weight: number;
  /**
   * When `name:` restricts a word or phrase to this field in the query language: an example of it,
   * its label in Chinese, and the Chinese names that mean the same as `name:` (`标题:`).
   */
  query?: { example: string; label: string; aliases: readonly string[] };
}

/** BM25's term-frequency saturation, shared by all text fields. */
export const BM25_K1 = 1.2;

export const TEXT_FIELDS = [
  { name: "title", analyzer: "jieba-search", postings: "headline", b: 0.5, weight: 5, query: { example: "title:复工复产", label: "标题", aliases: ["标题"] } },
  { name: "body", analyzer: "jieba-search", postings: "compact", b: 0.75, weight: 1 },
] as const satisfies readonly TextField[];

export type TextFieldName = (typeof TEXT_FIELDS)[number]["name"];

/**
 * A keyword field. Where its values come from: a metadata string column of the article store
 * (several values joined by "\n"), the first `length` characters of another field's column (year
 * and month of the date), or the article's details (the seed file). `filter` is the query
 * language's `name:value` for the field: "values" matches any of the given values (case- and
 * width-folded), "date" a date range. `facet` fields are counted per query.
 */
export interface KeywordField {
  name: string;
  /** Label on the page, in Chinese. */
  label: string;
  stored: { column: true; multiple: boolean } | { prefixOf: string; length: number } | { detail: "file" };
  /** `aliases`: Chinese names that mean the same as `name:` in the query language (`作者:`). */
  filter?: { kind: "values" | "date"; example: string; aliases: readonly string[] };
  /** The filter that selects the articles with a value of this field (what a click on a facet adds: `date:2019` for a year). */
  selectBy?: string;
  facet: boolean;
}

/** Facets are shown, column fields stored and filters listed by the query language in this order. */
export const KEYWORD_FIELDS = [
  { name: "year", label: "年份", stored: { prefixOf: "date", length: 4 }, selectBy: "date", facet: true },
  { name: "month", label: "月份", stored: { prefixOf: "date", length: 7 }, selectBy: "date", facet: true },
  { name: "author", label: "作者", stored: { column: true, multiple: true }, filter: { kind: "values", example: "author:王尚磊", aliases: ["作者"] }, selectBy: "author", facet: true },
  { name: "source", label: "来源", stored: { column: true, multiple: false }, filter: { kind: "values", example: "source:cctv-xwlb", aliases: ["来源"] }, selectBy: "source", facet: true },
  { name: "date", label: "日期", stored: { column: true, multiple: false }, filter: { kind: "date", example: "date:2020-03", aliases: ["日期"] }, facet: false },
  { name: "file", label: "文件", stored: { detail: "file" }, facet: false },
] as const satisfies readonly KeywordField[];

export type KeywordFieldName = (typeof KEYWORD_FIELDS)[number]["name"];

type FilterOf<F> = F extends { name: infer N; filter: { kind: infer K } } ? [N, K] : never;
type Filters = FilterOf<(typeof KEYWORD_FIELDS)[number]>;
/** The keyword fields the query language filters by value (`author:`, `source:`). */
export type ValueFilterName = Extract<Filters, [string, "values"]>[0];
/** The keyword field filtered by a date range (`date:`). */
export type DateFilterName = Extract<Filters, [string, "date"]>[0];

export type FilterName = ValueFilterName | DateFilterName;

/** The filters of the query language, in the order its messages list them. */
export const FILTERS = KEYWORD_FIELDS.flatMap((field) =>
  "filter" in field
    ? [{ name: field.name as FilterName, kind: field.filter.kind, example: field.filter.example, label: field.label, aliases: field.filter.aliases }]
    : [],
);

/** The one date filter: the date column's range. */
export const DATE_FILTER = FILTERS.find(({ kind }) => kind === "date")!.name as DateFilterName;

export const VALUE_FILTERS = FILTERS.flatMap(({ name, kind }) => (kind === "values" ? [name as ValueFilterName] : []));

/** The text fields a query can restrict a word to (`title:`), with an example each. */
export const QUERYABLE_TEXT_FIELDS = TEXT_FIELDS.flatMap((field) =>
  "query" in field ? [{ name: field.name, example: field.query.example, label: field.query.label, aliases: field.query.aliases }] : [],
);

export const FACET_FIELDS = KEYWORD_FIELDS.filter((field) => field.facet).map((field) => field.name);
export type FacetFieldName = Extract<(typeof KEYWORD_FIELDS)[number], { facet: true }>["name"];

export function keywordField(name: KeywordFieldName): KeywordField {
  return KEYWORD_FIELDS.find((field) => field.name === name)!;
}

/** The filter that selects a value of a facet field. */
export function facetFilter(name: FacetFieldName): FilterName {
  return (KEYWORD_FIELDS.find((field) => field.name === name) as { selectBy: FilterName }).selectBy;
}

export type ColumnKeywordName = Extract<(typeof KEYWORD_FIELDS)[number], { stored: { column: true } }>["name"];

/** The keyword fields stored as a metadata string column each, in this order. */
export const COLUMN_KEYWORDS = KEYWORD_FIELDS.flatMap((field) => ("column" in field.stored ? [field.name as ColumnKeywordName] : []));

