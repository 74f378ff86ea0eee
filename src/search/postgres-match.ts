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
import { firstOfEachId, phraseGrams } from "../index/postgres-rows.js";
import { GRAM_INDEX_PARTS, keywordColumnType, textColumns } from "../index/postgres-schema.js";
import { DATE_FILTER, TEXT_FIELDS, VALUE_FILTERS, type TextField, type ValueFilterName } from "../index/schema.js";
import { MAX_TF } from "../index/word-index.js";
import { analyzeAtom, type AnalyzedAtom } from "./candidates.js";
import type { Field } from "./phrase-check.js";
import { prepared, type Queryable } from "./postgres-pools.js";
import { sumRows } from "./postgres-shards.js";
import { parseQuery, type ParsedQuery } from "./query-parser.js";
import { idf, saturate, type Ranked } from "./rank.js";
import { expandQuery, type Expansion } from "./query-expansion.js";
import { EXPANSION_WEIGHT, orderRanked, penaltyFor, proximityBonusOf, proximityWords, RERANK_DEPTH, rerankHead, type ItemCount, type PhraseCount, type SearchRequest, type WordPlace } from "./search.js";

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
  /** Their dates' sort keys (dateSortKey(); -Infinity when undated), in the same order. */
  dates: number[];
  total: number;
  relaxed: boolean;
  /** Relaxed or empty results only, as in SearchResult. */
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
  /** The synonyms the query also looked for. */
  expansions: Expansion[];
}

/** Up to this many UTF-16 units, a phrase is held by exactly the articles that candidates() proposes. */
const GRAM_EXACT_UNITS = 2;

/** A Latin letter or digit of folded text, as phrase-check.ts isLatinUnit. */
const LATIN = /[a-z0-9]/;

/**
 * Articles whose grams hold all the codes of the int[] parameter `codes`, through the gram index:
 * each part's condition names its part, so that the planner can use that part's partial index.
 */
export const gramCandidates = (codes: string): string =>
  `(${Array.from({ length: GRAM_INDEX_PARTS }, (_, part) => `(gram_part = ${part} AND grams @> ${codes}::int[])`).join(" OR ")})`;

/**
 * Articles holding the UTF-16 unit of the int parameter `unit`, from its postings: an array the
 * planner computes once (an InitPlan), then looks up in the doc index, so that the condition
 * combines with the others' indexes (AND, OR) like the gram index does.
 */
export const unitCandidates = (unit: string): string => `doc = ANY(ARRAY(SELECT unnest(docs) FROM unit_postings WHERE unit = ${unit}::int))`;

/** The SQL of one query, with its parameters. */
class Sql {
  readonly values: unknown[] = [];
  /** Whether a condition asks a unit's postings (unitCandidates), whose size the planner cannot know. */
  usesUnitPostings = false;

  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** The field's folded text: the title is the first title_length characters of `folded`. */
  static fieldText(field: Field): string {
    return field === "title" ? "left(folded, title_length)" : "folded";
  }

  /** Articles the unit postings or the gram index propose for the needle: every one that holds it, and some that do not when it is longer than GRAM_EXACT_UNITS. */
  candidates(needle: string): string {
    if (needle.length > 1) return gramCandidates(this.param(phraseGrams(needle)));
    this.usesUnitPostings = true;
    return unitCandidates(this.param(needle.charCodeAt(0)));
  }

  /**
   * A FROM item: the articles whose field holds the phrase, with `columns` and its non-overlapping
   * occurrences as `n`. The gram index proposes and the count decides (n > 0), so each text is read
   * once, not once more by strpos. `OFFSET 0` keeps n in its subquery: pulled up, PostgreSQL would
   * compute it (and decompress the text) again for every use of n.
   */
  phraseOccurrences(phrase: string, field: Field, columns: string): string {
    const candidates = this.candidates(phrase);
    return `(SELECT ${columns}, ${occurrencesIn(Sql.fieldText(field), this.param(phrase))}::int AS n FROM articles WHERE ${candidates} OFFSET 0) AS proposed WHERE n > 0`;
  }

  /**
   * Articles whose field holds the needle exactly, as phrase-check.ts decides: the needle's own
   * candidates propose (`proposal` "own"), or the statement already requires its grams ("merged"),
   * or another condition proposes ("other"); strpos decides where the candidates are not exact. A
   * query word with Latin text at an end must stand alone.
   */
  needle(needle: string, field: Field, wholeWord: boolean, proposal: NeedleProposal = "own"): string {
    const proposed = proposal === "own" ? [this.candidates(needle)] : [];
    const latinStart = wholeWord && LATIN.test(needle.charAt(0));
    const latinEnd = wholeWord && LATIN.test(needle.charAt(needle.length - 1));
    if (latinStart || latinEnd) {
      const pattern = `${latinStart ? "(^|[^a-z0-9])" : ""}${needle.replace(/[\\^$.|?*+()[\]{}]/g, (char) => `\\${char}`)}${latinEnd ? "($|[^a-z0-9])" : ""}`;
      return `(${[...proposed, `${Sql.fieldText(field)} ~ ${this.param(pattern)}`].join(" AND ")})`;
    }
    // One or two UTF-16 units anywhere (a character, or two of the BMP): the candidates are exactly the articles that hold them.
    if (needle.length <= GRAM_EXACT_UNITS && field === "any" && proposal !== "other") return proposed[0] ?? "TRUE";
    return `(${[...proposed, `strpos(${Sql.fieldText(field)}, ${this.param(needle)}) > 0`].join(" AND ")})`;
  }

  /**
   * The item's needles, all of them. One-unit needles are proposed by their postings only where
   * nothing else in the statement proposes (`units` "propose": then the first of the item's, if
   * it has no longer needle); elsewhere they are checked with strpos on the articles that the
   * longer needles' grams propose. The planner cannot know how many articles a unit's postings
   * hold (it guesses 10), and it would read every one of them and decompress each one's grams
   * for the other needles (缅甸新外国投资法正式生效: 新 is in 74,373 articles, 1.1 s instead of 7 ms).
   * With `merged`, the statement already requires the longer needles' grams (every).
   */
  item(item: AnalyzedAtom, units: UnitNeedles = "propose", merged = false): string {
    if (item.needles.length === 0) return "FALSE";
    const proposing = units === "propose" && !item.needles.some((needle) => needle.length > 1) ? item.needles.findIndex((needle) => needle.length === 1) : -1;
    const proposal = (needle: string, n: number): NeedleProposal => (needle.length > 1 ? (merged ? "merged" : "own") : n === proposing ? "own" : "other");
    const conditions = item.needles.map((needle, n) => this.needle(needle, item.atom.field, item.wholeWords, proposal(needle, n))).filter((condition) => condition !== "TRUE");
    return conditions.length > 0 ? `(${conditions.join(" AND ")})` : "TRUE";
  }

  /**
   * For a select list: does the row's article hold any of the items? Asked of their articles found
   * through the index (a hashed set), not of the row's grams and text, which would be read for every
   * row (`中国 -北京`: 35,003 gram arrays decompressed, 790 ms).
   */
  heldBy(items: readonly AnalyzedAtom[]): string {
    return `(doc IN (SELECT doc FROM articles WHERE ${items.map((item) => this.item(item)).join(" OR ")}))`;
  }

  group(group: readonly AnalyzedAtom[], units: UnitNeedles = "propose"): string {
    return `(${group.map((item) => this.item(item, units)).join(" OR ")})`;
  }

  /**
   * Every group (AND), its one-unit needles checked (item above) except in the first group when no
   * group has a longer needle in each of its items (then one unit per item of it proposes). The
   * grams of the groups of one item are required at once, by one containment (an article holds
   * each needle's grams exactly when it holds them all): the planner weighs one condition instead
   * of one per needle and part (a headline of seven words: 0.33 ms of planning and 0.38 ms of
   * running against 0.07 and 0.18 ms), and the index intersects the lists in one scan.
   */
  every(groups: readonly AnalyzedAtom[][]): string {
    const proposed = groups.some((group) => group.every((item) => item.needles.some((needle) => needle.length > 1)));
    const required = [...new Set(groups.flatMap((group) => (group.length === 1 ? group[0]!.needles.filter((needle) => needle.length > 1).flatMap(phraseGrams) : [])))];
    const conditions = groups.map((group, g) => {
      const units = proposed || g > 0 ? "check" : "propose";
      return group.length === 1 ? this.item(group[0]!, units, true) : this.group(group, units);
    });
    return [...(required.length > 0 ? [gramCandidates(this.param(required))] : []), ...conditions.filter((condition) => condition !== "TRUE")].join(" AND ") || "TRUE";
  }
}

/** Where a needle's candidates come from (Sql.needle). */
type NeedleProposal = "own" | "merged" | "other";

/** How a statement's one-unit needles find their articles (Sql.item). */
type UnitNeedles = "propose" | "check";

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
 * the loader's global statistics from the database's term frequencies, added up in the embedded
 * engine's order of operations (so that scores and ties are the same), then the same re-ranking,
 * sort and paging.
 */
export async function searchPostgres(client: Queryable, request: SearchRequest, catalog = new Catalog()): Promise<PostgresPage> {
  const matches = await matchInPostgres(client, request.query, catalog);
  const ranked = await rankInPostgres(client, matches, request, catalog);
  const page = ranked.slice((request.page - 1) * request.size, request.page * request.size);
  return { ...matches, pageIds: page.map(({ id }) => id), scores: page.map(({ score }) => score) };
}

/** A matching article in result order, with its score (BM25 plus proximity bonuses). */
export interface RankedArticle {
  doc: number;
  id: string;
  score: number;
}

/**
 * The matches up to the end of the requested page, in the requested order, as search.ts ranks them.
 * `display`: columns of the page's articles, read by the ranking statement itself when it reads
 * every match's row (all on the first page: a round trip less); `row` holds them then.
 */
export async function rankInPostgres<Row extends object = never>(
  client: Queryable,
  matches: PostgresMatches,
  request: Pick<SearchRequest, "page" | "size" | "sort">,
  catalog = new Catalog(),
  display?: readonly string[],
): Promise<Array<RankedArticle & { row?: Row }>> {
  const groups = matches.groups;
  const weights = new Map<string, number>();
  for (const item of groups.flat()) for (const term of item.terms) weights.set(term, (weights.get(term) ?? 0) + (item.expansion ? EXPANSION_WEIGHT : 1));
  const entries: Ranked[] = contenders(matches, request).map((i) => ({ doc: matches.docs[i]!, tier: matches.tiers.get(matches.ids[i]!) ?? groups.length, score: 0, date: matches.dates[i]! }));
  const words = proximityWords(groups);
  // When every contender is in the re-ranked head, the statement that reads their term frequencies also finds the words (a round trip less).
  const onePage = request.page === 1 && entries.length <= request.size;
  const scored = await bm25(client, catalog, weights, entries.map(({ doc }) => doc), { words: entries.length <= RERANK_DEPTH ? words : undefined, display: onePage ? display : undefined });
  for (const entry of entries) entry.score = scored.scores.get(entry.doc) ?? 0;
  const ids = new Map(matches.docs.map((doc, i) => [doc, matches.ids[i]!]));
  const idOf = (doc: number): string => ids.get(doc)!;
  const head = rerankHead(entries, request, idOf);
  const places = scored.places ?? (await wordPlaces(client, head.slice(0, RERANK_DEPTH).map(({ doc }) => doc), words));
  const ranked = orderRanked(entries, head, request, idOf, (doc, base) => {
    const { title, places: found } = places.get(doc)!;
    return proximityBonusOf(found, title, groups, base);
  });
  return ranked.map(({ doc, score }) => {
    const row = scored.rows?.get(doc) as Row | undefined;
    return { doc, id: idOf(doc), score, ...(row ? { row } : {}) };
  });
}

/**
 * BM25 of the given articles (those with none of the terms score 0) with the global statistics of
 * term_stats and field_stats, term by term and field by field as rank.ts adds them (so that scores
 * and ties are the embedded engine's to the last bit). Two ways to the term frequencies, whichever
 * reads less: few articles against long postings (a title of ten words found in one article),
 * each article's jsonb of term frequencies, one decompression per field and article; many
 * articles (中国: 35,003), the query terms' postings, added up here (jsonb: 540 ms; postings: 40 ms).
 */
async function bm25(client: Queryable, catalog: Catalog, weights: ReadonlyMap<string, number>, docs: readonly number[], alongside: RowsAlongside): Promise<Scored> {
  if (docs.length === 0 || weights.size === 0) return { scores: new Map() };
  const terms = [...weights.keys()];
  const stats = await catalog.termStats(client, terms);
  const fields = await catalog.fieldStats(client);
  const size = fields.get(TEXT_FIELDS[0]!.name)?.articles ?? 0;
  const parts = terms.flatMap((term) => {
    const documentFrequency = Math.max(0, ...TEXT_FIELDS.map(({ name }) => stats.get(`${name} ${term}`) ?? 0));
    const termIdf = weights.get(term)! * idf(size, documentFrequency);
    return TEXT_FIELDS.map((field) => ({ term, field, termIdf, postings: stats.get(`${field.name} ${term}`) ?? 0, average: Math.max(1, (fields.get(field.name)?.terms ?? 0) / Math.max(1, size)) }));
  });
  const postings = parts.reduce((sum, part) => sum + part.postings, 0);
  return postings <= POSTINGS_PER_ARTICLE * docs.length ? { scores: await bm25FromPostings(client, parts, docs) } : bm25FromRows(client, parts, docs, alongside);
}

/** What else the BM25 statement reads of each article's row, when it reads the rows: where it holds the proximity words, and display columns. */
interface RowsAlongside {
  words?: readonly string[];
  display?: readonly string[];
}

/** BM25 scores by article; and what was asked alongside, when read on the way. */
interface Scored {
  scores: Map<number, number>;
  places?: WordPlaces;
  rows?: Map<number, Record<string, unknown>>;
}

/** The postings path is taken while the query terms' postings are at most this many per article to score. */
const POSTINGS_PER_ARTICLE = 8;

interface Bm25Part {
  term: string;
  field: TextField;
  /** idf × the term's weight in the query. */
  termIdf: number;
  /** The field's postings of the term (its document frequency). */
  postings: number;
  /** The field's mean length in terms. */
  average: number;
}

/** BM25 from the terms' postings (postgres-schema.ts), each field's and shard's rows added up here. */
async function bm25FromPostings(client: Queryable, parts: readonly Bm25Part[], docs: readonly number[]): Promise<Map<number, number>> {
  const { rows } = await client.query<{ field: string; term: string; docs: string; tfs: string; lengths: string }>(
    // Text, not arrays: splitting "1,2,3" is many times faster than parsing an array literal.
    prepared(`SELECT field, term, array_to_string(docs, ',') AS docs, array_to_string(tfs, ',') AS tfs, array_to_string(lengths, ',') AS lengths
     FROM postings WHERE field = ANY($1::text[]) AND term = ANY($2::text[])`),
    [[...new Set(parts.map(({ field }) => field.name))], [...new Set(parts.map(({ term }) => term))]],
  );
  const wanted = new Set(docs);
  const scores = new Map<number, number>();
  for (const part of parts) {
    for (const row of rows) {
      if (row.term !== part.term || row.field !== part.field.name) continue;
      const [held, tfs, lengths] = [row.docs, row.tfs, row.lengths].map((list) => list.split(",").map(Number)) as [number[], number[], number[]];
      held.forEach((doc, i) => {
        if (wanted.has(doc)) scores.set(doc, (scores.get(doc) ?? 0) + termScore(part, tfs[i]!, lengths[i]!));
      });
    }
  }
  return scores;
}

/** One term's BM25 in one field of an article, as rank.ts adds it (its frequency capped as the embedded postings cap it). */
const termScore = ({ field, termIdf, average }: Bm25Part, tf: number, length: number): number =>
  termIdf * field.weight * saturate(Math.min(tf, TF_CAPS[field.postings]), length, average, field.b);

/**
 * BM25 from the articles' jsonb term frequencies: the database finds the query terms' frequencies
 * in each article (each column decompressed once per article: `|| '{}'` in a subquery that is not
 * flattened), and the scores are added up here as from the postings. One statement whatever the
 * terms: written out term by term and field by field in SQL, a query's statement took longer to
 * parse and plan (0.64 ms) than to run (0.18 ms). jsonb, not text: a key is found by binary
 * search, where a lookup in plain text (tried, `\x01term\x02tf` per term) scanned the column for
 * each term: 0.3-0.4 ms more per dev query, for 4% off a full load's time.
 */
async function bm25FromRows(client: Queryable, parts: readonly Bm25Part[], docs: readonly number[], { words, display = [] }: RowsAlongside): Promise<Scored> {
  const terms = [...new Set(parts.map(({ term }) => term))];
  const read = [...new Set([...(words ? ["folded", "title_length"] : []), ...display])];
  const shown = words ? display.filter((column) => column !== "title_length") : display; // placeColumns gives title_length already
  // Per article: the terms' frequencies field after field, and each field's length.
  const frequencies = (field: string): string =>
    `ARRAY(SELECT coalesce((scored.${textColumns(field).tf} ->> term)::int, 0) FROM unnest($2::text[]) WITH ORDINALITY AS query (term, n) ORDER BY n)`;
  const { rows } = await client.query<{ doc: number; tfs: number[]; lengths: number[] } & Partial<PlaceRow>>(
    prepared(`SELECT doc, ${TEXT_FIELDS.map(({ name }) => frequencies(name)).join(" || ")} AS tfs, ARRAY[${TEXT_FIELDS.map(({ name }) => textColumns(name).length).join(", ")}] AS lengths
            ${words ? `, ${placeColumns("$3::text[]")}` : ""} ${shown.map((column) => `, ${column}`).join("")}
     FROM (SELECT doc, ${read.map((column) => `${column}, `).join("")}${TEXT_FIELDS.map(({ name }) => `${textColumns(name).tf} || '{}' AS ${textColumns(name).tf}, ${textColumns(name).length}`).join(", ")}
           FROM articles WHERE doc = ANY($1::int[]) OFFSET 0) AS scored`),
    words ? [docs, terms, words] : [docs, terms],
  );
  const termAt = new Map(terms.map((term, i) => [term, i]));
  const fieldAt = new Map(TEXT_FIELDS.map(({ name }, i) => [name, i]));
  const scores = new Map<number, number>();
  for (const { doc, tfs, lengths } of rows) {
    let score = 0;
    for (const part of parts) {
      const field = fieldAt.get(part.field.name)!;
      const tf = tfs[field * terms.length + termAt.get(part.term)!]!;
      if (tf > 0) score += termScore(part, tf, lengths[field]!);
    }
    scores.set(doc, score);
  }
  return {
    scores,
    places: words ? new Map(rows.map((row) => [row.doc, placesOf(row as PlaceRow)])) : undefined,
    rows: display.length > 0 ? new Map(rows.map((row) => [row.doc, row])) : undefined,
  };
}

/**
 * The matches (their places in `matches`) that can be on the requested page: by relevance, more
 * groups rank first whatever the score, so only the articles of the best tiers that fill the
 * re-ranked head need a score (a relaxed query of 48,000 articles scores the few hundred that hold
 * most groups). By date, all.
 */
function contenders(matches: PostgresMatches, request: Pick<SearchRequest, "page" | "size" | "sort">): number[] {
  const all = matches.docs.map((_, i) => i);
  const wanted = Math.max(request.page * request.size, RERANK_DEPTH);
  if (request.sort !== "relevance" || matches.tiers.size === 0 || all.length <= wanted) return all;
  const tierOf = (i: number): number => matches.tiers.get(matches.ids[i]!) ?? matches.groups.length;
  const cutoff = all.map(tierOf).sort((a, b) => b - a)[wanted - 1]!;
  return all.filter((i) => tierOf(i) >= cutoff);
}

/** Per article, its folded title and where it first holds each proximity word (search.ts proximityBonusOf). */
type WordPlaces = Map<number, { title: string; places: WordPlace[] }>;

/**
 * The columns of WordPlaces from a row's folded text and title length, for the words of the text[]
 * parameter `words`: strpos counts characters as title_length does (0: nowhere). Only these cross
 * the wire: the 200 re-ranked articles' folded texts were most of a keyword search's bytes.
 */
const placeColumns = (words: string): string =>
  `left(folded, title_length) AS folded_title, title_length, ARRAY(SELECT strpos(folded, word) FROM unnest(${words}) WITH ORDINALITY AS words (word, n) ORDER BY n) AS positions`;

interface PlaceRow {
  folded_title: string;
  title_length: number;
  positions: number[];
}

const placesOf = ({ folded_title, title_length, positions }: PlaceRow): { title: string; places: WordPlace[] } => ({
  title: folded_title,
  places: positions.map((position) => (position === 0 ? "none" : position <= title_length ? "title" : "body")),
});

async function wordPlaces(client: Queryable, docs: readonly number[], words: readonly string[]): Promise<WordPlaces> {
  const { rows } = await client.query<{ doc: number } & PlaceRow>(prepared(`SELECT doc, ${placeColumns("$2::text[]")} FROM articles WHERE doc = ANY($1::int[])`), [docs, words]);
  return new Map(rows.map((row) => [row.doc, placesOf(row)]));
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
  const notExcluded = excluded.length > 0 ? `NOT ${sql.heldBy(excluded)}` : "TRUE";
  const solo = soloPhrase(groups, query, excluded);

  // Groups with synonyms: an article that has one only through a synonym ranks below literal matches.
  const onlyExpanded = groups
    .filter((group) => group.some((item) => item.expansion))
    .map((group) => {
      const literal = group.filter((item) => !item.expansion);
      const expanded = group.filter((item) => item.expansion);
      return `(NOT ${literal.length > 0 ? sql.heldBy(literal) : "FALSE"} AND ${sql.heldBy(expanded)})::int`;
    });

  // All groups first: the gram index intersects their lists (and the filters' indexes narrow them),
  // and only the articles kept are read. Only when no article holds every group (the relaxed
  // fallback) are the groups' articles read one group at a time and counted per article. The gram
  // arrays themselves are never read.
  const strict = solo
    ? soloPhraseStatement(sql, solo)
    : `SELECT doc, id, date_key, ${onlyExpanded.length > 0 ? onlyExpanded.join(" + ") : "0"} AS only_expanded
     FROM articles WHERE ${groups.length > 0 ? sql.every(groups) : "TRUE"} AND ${filters} AND ${notExcluded}`;
  const { rows: strictRows } = await client.query<{ doc: number; id: string; date_key: number | null; only_expanded: number; occurrences?: number }>(
    isPreparable(query, excluded, sql) ? prepared(strict) : strict,
    sql.values,
  );
  // Filters and exclusions narrow a full match; they never turn an empty result into a relaxed one.
  const narrowed = hasFilters(query) || excluded.length > 0;
  const relaxed = strictRows.length === 0 && groups.length > 1 && !(narrowed && (await anyHoldsAll(client, groups)));
  const rows = relaxed ? await relaxedRows(client, catalog, groups, query, excluded) : strictRows.map((row) => ({ ...row, kept: true, groups: groups.length }));
  const matched = firstOfEachId(rows.sort((a, b) => a.doc - b.doc)).filter((row) => row.kept);
  let itemCounts: ItemCount[] = [];
  if (relaxed || matched.length === 0) itemCounts = await countItems(client, catalog, queryText, groups, query);
  const tiers = new Map(
    relaxed || onlyExpanded.length > 0 ? matched.map((row) => [row.id, (relaxed ? row.groups : groups.length) - penaltyFor(row.only_expanded, groups.length)] as const) : [],
  );
  const phrases = solo
    ? [{ phrase: solo.needles[0]!, field: solo.atom.field, articles: strictRows.length, occurrences: strictRows.reduce((sum, row) => sum + row.occurrences!, 0) }]
    : await countPhrases(client, catalog, groups, query);
  return {
    query,
    groups,
    tiers,
    ids: matched.map(({ id }) => id),
    docs: matched.map(({ doc }) => doc),
    dates: matched.map(({ date_key }) => date_key ?? -Infinity),
    total: matched.length,
    relaxed,
    itemCounts,
    phrases,
    expansions,
  };
}

/**
 * The query's quoted phrase when it is all the query asks (no other item, synonym, filter or
 * exclusion), as reporters look one up: then the articles that match are the phrase count's, and one
 * statement finds them and counts the occurrences, reading each proposed article's text once, not
 * once to match and again to count (soloPhraseStatement).
 */
function soloPhrase(groups: readonly AnalyzedAtom[][], query: ParsedQuery, excluded: readonly AnalyzedAtom[]): AnalyzedAtom | undefined {
  const item = groups.length === 1 && groups[0]!.length === 1 ? groups[0]![0]! : undefined;
  const alone = item?.atom.kind === "phrase" && !item.expansion && !item.wholeWords && item.needles.length === 1 && item.needles[0]!.length > 0;
  return alone && !hasFilters(query) && excluded.length === 0 ? item : undefined;
}

/** The phrase's articles with its non-overlapping occurrences in each (`occurrences`), as countPhrases counts them. */
function soloPhraseStatement(sql: Sql, item: AnalyzedAtom): string {
  return `SELECT doc, id, date_key, 0 AS only_expanded, n AS occurrences FROM ${sql.phraseOccurrences(item.needles[0]!, item.atom.field, "doc, id, date_key")}`;
}

/**
 * May the statement that finds a query's articles be prepared, parsed and planned once per
 * connection (the parse was 0.11 and the plan 0.22 of its 0.75 ms)? Only where one plan suits any
 * values, without filters and exclusions and without a unit's postings, where the gram index is the
 * statement's only index; elsewhere the plan depends on how many articles each condition keeps.
 */
const isPreparable = (query: ParsedQuery, excluded: readonly AnalyzedAtom[], sql: Sql): boolean => !hasFilters(query) && excluded.length === 0 && !sql.usesUnitPostings;

/** Does any article hold every group (whatever the filters and exclusions)? */
async function anyHoldsAll(client: Queryable, groups: readonly AnalyzedAtom[][]): Promise<boolean> {
  const sql = new Sql();
  const { rows } = await client.query<{ held: boolean }>(`SELECT EXISTS (SELECT 1 FROM articles WHERE ${sql.every(groups)}) AS held`, sql.values);
  return rows.some(({ held }) => held);
}

/**
 * The relaxed fallback's articles: those that hold any group, with how many groups each holds and
 * how many of them only through a synonym. Each item is looked up on its own (the gram index and
 * the text check of its needles), so no article's grams or text are read for another group.
 */
async function relaxedRows(client: Queryable, catalog: Catalog, groups: AnalyzedAtom[][], query: ParsedQuery, excluded: AnalyzedAtom[]): Promise<Array<{ doc: number; id: string; date_key: number | null; kept: boolean; groups: number; only_expanded: number }>> {
  const sql = new Sql();
  const filters = await filterCondition(client, catalog, sql, query);
  const kept = `(${filters} AND ${excluded.length > 0 ? `NOT ${sql.heldBy(excluded)}` : "TRUE"})`;
  const items = groups.flatMap((group, g) => group.map((item) => `SELECT doc, id, date_key, ${kept} AS kept, ${g} AS grp, ${item.expansion ? "TRUE" : "FALSE"} AS expansion FROM articles WHERE ${sql.item(item)}`));
  const { rows } = await client.query<{ doc: number; id: string; date_key: number | null; kept: boolean; groups: number; only_expanded: number }>(
    `SELECT doc, id, date_key, kept, count(*)::int AS groups, sum(only_expanded)::int AS only_expanded
     FROM (SELECT doc, id, date_key, kept, grp, bool_and(expansion)::int AS only_expanded FROM (${items.join(" UNION ALL ")}) AS items GROUP BY doc, id, date_key, kept, grp) AS held
     GROUP BY doc, id, date_key, kept`,
    sql.values,
  );
  return rows;
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
    const filters = await filterCondition(client, catalog, sql, query);
    const { rows } = await client.query<{ articles: number; occurrences: number; kept_articles: number; kept_occurrences: number }>(
      `SELECT count(*)::int AS articles, coalesce(sum(n), 0)::int AS occurrences,
              (count(*) FILTER (WHERE kept))::int AS kept_articles, (coalesce(sum(n) FILTER (WHERE kept), 0))::int AS kept_occurrences
       FROM ${sql.phraseOccurrences(phrase, item.atom.field, `${filters} AS kept`)}`,
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

/**
 * Non-overlapping occurrences of the phrase (a parameter) in the text, leftmost first, as
 * phrase-check.ts occurrences() counts them. In bytes: octet_length of a stored value is read from
 * its header, where length() decompresses and counts the characters (a third of the time of a count).
 */
export const occurrencesIn = (text: string, phrase: string): string => `((octet_length(${text}) - octet_length(replace(${text}, ${phrase}, ''))) / octet_length(${phrase}))`;

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

/** Document frequencies kept per state of the data, at most (then forgotten and read again as asked). */
const MAX_CACHED_TERMS = 200_000;

/**
 * What the match stage reads of the whole table besides the query's rows: the distinct values of
 * the filtered fields and the byline names. A backend keeps one per state of the data (they cost a
 * scan each); a fresh one reads them again. A failed read is not kept.
 */
export class Catalog {
  private readonly values = new Map<ValueFilterName, Promise<string[]>>();
  private names: Promise<ReadonlySet<string>> | undefined;
  private fields: Promise<Map<string, { articles: number; terms: number }>> | undefined;
  /** "field term" → document frequency (0 when absent), of the terms asked so far. */
  private readonly frequencies = new Map<string, number>();

  /** field_stats: each text field's articles and terms (summed over shards). */
  fieldStats(client: Queryable): Promise<Map<string, { articles: number; terms: number }>> {
    if (!this.fields) {
      const fields = client
        .query<{ field: string; articles: string; terms: string }>("SELECT field, articles, terms FROM field_stats")
        .then(({ rows }) => new Map(sumRows(rows, ["field"], ["articles", "terms"]).map(({ field, articles, terms }) => [field, { articles, terms }])));
      this.fields = fields;
      fields.catch(() => (this.fields = undefined));
    }
    return this.fields;
  }

  /** The terms' document frequencies per text field ("field term" → df, summed over shards), read from term_stats once per term. */
  async termStats(client: Queryable, terms: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const names = TEXT_FIELDS.map(({ name }) => name);
    const missing = terms.filter((term) => !this.frequencies.has(`${names[0]} ${term}`));
    if (missing.length > 0) {
      // field = ANY as well: the primary key (field, term) then finds each row (term alone scanned the table: 30–70 ms).
      const { rows } = await client.query<{ field: string; term: string; df: number }>(prepared("SELECT field, term, df FROM term_stats WHERE field = ANY($1::text[]) AND term = ANY($2::text[])"), [names, missing]);
      if (this.frequencies.size > MAX_CACHED_TERMS) this.frequencies.clear();
      for (const term of missing) for (const name of names) this.frequencies.set(`${name} ${term}`, 0);
      for (const { field, term, df } of sumRows(rows, ["field", "term"], ["df"])) this.frequencies.set(`${field} ${term}`, df);
    }
    return this.frequencies;
  }

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
