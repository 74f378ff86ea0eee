// The match stage of search.ts over a PostgreSQL database (postgres-writer.ts): which articles
// match a query (AND, OR, exclusions, filters, the relaxed fallback) and the exact counts of its
// quoted phrases, computed by the database with the same needles as candidates.ts (the app keeps
// jieba, folding and the parser). Ranking and the page of hits are not here yet (issue 14).
import type pg from "pg";
import { namesOf } from "../analysis/analyze.js";
import { fold } from "../analysis/fold.js";
import { keywordColumnType } from "../index/postgres-schema.js";
import { DATE_FILTER, VALUE_FILTERS, type ValueFilterName } from "../index/schema.js";
import { analyzeAtom, type AnalyzedAtom } from "./candidates.js";
import type { Field } from "./phrase-check.js";
import { parseQuery, type ParsedQuery } from "./query-parser.js";
import type { ItemCount, PhraseCount } from "./search.js";

export interface PostgresMatches {
  query: ParsedQuery;
  /** The matching articles' ids, in loading order. */
  ids: string[];
  total: number;
  relaxed: boolean;
  /** Relaxed or empty results only, as in SearchResult. */
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
}

/** Phrases up to this many characters (code points) are looked up in the gram array; pg_trgm needs three. */
const GRAM_MAX_CHARS = 2;

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
   * Articles whose field holds the needle exactly, as phrase-check.ts decides: the gram array or
   * pg_trgm proposes, strpos decides; a query word with Latin text at an end must stand alone.
   */
  needle(needle: string, field: Field, wholeWord: boolean): string {
    const short = Array.from(needle).length <= GRAM_MAX_CHARS;
    const candidates = short ? `grams @> ARRAY[${this.param(needle)}::text]` : `folded LIKE ${this.param(`%${needle.replace(/[\\%_]/g, (char) => `\\${char}`)}%`)}`;
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

/** The query's matching articles and phrase counts, as search.ts matchQuery finds them in the embedded index (without synonym and pinyin expansion). */
export async function matchInPostgres(client: pg.ClientBase, queryText: string): Promise<PostgresMatches> {
  const query = parseQuery(queryText);
  const names = await bylineNames(client);
  const groups = query.required.map((group) => group.map((atom) => analyzeAtom(atom, names)));
  const excluded = query.excluded.map((atom) => analyzeAtom(atom, names)).filter((item) => item.needles.length > 0);
  const sql = new Sql();
  const filters = await filterCondition(client, sql, query);
  const notExcluded = excluded.length > 0 ? `NOT (${excluded.map((item) => sql.item(item)).join(" OR ")})` : "TRUE";
  const groupConditions = groups.map((group) => sql.group(group));
  const every = groupConditions.length > 0 ? groupConditions.join(" AND ") : "TRUE";

  // One pass: per article, which groups it has; the filters and exclusions apply to what is kept.
  const { rows } = await client.query<{ id: string; groups: number; every: boolean; kept: boolean }>(
    `SELECT id, ${groupConditions.length > 0 ? groupConditions.map((condition) => `(${condition})::int`).join(" + ") : "0"} AS groups,
            (${every}) AS every, (${filters} AND ${notExcluded}) AS kept
     FROM articles ${groupConditions.length > 0 ? `WHERE ${groupConditions.join(" OR ")}` : ""} ORDER BY doc`,
    sql.values,
  );
  const strict = rows.filter((row) => row.every && row.kept);
  // Filters and exclusions narrow a full match; they never turn an empty result into a relaxed one.
  const relaxed = !rows.some((row) => row.every) && groups.length > 1;
  const matched = relaxed ? rows.filter((row) => row.kept) : strict;
  let itemCounts: ItemCount[] = [];
  if (relaxed || matched.length === 0) itemCounts = await countItems(client, queryText, groups, query);
  return { query, ids: matched.map(({ id }) => id), total: matched.length, relaxed, itemCounts, phrases: await countPhrases(client, groups, query) };
}

/** Each required group and its articles within the filters (search.ts itemCounts). */
async function countItems(client: pg.ClientBase, queryText: string, groups: AnalyzedAtom[][], query: ParsedQuery): Promise<ItemCount[]> {
  const counts: ItemCount[] = [];
  for (const group of groups) {
    const sql = new Sql();
    const filters = await filterCondition(client, sql, query);
    const { rows } = await client.query<{ articles: number }>(`SELECT count(*)::int AS articles FROM articles WHERE ${sql.group(group)} AND ${filters}`, sql.values);
    counts.push({ text: queryText.slice(group[0]!.atom.start, group.at(-1)!.atom.end), articles: rows[0]!.articles });
  }
  return counts;
}

/** The quoted phrases' articles and non-overlapping occurrences, within the filters and over the whole archive when there are filters. */
async function countPhrases(client: pg.ClientBase, groups: AnalyzedAtom[][], query: ParsedQuery): Promise<PhraseCount[]> {
  const phrases: PhraseCount[] = [];
  for (const item of groups.flat()) {
    if (item.atom.kind !== "phrase" || item.needles.length === 0) continue;
    const phrase = item.needles[0]!;
    const sql = new Sql();
    const text = Sql.fieldText(item.atom.field);
    const condition = sql.item(item);
    const filters = await filterCondition(client, sql, query);
    const { rows } = await client.query<{ articles: number; occurrences: number; kept_articles: number; kept_occurrences: number }>(
      `SELECT count(*)::int AS articles, coalesce(sum(n), 0)::int AS occurrences,
              (count(*) FILTER (WHERE kept))::int AS kept_articles, (coalesce(sum(n) FILTER (WHERE kept), 0))::int AS kept_occurrences
       FROM (SELECT ${occurrencesIn(text, sql.param(phrase))} AS n, ${filters} AS kept
             FROM articles WHERE ${condition}) AS holding`,
      sql.values,
    );
    const row = rows[0]!;
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
export async function phraseMatches(client: pg.ClientBase, phrase: string, field: Field): Promise<PhraseMatch[]> {
  if (phrase.length === 0) return [];
  const sql = new Sql();
  const condition = sql.needle(phrase, field, false);
  const { rows } = await client.query<PhraseMatch>(
    `SELECT id, ${occurrencesIn(Sql.fieldText(field), sql.param(phrase))}::int AS occurrences FROM articles WHERE ${condition} ORDER BY doc`,
    sql.values,
  );
  return rows;
}

function hasFilters(query: ParsedQuery): boolean {
  return query.filters.date !== undefined || VALUE_FILTERS.some((name) => query.filters[name].length > 0);
}

/**
 * The query's keyword filters as SQL: a value filter keeps articles with any of its values, compared
 * folded (the stored values whose fold is asked for are looked up first: folding is the app's);
 * the date filter a range of days.
 */
async function filterCondition(client: pg.ClientBase, sql: Sql, query: ParsedQuery): Promise<string> {
  const conditions: string[] = [];
  for (const name of VALUE_FILTERS) {
    if (query.filters[name].length === 0) continue;
    const wanted = new Set(query.filters[name].map(fold));
    const stored = (await distinctValues(client, name)).filter((value) => wanted.has(fold(value)));
    conditions.push(`${valueColumnIsArray(name) ? `"${name}" && ${sql.param(stored)}::text[]` : `"${name}" = ANY(${sql.param(stored)}::text[])`}`);
  }
  const { date } = query.filters;
  if (date) conditions.push(`("${DATE_FILTER}" <> '' AND left("${DATE_FILTER}", 10) BETWEEN ${sql.param(date.from)} AND ${sql.param(date.to)})`);
  return conditions.length > 0 ? `(${conditions.join(" AND ")})` : "TRUE";
}

const valueColumnIsArray = (name: ValueFilterName): boolean => keywordColumnType(name) === "text[]";

async function distinctValues(client: pg.ClientBase, name: ValueFilterName): Promise<string[]> {
  const values = valueColumnIsArray(name) ? `unnest("${name}")` : `"${name}"`;
  const { rows } = await client.query<{ value: string }>(`SELECT DISTINCT ${values} AS value FROM articles`);
  return rows.map(({ value }) => value);
}

/** Every name of the bylines that is a term (candidates.ts namesOfIndex): queries keep them whole. */
async function bylineNames(client: pg.ClientBase): Promise<ReadonlySet<string>> {
  return namesOf(await distinctValues(client, "author"));
}
