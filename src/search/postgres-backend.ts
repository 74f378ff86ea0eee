// The search backend over PostgreSQL (`npm start -- --backend postgres --database-url …`): the
// match stage and BM25 of postgres-match.ts, then the page's articles, snippets, occurrences,
// facets, timeline and exports from the database's display and folded text, with the embedded
// engine's own functions (search.ts, facets.ts, citation.ts) so that the answers are the same.
// Reads go through postgres-pools.ts (standbys, budget, failures). A proxy database over date shards
// is served alike: every statement runs on each shard (postgres-shards.ts), so counts and groups
// come back as one row per shard and are added up here, and rows are asked for by article number. Not offered here: pinyin
// readings, did-you-mean corrections and /api/analyze (they read the embedded index's vocabulary
// and n-grams synchronously); synonyms are.
import { NotOnBackendError, SearchError } from "../errors.js";
import type { ArticleMeta } from "../index/article-store.js";
import { loadIdentity, redactedUrl } from "../index/postgres-writer.js";
import { TEXT_FIELDS, type FacetFieldName } from "../index/schema.js";
import type { ArchiveFacts } from "../present/archive.js";
import { articleRowOf, occurrenceRowsOf, type ArticleRow, type OccurrenceRow } from "../present/citation.js";
import type { Article } from "../types.js";
import type { ArticleRecord, OccurrencePage, Pacing, ReaderSource, ReaderStatus, RowStream, SearchReader, ShardDescription } from "./backend.js";
import type { Budget } from "./budget.js";
import type { AnalyzedAtom } from "./candidates.js";
import { bylineSuggestions, dateSuggestions } from "./did-you-mean.js";
import { facetList, topFacetValues, type Facets } from "./facets.js";
import { Catalog, matchInPostgres, occurrencesIn, rankInPostgres, type PostgresMatches } from "./postgres-match.js";
import { DatabasePools, prepared, type PoolOptions, type Queryable } from "./postgres-pools.js";
import { ProxyDatabase, readProxyShards, sumRows, type ProxyShard } from "./postgres-shards.js";
import type { ParsedQuery } from "./query-parser.js";
import type { SortOrder } from "./rank.js";
import { distinctNeedles, fieldOccurrencesInText, markedGroups, matchesInText, matchesInTextSteps, textOccurrenceCounter, type Occurrence, type SearchHit, type SearchRequest, type SearchResult } from "./search.js";
import { completeFrom, type Completion } from "./suggest.js";
import { periodsBetween, type Tally, type Timeline, type TimelineUnit } from "./timeline.js";
import { Vocabulary } from "./vocabulary.js";

/** Articles read per statement when going through many of them (occurrences, counts, exports). */
const BATCH = 500;

/** The columns of an article's display, as ArticleMeta needs them. */
const META_COLUMNS = ["id", "title", "author", "source", "date", "file", "details"] as const;
/** An article's display and the text its snippet and marks are made from, as a hit needs it. */
const PAGE_COLUMNS = [...META_COLUMNS, "body", "folded", "title_length"] as const;
type PageRow = MetaRow & { doc: number; body: string; folded: string; title_length: number };

interface MetaRow {
  id: string;
  title: string;
  author: string[];
  source: string;
  date: string;
  file: string;
  details: { byline?: string; lineStart: number; lineEnd: number; bodyLines?: number[] };
}

/** ArticleMeta as the embedded store gives it (same keys, same order). */
function metaOf(row: MetaRow): ArticleMeta {
  const { byline, lineStart, lineEnd, bodyLines } = row.details;
  return {
    id: row.id,
    title: row.title,
    authors: row.author,
    source: row.source,
    ...(byline === undefined ? {} : { byline }),
    file: row.file,
    lineStart,
    lineEnd,
    ...(bodyLines === undefined ? {} : { bodyLines }),
    ...(row.date === "" ? {} : { date: row.date }),
  };
}

/** Where the folded title ends in UTF-16 units: the database counts it in characters (code points). */
function titleEnd(folded: string, characters: number): number {
  let at = 0;
  for (let n = 0; n < characters && at < folded.length; n++) at += folded.codePointAt(at)! > 0xffff ? 2 : 1;
  return at;
}

/** The given articles' rows, by doc, read BATCH at a time. */
async function articlesByDoc<Row extends { doc: number }>(db: Queryable, columns: readonly string[], docs: readonly number[]): Promise<Map<number, Row>> {
  const found = new Map<number, Row>();
  for (let from = 0; from < docs.length; from += BATCH) {
    const { rows } = await db.query<Row>(prepared(`SELECT doc, ${columns.join(", ")} FROM articles WHERE doc = ANY($1::int[])`), [docs.slice(from, from + BATCH)]);
    for (const row of rows) found.set(row.doc, row);
  }
  return found;
}

/** One state of the database's data (between two loads): answers are cached per reader. */
export class PostgresReader implements SearchReader {
  readonly backend = "postgres";
  private readonly catalog = new Catalog();
  private facts: Promise<ArchiveFacts> | undefined;
  private articleCount: Promise<number> | undefined;
  private vocabulary: Promise<Vocabulary> | undefined;

  /**
   * `shards`: the database is a proxy (postgres-proxy.ts) over these shards, and every statement
   * runs on all of them; null: it holds the articles; undefined: not known yet (the database was
   * down at the start), so each request asks first: a proxy is never read as if it held them.
   */
  constructor(
    private readonly pools: DatabasePools,
    private readonly shards: readonly ProxyShard[] | null | undefined,
  ) {}

  async status(): Promise<ReaderStatus> {
    this.articleCount ??= this.kept(
      this.read(undefined, async (db) => sumRows((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM articles")).rows, [], ["n"])[0]!.n),
      () => (this.articleCount = undefined),
    );
    return { articles: await this.articleCount, generation: null, builtAt: null, databases: { ...this.pools.describe(), ...(this.shards ? { shards: this.shards.map(({ name, dates }): ShardDescription => ({ name, dates })) } : {}) } };
  }

  archive(): Promise<ArchiveFacts> {
    this.facts ??= this.kept(this.read(undefined, (db) => readArchiveFacts(db)), () => (this.facts = undefined));
    return this.facts;
  }

  search(request: SearchRequest, pacing: Pacing): Promise<SearchResult> {
    return this.read(pacing.budget, async (db) => {
      const typed = await this.searchAsTyped(db, request.query, request);
      // As the embedded engine does (search.ts searchSteps): a reporter's name that no story's text holds finds the stories under that byline.
      const bylines = bylineSuggestions(request.query, typed.query, await this.catalog.bylineNames(db));
      if ((typed.total === 0 || typed.relaxed) && bylines.length > 0 && request.correct !== false) {
        const byline = bylines[0]!.query;
        const bylined = await this.searchAsTyped(db, byline, request);
        if (bylined.total > 0 && (typed.total === 0 || !bylined.relaxed)) return { ...bylined, suggestions: dateSuggestions(byline, bylined.query), corrected: { from: request.query, to: byline } };
      }
      return { ...typed, suggestions: [...bylines, ...typed.suggestions] };
    });
  }

  private async searchAsTyped(db: Queryable, queryText: string, request: SearchRequest): Promise<SearchResult> {
    const matches = await matchInPostgres(db, queryText, this.catalog);
    const ranked = await rankInPostgres<PageRow>(db, matches, request, this.catalog, PAGE_COLUMNS);
    const page = ranked.slice((request.page - 1) * request.size, request.page * request.size);
    // The ranking statement read the page's rows when every match is on it; the others are read here.
    const read = await articlesByDoc<PageRow>(db, PAGE_COLUMNS, page.filter((entry) => !entry.row).map(({ doc }) => doc));
    const hits: SearchHit[] = page.map((entry) => {
      const { doc, score } = entry;
      const row = entry.row ?? read.get(doc)!;
      return { doc, score, article: metaOf(row), body: row.body, ...matchesInText(row.folded, titleEnd(row.folded, row.title_length), matches.groups) };
    });
    const result: SearchResult = {
      query: matches.query,
      total: matches.total,
      relaxed: matches.relaxed,
      itemCounts: matches.itemCounts,
      phrases: matches.phrases,
      hits,
      suggestions: dateSuggestions(queryText, matches.query),
      expansions: matches.expansions,
    };
    if (request.facets && request.facets.length > 0) result.facets = await countFacetsIn(db, matches.docs, request.facets, matches.query);
    return result;
  }

  occurrences(request: SearchRequest, pacing: Pacing): Promise<OccurrencePage> {
    return this.read(pacing.budget, async (db) => {
      const matches = await matchInPostgres(db, request.query, this.catalog);
      // As the embedded engine: the page lies within the first page × size articles (each has an occurrence).
      const ranked = await rankInPostgres(db, matches, { ...request, page: 1, size: request.page * request.size }, this.catalog);
      const from = (request.page - 1) * request.size;
      const page: Occurrence[] = [];
      const bodies = new Map<number, string>();
      let seen = 0;
      for (let at = 0; at < ranked.length && page.length < request.size; at += BATCH) {
        const docs = ranked.slice(at, at + BATCH).map(({ doc }) => doc);
        const rows = await articlesByDoc<PageRow>(db, PAGE_COLUMNS, docs);
        for (const doc of docs) {
          const row = rows.get(doc)!;
          for (const { field, range } of fieldOccurrencesInText(row.folded, titleEnd(row.folded, row.title_length), matches.groups)) {
            if (seen >= from && page.length < request.size) {
              page.push({ doc, article: metaOf(row), field, range });
              bodies.set(doc, row.body);
            }
            seen++;
          }
        }
      }
      const { total } = await tallyOccurrences(db, matches);
      return {
        query: matches.query,
        articles: matches.total,
        total: total.occurrences,
        relaxed: matches.relaxed,
        itemCounts: matches.itemCounts,
        phrases: matches.phrases,
        occurrences: page,
        bodyOf: (doc) => bodies.get(doc)!,
      };
    });
  }

  timeline(queryText: string, by: TimelineUnit, pacing: Pacing): Promise<Timeline> {
    return this.read(pacing.budget, async (db) => {
      const matches = await matchInPostgres(db, queryText, this.catalog);
      const { byPeriod, total } = await tallyOccurrences(db, matches, by);
      const undated = byPeriod.get("") ?? { articles: 0, occurrences: 0 };
      byPeriod.delete("");
      const buckets = periodsBetween([...byPeriod.keys()], by).map((period) => ({ period, ...(byPeriod.get(period) ?? { articles: 0, occurrences: 0 }) }));
      return { by, buckets, undated, total };
    });
  }

  async article(id: string): Promise<ArticleRecord | undefined> {
    const found = await this.read(undefined, async (db) => {
      const { rows } = await db.query<PageRow>(`SELECT doc, ${PAGE_COLUMNS.join(", ")} FROM articles WHERE id = $1`, [id]);
      // On two shards for a moment (a load moving it): the first in loading order, as the matches count it.
      const row = rows.sort((a, b) => a.doc - b.doc)[0];
      return row && { row, names: await this.catalog.bylineNames(db) };
    });
    if (!found) return undefined;
    const { row, names } = found;
    const article: Article = { ...metaOf(row), body: row.body };
    return {
      article,
      matches: async (queryText, pacing) => {
        // Synonyms only: the pinyin readings come from the embedded index's vocabulary.
        const { groups, expansions } = markedGroups(undefined, queryText, names);
        return { ...(await pacing.run(matchesInTextSteps(row.folded, titleEnd(row.folded, row.title_length), groups, pacing.budget))), expansions };
      },
    };
  }

  exportArticles(queryText: string, sort: SortOrder, origin: string): Promise<RowStream<ArticleRow>> {
    return this.exportRows(queryText, sort, false, function* (row) {
      yield articleRowOf(metaOf(row), origin);
    });
  }

  exportOccurrences(queryText: string, sort: SortOrder, origin: string): Promise<RowStream<OccurrenceRow>> {
    return this.exportRows(queryText, sort, true, function* (row, groups) {
      const found = fieldOccurrencesInText(row.folded!, titleEnd(row.folded!, row.title_length!), groups);
      yield* occurrenceRowsOf(metaOf(row), () => row.body!, found, origin);
    });
  }

  async suggest(typed: string, pacing: Pacing): Promise<Completion[]> {
    this.vocabulary ??= this.kept(this.read(undefined, (db) => readVocabulary(db)), () => (this.vocabulary = undefined));
    return completeFrom(await this.vocabulary, typed, pacing.budget);
  }

  async analyze(): Promise<never> {
    throw new NotOnBackendError("查询分析（/api/analyze）", "PostgreSQL");
  }

  /**
   * Every match in order, read BATCH articles at a time in the transaction that matched them (one
   * snapshot of one database; memory holds the ordered article numbers and one batch of rows).
   * Batches by article number work alike through the shards' proxy, which has no cursors.
   */
  private async exportRows<Row>(
    queryText: string,
    sort: SortOrder,
    withText: boolean,
    rowsOf: (row: ExportRow, groups: AnalyzedAtom[][]) => Iterable<Row>,
  ): Promise<RowStream<Row>> {
    const session = await this.pools.session();
    try {
      const db = await this.through(session.db);
      const matches = await matchInPostgres(db, queryText, this.catalog);
      const ranked = await rankInPostgres(db, matches, { sort, page: 1, size: matches.total }, this.catalog);
      const columns = withText ? PAGE_COLUMNS : META_COLUMNS;
      return streamBatches(db, session.done, columns, ranked.map(({ doc }) => doc), (row) => rowsOf(row, matches.groups));
    } catch (error) {
      await session.done();
      throw error;
    }
  }

  /** pools.read, through the proxy when the database is one. */
  private read<T>(budget: Budget | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    return this.pools.read(budget, async (db) => work(await this.through(db)));
  }

  private async through(db: Queryable): Promise<Queryable> {
    const shards = this.shards === undefined ? await readProxyShards(db) : this.shards;
    return shards ? new ProxyDatabase(db, shards) : db;
  }

  /** A promise kept in a cache field, forgotten (`forget`) when it fails, so that the next request tries again. */
  private kept<T>(promise: Promise<T>, forget: () => void): Promise<T> {
    promise.catch(forget);
    return promise;
  }
}

type ExportRow = MetaRow & { body?: string; folded?: string; title_length?: number };

async function* streamBatches<Row>(db: Queryable, done: () => Promise<void>, columns: readonly string[], docs: readonly number[], rowsOf: (row: ExportRow) => Iterable<Row>): AsyncGenerator<Row> {
  try {
    for (let from = 0; from < docs.length; from += BATCH) {
      const batch = docs.slice(from, from + BATCH);
      const rows = await articlesByDoc<ExportRow & { doc: number }>(db, columns, batch);
      for (const doc of batch) yield* rowsOf(rows.get(doc)!);
    }
  } finally {
    // Also when the client went away mid-download: the stream is destroyed, the generator returns.
    await done();
  }
}

/**
 * Articles and occurrences of the matches, in all and per year or month (`by`; "" holds the
 * undated). A single needle is counted by the database; several (merged as the concordance merges
 * them) or whole Latin words are counted here on the folded text, as the embedded engine counts.
 */
async function tallyOccurrences(db: Queryable, matches: PostgresMatches, by?: TimelineUnit): Promise<{ byPeriod: Map<string, Tally>; total: Tally }> {
  const byPeriod = new Map<string, Tally>();
  const total: Tally = { articles: matches.total, occurrences: 0 };
  const period = by ? `"${by}"` : "''";
  const needles = distinctNeedles(matches.groups);
  const single = needles.length === 1 && !needles[0]!.wholeWord ? needles[0]!.needle : undefined;
  if (needles.length === 0 || single !== undefined) {
    const counted = single === undefined ? "0" : occurrencesIn("folded", "$2::text");
    const { rows } = await db.query<{ period: string | null; articles: number; occurrences: number }>(
      `SELECT coalesce(${period}, '') AS period, count(*)::int AS articles, coalesce(sum(${counted}), 0)::float8 AS occurrences
       FROM articles WHERE doc = ANY($1::int[]) GROUP BY 1`,
      single === undefined ? [matches.docs] : [matches.docs, single],
    );
    for (const row of sumRows(rows, ["period"], ["articles", "occurrences"])) {
      byPeriod.set(row.period ?? "", { articles: row.articles, occurrences: row.occurrences });
      total.occurrences += row.occurrences;
    }
    return { byPeriod, total };
  }
  const count = textOccurrenceCounter(matches.groups);
  for (let from = 0; from < matches.docs.length; from += BATCH) {
    const { rows } = await db.query<{ folded: string; title_length: number; period: string | null }>(
      `SELECT folded, title_length, coalesce(${period}, '') AS period FROM articles WHERE doc = ANY($1::int[])`,
      [matches.docs.slice(from, from + BATCH)],
    );
    for (const row of rows) {
      const found = count(row.folded, titleEnd(row.folded, row.title_length));
      const tally = byPeriod.get(row.period ?? "") ?? { articles: 0, occurrences: 0 };
      tally.articles++;
      tally.occurrences += found;
      byPeriod.set(row.period ?? "", tally);
      total.occurrences += found;
    }
  }
  return { byPeriod, total };
}

/** facets.ts countFacets over the database: each field's values among the matches, counted there, ranked by facetList. */
async function countFacetsIn(db: Queryable, docs: readonly number[], fields: readonly FacetFieldName[], query: ParsedQuery): Promise<Facets> {
  const facets: Facets = {};
  for (const name of fields) {
    const multiple = name === "author";
    const value = multiple ? `unnest("${name}")` : `"${name}"`;
    const { rows } = await db.query<{ value: string; count: number }>(
      `SELECT value, count(*)::int AS count FROM (SELECT ${value} AS value FROM articles WHERE doc = ANY($1::int[])) AS v WHERE value <> '' GROUP BY value`,
      [docs],
    );
    const counts = sumRows(rows, ["value"], ["count"]);
    const top = topFacetValues(counts);
    let other: number | undefined;
    if (counts.length > top.length) {
      const outside = multiple ? `EXISTS (SELECT 1 FROM unnest("${name}") AS v WHERE v <> ALL($2::text[]))` : `"${name}" <> '' AND "${name}" <> ALL($2::text[])`;
      const values = top.map((entry) => entry.value);
      ({ other } = sumRows((await db.query<{ other: number }>(`SELECT count(*)::int AS other FROM articles WHERE doc = ANY($1::int[]) AND ${outside}`, [docs, values])).rows, [], ["other"])[0]!);
    }
    facets[name] = facetList(name, top, other, query);
  }
  return facets;
}

/** archive.ts's facts, read from the tables (one row per shard through the proxy, combined here). */
async function readArchiveFacts(db: Queryable): Promise<ArchiveFacts> {
  const { rows } = await db.query<{ articles: number; first: string | null; last: string | null; authors: boolean }>(
    `SELECT count(*)::int AS articles, min(left(date, 10)) FILTER (WHERE date <> '') AS first, max(left(date, 10)) FILTER (WHERE date <> '') AS last,
            coalesce(bool_or(cardinality(author) > 0), false) AS authors FROM articles`,
  );
  const { rows: shardSources } = await db.query<{ source: string; articles: number; first: number }>(
    `SELECT source, count(*)::int AS articles, min(doc) AS first FROM articles WHERE source NOT IN (SELECT file FROM seed_files) GROUP BY source`,
  );
  const firstOf = new Map<string, number>();
  for (const { source, first } of shardSources) firstOf.set(source, Math.min(first, firstOf.get(source) ?? Infinity));
  const sources = sumRows(shardSources, ["source"], ["articles"]).sort((a, b) => b.articles - a.articles || firstOf.get(a.source)! - firstOf.get(b.source)!);
  const dates = (key: "first" | "last"): string[] => rows.flatMap((row) => (row[key] === null ? [] : [row[key]!])).sort();
  return {
    articles: sumRows(rows, [], ["articles"])[0]!.articles,
    firstDate: dates("first")[0] ?? null,
    lastDate: dates("last").at(-1) ?? null,
    hasAuthors: rows.some(({ authors }) => authors),
    sources: sources.map(({ source }) => source),
  };
}

/** vocabulary.ts's vocabulary from the loader's term statistics of the fields kept in compact postings (article bodies), as termFrequencies() gives them. */
async function readVocabulary(db: Queryable): Promise<Vocabulary> {
  const fields = TEXT_FIELDS.filter(({ postings }) => postings === "compact").map(({ name }) => name);
  const { rows } = await db.query<{ term: string; df: number }>("SELECT term, sum(df)::int AS df FROM term_stats WHERE field = ANY($1::text[]) GROUP BY term", [fields]);
  return new Vocabulary(new Map(sumRows(rows, ["term"], ["df"]).map(({ term, df }) => [term, df])));
}

export interface PostgresServing extends PoolOptions {
  /** How often the database is asked whether a load changed it (a new reader, so no cached answer outlives its data). */
  pollMs: number;
  /** Fail when the database cannot be reached at the start (a command), instead of answering 503 until it can (a server). */
  mustConnect?: boolean;
  warn?: (message: string) => void;
}

/**
 * The readers of a database over time: a new one (with empty caches) whenever a load committed a
 * change (the seed files' hashes differ). A database that is down at the start or later is asked
 * again at the next poll; requests meanwhile get 503.
 */
export class PostgresSource implements ReaderSource {
  private reader: PostgresReader;
  /** The shards behind the proxy as JSON (null: one database); undefined before the first check. */
  private topology: string | undefined;
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly pools: DatabasePools,
    private readonly options: PostgresServing,
  ) {
    this.reader = new PostgresReader(pools, undefined);
  }

  /** Refuses a database that holds no load, or one loaded by another analyzer (its terms would not match the queries'). */
  static async open(options: PostgresServing): Promise<PostgresSource> {
    const source = new PostgresSource(new DatabasePools(options), options);
    try {
      await source.checkVersion();
    } catch (error) {
      if (options.mustConnect || (error instanceof SearchError && error.code === "operator_error")) {
        await source.close();
        throw error;
      }
      (options.warn ?? console.warn)(`cannot read the database yet (${(error as Error).message}); answering 503 until it can be reached`);
    }
    source.timer = setInterval(() => void source.checkVersion().catch(() => {}), options.pollMs);
    source.timer.unref();
    return source;
  }

  current(): PostgresReader {
    return this.reader;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pools.close();
  }

  /**
   * Reads what the database holds: whether it is a shards' proxy (then over which shards), and the
   * identity and seed files of the load (of every shard). A new reader when any of them changed.
   */
  private async checkVersion(): Promise<void> {
    const url = redactedUrl(this.options.databaseUrl);
    const shards = await this.pools.read(undefined, readProxyShards);
    const topology = JSON.stringify(shards ?? null);
    if (topology !== this.topology) {
      // Known before the shards answer: a proxy is never read as if it held the articles.
      this.reader = new PostgresReader(this.pools, shards ?? null);
      this.topology = topology;
      this.version = undefined;
    }
    const { identities, files } = await this.pools.read(undefined, async (proxyOrDatabase) => {
      const db = shards ? new ProxyDatabase(proxyOrDatabase, shards) : proxyOrDatabase;
      const { rows } = await db.query<{ loaded: boolean }>("SELECT to_regclass('load_identity') IS NOT NULL AND to_regclass('articles') IS NOT NULL AS loaded");
      if (rows.length === 0 || !rows.every(({ loaded }) => loaded)) return { identities: [], files: "" };
      const { rows: version } = await db.query<{ identity: string | null; files: string | null }>(
        "SELECT (SELECT value FROM load_identity WHERE key = 'identity') AS identity, (SELECT md5(string_agg(file || ' ' || sha256, ',' ORDER BY file)) FROM seed_files) AS files",
      );
      return { identities: [...new Set(version.map(({ identity }) => identity ?? ""))], files: version.map(({ files }) => files ?? "").join(" ") };
    });
    const what = shards ? `the shards behind the proxy at ${url}` : `the database at ${url}`;
    const load = shards ? "npm run index -- --backend postgres --shard-map … --proxy-url …" : "npm run index -- --backend postgres --database-url …";
    if (identities.length === 0 || identities.includes("")) throw new SearchError(`${what} hold${shards ? "" : "s"} no articles${shards ? " (or not every shard does)" : ""}`, `load ${shards ? "them" : "it"} first: ${load}`);
    const expected = loadIdentity(shards?.map(({ dates }) => dates));
    const others = identities.filter((identity) => identity !== expected);
    if (others.length > 0) {
      throw new SearchError(`${what} ${shards ? "were" : "was"} loaded by another version of the analyzer or tables${shards ? " or another shard map" : ""} (${others.join("; ")}; this program: ${expected})`, `load again: ${load.replace("postgres", "postgres --full")}`);
    }
    const version = `${expected} ${files}`;
    if (version !== this.version) {
      if (this.version !== undefined) this.reader = new PostgresReader(this.pools, shards ?? null);
      this.version = version;
    }
  }
}
