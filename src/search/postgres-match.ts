// The match stage of search.ts over a PostgreSQL database (postgres-writer.ts): which articles
// match a query (AND, OR, exclusions, filters, the relaxed fallback) and the exact counts of its
// quoted phrases, computed by the database with the same needles as candidates.ts (the app keeps
// jieba, folding and the parser), then BM25 by the database and the embedded engine's re-ranking,
// sort and paging. postgres-backend.ts serves it. Every query also runs on the shards of a sharded
// archive at once (postgres-shards.ts: one row set per shard): counts come back as one row per shard
// and are added up here, rows are put in loading order here.
import { namesOf } from "../analysis/analyze.js";
import { fold } from "../analysis/fold.js";
import { TF_SLOTS } from "../index/headline-index.js";
import { phraseGrams } from "../index/postgres-rows.js";
import { keywordColumnType, textColumns } from "../index/postgres-schema.js";
import { BM25_K1, DATE_FILTER, TEXT_FIELDS, VALUE_FILTERS, type TextField, type ValueFilterName } from "../index/schema.js";
import { MAX_TF } from "../index/word-index.js";
import { analyzeAtom, type AnalyzedAtom } from "./candidates.js";
import type { Field } from "./phrase-check.js";
import type { Queryable } from "./postgres-pools.js";
import { parseQuery, type ParsedQuery } from "./query-parser.js";
import { idf, type Ranked } from "./rank.js";
import { expandQuery, type Expansion } from "./query-expansion.js";
import { EXPANSION_WEIGHT, orderRanked, penaltyFor, proximityBonus, RERANK_DEPTH, rerankHead, type ItemCount, type PhraseCount, type SearchRequest } from "./search.js";

export interface PostgresMatches {
  query: ParsedQuery;
  groups: AnalyzedAtom[][];
  /**
   * Relaxed results, or queries with synonyms: each matching article's (by id) rank tier, as
   * search.ts computes it (groups matched, less a penalty for matching only through a synonym).
   */
  tiers: Map<string, number>;
  /** The matching articles' ids, in loading order. */
  ids: string[];
  /** Their article numbers (the `doc` column), in the same order. */
  docs: number[];
  total: number;
  relaxed: boolean;
  /** Relaxed or empty results only, as in SearchResult. */
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
  /** The synonyms the query also looked for. */
  expansions: Expansion[];
}

/** Up to this many characters (code points), a phrase is held by exactly the articles whose grams hold it. */
const GRAM_EXACT_CHARS = 2;

/** A Latin letter or digit of folded text, as phrase-check.ts isLatinUnit. */
const LATIN = /[a-z0-9]/;

/** The SQL of one query, with its parameters. */
class Sql {
  readonly values: unknown[] = [];

  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** The field's folded text: the title is the first title_length characters of `folded`. */
  static fieldText(field: Field): string {
    return field === "title" ? "left(folded, title_length)" : "folded";
  }

  /**
   * Articles whose field holds the needle exactly, as phrase-check.ts decides: the gram index
   * proposes, strpos decides; a query word with Latin text at an end must stand alone.
   */
  needle(needle: string, field: Field, wholeWord: boolean): string {
    const short = Array.from(needle).length <= GRAM_EXACT_CHARS;
    const candidates = `grams @> ${this.param(phraseGrams(needle))}::bigint[]`;
    const latinStart = wholeWord && LATIN.test(needle.charAt(0));
    const latinEnd = wholeWord && LATIN.test(needle.charAt(needle.length - 1));
    if (latinStart || latinEnd) {
      const pattern = `${latinStart ? "(^|[^a-z0-9])" : ""}${needle.replace(/[\\^$.|?*+()[\]{}]/g, (char) => `\\${char}`)}${latinEnd ? "($|[^a-z0-9])" : ""}`;
      return `(${candidates} AND ${Sql.fieldText(field)} ~ ${this.param(pattern)})`;
    }
    // One or two characters anywhere: the grams are exactly the articles that hold them.
    if (short && field === "any") return candidates;
    return `(${candidates} AND strpos(${Sql.fieldText(field)}, ${this.param(needle)}) > 0)`;
  }

  item(item: AnalyzedAtom): string {
    if (item.needles.length === 0) return "FALSE";
    return `(${item.needles.map((needle) => this.needle(needle, item.atom.field, item.wholeWords)).join(" AND ")})`;
  }

  group(group: readonly AnalyzedAtom[]): string {
    return `(${group.map((item) => this.item(item)).join(" OR ")})`;
  }
}

/** A page of a search over the database: the matches, and the page's article ids in the requested order. */
export interface PostgresPage extends PostgresMatches {
  pageIds: string[];
  /** The page's scores (BM25 with the global statistics of term_stats, plus proximity bonuses), as search.ts gives them. */
  scores: number[];
}

/** The largest term frequency each kind of embedded postings keeps: BM25 over the database caps the same way. */
const TF_CAPS: Record<TextField["postings"], number> = { headline: TF_SLOTS, compact: MAX_TF };

/**
 * search.ts's search (without expansion and corrections) over the database: the matches, BM25 with
 * the loader's global statistics computed by the database in the embedded engine's order of
 * operations (so that scores and ties are the same), then the same re-ranking, sort and paging.
 */
export async function searchPostgres(client: Queryable, request: SearchRequest, catalog = new Catalog()): Promise<PostgresPage> {
  const matches = await matchInPostgres(client, request.query, catalog);
  const ranked = await rankInPostgres(client, matches, request);
  const page = ranked.slice((request.page - 1) * request.size, request.page * request.size);
  return { ...matches, pageIds: page.map(({ id }) => id), scores: page.map(({ score }) => score) };
}

/** A matching article in result order, with its score (BM25 plus proximity bonuses). */
export interface RankedArticle {
  doc: number;
  id: string;
  score: number;
}

/** The matches up to the end of the requested page, in the requested order, as search.ts ranks them. */
export async function rankInPostgres(client: Queryable, matches: PostgresMatches, request: Pick<SearchRequest, "page" | "size" | "sort">): Promise<RankedArticle[]> {
  const groups = matches.groups;
  const weights = new Map<string, number>();
  for (const item of groups.flat()) for (const term of item.terms) weights.set(term, (weights.get(term) ?? 0) + (item.expansion ? EXPANSION_WEIGHT : 1));
  const terms = [...weights.keys()];
  // Global statistics: each shard's, added up.
  const { rows: shardStats } = await client.query<{ field: string; term: string; df: number }>("SELECT field, term, df FROM term_stats WHERE term = ANY($1::text[])", [terms]);
  const stats = sumRows(shardStats, ["field", "term"], ["df"]);
  const { rows: shardFields } = await client.query<{ field: string; articles: string; terms: string }>("SELECT field, articles, terms FROM field_stats");
  const fields = sumRows(shardFields, ["field"], ["articles", "terms"]);
  const size = Number(fields.find((row) => row.field === TEXT_FIELDS[0]!.name)?.articles ?? 0);
  const sql = new Sql();
  // scores[doc] += termIdf * fieldWeight * saturate(tf, length, average, b), term by term, field by field, as rank.ts adds them.
  const additions = ["0::float8"];
  for (const term of terms) {
    const documentFrequency = Math.max(0, ...stats.filter((row) => row.term === term).map(({ df }) => df));
    const termIdf = sql.param(weights.get(term)! * idf(size, documentFrequency));
    for (const field of TEXT_FIELDS) {
      const { tf: tfColumn, length } = textColumns(field.name);
      const total = Number(fields.find((row) => row.field === field.name)?.terms ?? 0);
      const average = sql.param(Math.max(1, total / Math.max(1, size)));
      const b = sql.param(field.b);
      const tf = `least(coalesce((${tfColumn} ->> ${sql.param(term)})::int, 0), ${TF_CAPS[field.postings]})::float8`;
      additions.push(`${termIdf}::float8 * ${sql.param(field.weight)}::float8 * ((${tf} * ${sql.param(BM25_K1 + 1)}::float8) / (${tf} + ${sql.param(BM25_K1)}::float8 * (1 - ${b}::float8 + (${b}::float8 * ${length}) / ${average}::float8)))`);
    }
  }
  const { rows } = await client.query<{ doc: number; id: string; score: number; date_key: number | null }>(
    `SELECT doc, id, ${additions.join(" + ")} AS score, date_key FROM articles WHERE doc = ANY(${sql.param(matches.docs)}::int[])`,
    sql.values,
  );
  const byDoc = new Map(rows.map((row) => [row.doc, row]));
  const idOf = (doc: number): string => byDoc.get(doc)!.id;
  const entries: Ranked[] = rows.map((row) => ({ doc: row.doc, tier: matches.tiers.get(row.id) ?? groups.length, score: row.score, date: row.date_key ?? -Infinity }));
  const head = rerankHead(entries, request, idOf);
  const texts = await articleTexts(client, head.slice(0, RERANK_DEPTH).map(({ doc }) => doc));
  const ranked = orderRanked(entries, head, request, idOf, (doc, base) => {
    const { folded, title } = texts.get(doc)!;
    return proximityBonus(folded, title.length, groups, base);
  });
  return ranked.map(({ doc, score }) => ({ doc, id: idOf(doc), score }));
}

/** Folded text and display title (its length in UTF-16 units is where the folded title ends) of the given articles. */
async function articleTexts(client: Queryable, docs: readonly number[]): Promise<Map<number, { folded: string; title: string }>> {
  const { rows } = await client.query<{ doc: number; folded: string; title: string }>("SELECT doc, folded, title FROM articles WHERE doc = ANY($1::int[])", [docs]);
  return new Map(rows.map(({ doc, folded, title }) => [doc, { folded, title }]));
}

/** The query's matching articles and phrase counts, as search.ts matchQuery finds them in the embedded index (with synonyms; without pinyin readings, which need the index's vocabulary). */
export async function matchInPostgres(client: Queryable, queryText: string, catalog = new Catalog()): Promise<PostgresMatches> {
  const query = parseQuery(queryText);
  const names = await catalog.bylineNames(client);
  const { groups: members, expansions } = expandQuery(undefined, query);
  const groups: AnalyzedAtom[][] = members.map((group) => group.map(({ atom, expansion }) => ({ ...analyzeAtom(atom, names), expansion })));
  const excluded = query.excluded.map((atom) => analyzeAtom(atom, names)).filter((item) => item.needles.length > 0);
  const sql = new Sql();
  const filters = await filterCondition(client, catalog, sql, query);
  const notExcluded = excluded.length > 0 ? `NOT (${excluded.map((item) => sql.item(item)).join(" OR ")})` : "TRUE";
  const groupConditions = groups.map((group) => sql.group(group));
  const every = groupConditions.length > 0 ? groupConditions.join(" AND ") : "TRUE";

  // Groups with synonyms: an article that has one only through a synonym ranks below literal matches.
  const onlyExpanded = groups
    .filter((group) => group.some((item) => item.expansion))
    .map((group) => {
      const literal = group.filter((item) => !item.expansion).map((item) => sql.item(item));
      const expanded = group.filter((item) => item.expansion).map((item) => sql.item(item));
      return `(NOT (${literal.join(" OR ") || "FALSE"}) AND (${expanded.join(" OR ")}))::int`;
    });

  // One pass: per article, which groups it has; the filters and exclusions apply to what is kept.
  const { rows } = await client.query<{ doc: number; id: string; groups: number; every: boolean; kept: boolean; only_expanded: number }>(
    `SELECT doc, id, ${groupConditions.length > 0 ? groupConditions.map((condition) => `(${condition})::int`).join(" + ") : "0"} AS groups,
            (${every}) AS every, (${filters} AND ${notExcluded}) AS kept, ${onlyExpanded.length > 0 ? onlyExpanded.join(" + ") : "0"} AS only_expanded
     FROM articles ${groupConditions.length > 0 ? `WHERE ${groupConditions.join(" OR ")}` : ""} ORDER BY doc`,
    sql.values,
  );
  rows.sort((a, b) => a.doc - b.doc);
  const strict = rows.filter((row) => row.every && row.kept);
  // Filters and exclusions narrow a full match; they never turn an empty result into a relaxed one.
  const relaxed = !rows.some((row) => row.every) && groups.length > 1;
  const matched = relaxed ? rows.filter((row) => row.kept) : strict;
  let itemCounts: ItemCount[] = [];
  if (relaxed || matched.length === 0) itemCounts = await countItems(client, catalog, queryText, groups, query);
  const tiers = new Map(
    relaxed || onlyExpanded.length > 0 ? matched.map((row) => [row.id, (relaxed ? row.groups : groups.length) - penaltyFor(row.only_expanded, groups.length)] as const) : [],
  );
  const phrases = await countPhrases(client, catalog, groups, query);
  return { query, groups, tiers, ids: matched.map(({ id }) => id), docs: matched.map(({ doc }) => doc), total: matched.length, relaxed, itemCounts, phrases, expansions };
}

/** Each required group and its articles within the filters (search.ts itemCounts). */
async function countItems(client: Queryable, catalog: Catalog, queryText: string, groups: AnalyzedAtom[][], query: ParsedQuery): Promise<ItemCount[]> {
  const counts: ItemCount[] = [];
  for (const group of groups) {
    const sql = new Sql();
    const filters = await filterCondition(client, catalog, sql, query);
    const { rows } = await client.query<{ articles: number }>(`SELECT count(*)::int AS articles FROM articles WHERE ${sql.group(group)} AND ${filters}`, sql.values);
    counts.push({ text: queryText.slice(group[0]!.atom.start, group.at(-1)!.atom.end), articles: sumRows(rows, [], ["articles"])[0]!.articles });
  }
  return counts;
}

/** The quoted phrases' articles and non-overlapping occurrences, within the filters and over the whole archive when there are filters. */
async function countPhrases(client: Queryable, catalog: Catalog, groups: AnalyzedAtom[][], query: ParsedQuery): Promise<PhraseCount[]> {
  const phrases: PhraseCount[] = [];
  for (const item of groups.flat()) {
    if (item.atom.kind !== "phrase" || item.needles.length === 0 || item.expansion) continue;
    const phrase = item.needles[0]!;
    const sql = new Sql();
    const text = Sql.fieldText(item.atom.field);
    const condition = sql.item(item);
    const filters = await filterCondition(client, catalog, sql, query);
    const { rows } = await client.query<{ articles: number; occurrences: number; kept_articles: number; kept_occurrences: number }>(
      `SELECT count(*)::int AS articles, coalesce(sum(n), 0)::int AS occurrences,
              (count(*) FILTER (WHERE kept))::int AS kept_articles, (coalesce(sum(n) FILTER (WHERE kept), 0))::int AS kept_occurrences
       FROM (SELECT ${occurrencesIn(text, sql.param(phrase))} AS n, ${filters} AS kept
             FROM articles WHERE ${condition}) AS holding`,
      sql.values,
    );
    const row = sumRows(rows, [], ["articles", "occurrences", "kept_articles", "kept_occurrences"])[0]!;
    const counted = { phrase, field: item.atom.field };
    phrases.push(
      hasFilters(query)
        ? { ...counted, articles: row.kept_articles, occurrences: row.kept_occurrences, archive: { articles: row.articles, occurrences: row.occurrences } }
        : { ...counted, articles: row.articles, occurrences: row.occurrences },
    );
  }
  return phrases;
}

/** Non-overlapping occurrences of the phrase (a parameter) in the text, leftmost first, as phrase-check.ts occurrences() counts them. */
const occurrencesIn = (text: string, phrase: string): string => `((length(${text}) - length(replace(${text}, ${phrase}, ''))) / length(${phrase}))`;

export interface PhraseMatch {
  id: string;
  occurrences: number;
}

/** The articles whose field holds the folded `phrase`, in loading order, with its occurrences in each. */
export async function phraseMatches(client: Queryable, phrase: string, field: Field): Promise<PhraseMatch[]> {
  if (phrase.length === 0) return [];
  const sql = new Sql();
  const condition = sql.needle(phrase, field, false);
  const { rows } = await client.query<PhraseMatch & { doc: number }>(
    `SELECT doc, id, ${occurrencesIn(Sql.fieldText(field), sql.param(phrase))}::int AS occurrences FROM articles WHERE ${condition}`,
    sql.values,
  );
  return rows.sort((a, b) => a.doc - b.doc).map(({ id, occurrences }) => ({ id, occurrences }));
}

function hasFilters(query: ParsedQuery): boolean {
  return query.filters.date !== undefined || VALUE_FILTERS.some((name) => query.filters[name].length > 0);
}

/**
 * The query's keyword filters as SQL: a value filter keeps articles with any of its values, compared
 * folded (the stored values whose fold is asked for are looked up first: folding is the app's);
 * the date filter a range of days.
 */
async function filterCondition(client: Queryable, catalog: Catalog, sql: Sql, query: ParsedQuery): Promise<string> {
  const conditions: string[] = [];
  for (const name of VALUE_FILTERS) {
    if (query.filters[name].length === 0) continue;
    const wanted = new Set(query.filters[name].map(fold));
    const stored = (await catalog.distinctValues(client, name)).filter((value) => wanted.has(fold(value)));
    conditions.push(`${valueColumnIsArray(name) ? `"${name}" && ${sql.param(stored)}::text[]` : `"${name}" = ANY(${sql.param(stored)}::text[])`}`);
  }
  const { date } = query.filters;
  if (date) conditions.push(`("${DATE_FILTER}" <> '' AND left("${DATE_FILTER}", 10) BETWEEN ${sql.param(date.from)} AND ${sql.param(date.to)})`);
  return conditions.length > 0 ? `(${conditions.join(" AND ")})` : "TRUE";
}

const valueColumnIsArray = (name: ValueFilterName): boolean => keywordColumnType(name) === "text[]";

/**
 * What the match stage reads of the whole table besides the query's rows: the distinct values of
 * the filtered fields and the byline names. A backend keeps one per state of the data (they cost a
 * scan each); a fresh one reads them again. A failed read is not kept.
 */
export class Catalog {
  private readonly values = new Map<ValueFilterName, Promise<string[]>>();
  private names: Promise<ReadonlySet<string>> | undefined;

  distinctValues(client: Queryable, name: ValueFilterName): Promise<string[]> {
    let values = this.values.get(name);
    if (!values) {
      const column = valueColumnIsArray(name) ? `unnest("${name}")` : `"${name}"`;
      values = client.query<{ value: string }>(`SELECT DISTINCT ${column} AS value FROM articles`).then(({ rows }) => [...new Set(rows.map(({ value }) => value))]);
      this.values.set(name, values);
      values.catch(() => this.values.delete(name));
    }
    return values;
  }

  /** Every name of the bylines that is a term (candidates.ts namesOfIndex): queries keep them whole. */
  bylineNames(client: Queryable): Promise<ReadonlySet<string>> {
    if (!this.names) {
      const names = this.distinctValues(client, "author").then(namesOf);
      this.names = names;
      names.catch(() => (this.names = undefined));
    }
    return this.names;
  }
}

/**
 * Rows with the same `keys` merged, their `counts` added up (as numbers: bigint columns arrive as
 * text): one database gives a row per key already, shards one each. No keys: one row of totals.
 */
function sumRows<Row extends object, Count extends keyof Row>(rows: readonly Row[], keys: ReadonlyArray<keyof Row>, counts: readonly Count[]): Array<Omit<Row, Count> & Record<Count, number>> {
  const merged = new Map<string, Omit<Row, Count> & Record<Count, number>>();
  for (const row of rows) {
    const key = JSON.stringify(keys.map((name) => row[name]));
    const into = merged.get(key) ?? ({ ...row, ...Object.fromEntries(counts.map((name) => [name, 0])) } as Omit<Row, Count> & Record<Count, number>);
    for (const name of counts) (into as Record<Count, number>)[name] += Number(row[name]);
    merged.set(key, into);
  }
  if (keys.length === 0 && merged.size === 0) return [Object.fromEntries(counts.map((name) => [name, 0])) as Omit<Row, Count> & Record<Count, number>];
  return [...merged.values()];
}
