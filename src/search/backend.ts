// The seam between the web layer (and the CLI) and whatever holds the index: the embedded files
// (embedded-backend.ts) or a PostgreSQL database (postgres-backend.ts). Every method answers a
// whole request, so the embedded engine stays synchronous inside it: one promise per request,
// never one per article. Present/ turns the results into pages, API answers and exports.
import type { ArchiveFacts } from "../present/archive.js";
import type { ArticleRow, OccurrenceRow } from "../present/citation.js";
import type { Article, TextRange } from "../types.js";
import type { Budget, Steps } from "./budget.js";
import type { QueryExplanation } from "./explain.js";
import type { Expansion } from "./query-expansion.js";
import type { SortOrder } from "./rank.js";
import type { OccurrenceResult, SearchRequest, SearchResult } from "./search.js";
import type { Completion } from "./suggest.js";
import type { Timeline, TimelineUnit } from "./timeline.js";

export const BACKENDS = ["embedded", "postgres"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How one request spends its time budget: the embedded engine runs its steps in slices (query-scheduler.ts); a database gets the time left as its statement timeout. */
export interface Pacing {
  readonly budget: Budget;
  run<T>(steps: Steps<T>): Promise<T>;
}

export interface ReaderStatus {
  articles: number;
  /** The embedded index's generation; null for a database (it has none). */
  generation: number | null;
  builtAt: string | null;
  /** A database backend's servers (passwords hidden) and whether each standby is being read from; behind a proxy, its shards. */
  databases?: { primary: string; standbys: Array<{ url: string; up: boolean }>; shards?: ShardDescription[] };
}

/** A shard of a sharded PostgreSQL archive: its database's name and the dates it holds. */
export interface ShardDescription {
  name: string;
  dates: string;
}

/** A page of occurrences with the bodies the page shows context from. */
export interface OccurrencePage extends OccurrenceResult {
  bodyOf(doc: number): string;
}

/** An article, and where a query matches it (the article page marks them). */
export interface ArticleRecord {
  article: Article;
  /**
   * Rejects with QueryParseError for a query that cannot be read, QueryTooExpensiveError when the
   * budget runs out. `expansions`: the synonyms and pinyin readings also marked.
   */
  matches(queryText: string, pacing: Pacing): Promise<{ titleMatches: TextRange[]; bodyMatches: TextRange[]; expansions: Expansion[] }>;
}

/** Rows of an export, produced one at a time (memory stays flat whatever their number). */
export type RowStream<Row> = Iterable<Row> | AsyncIterable<Row>;

/**
 * One consistent state of the index (an embedded generation, a database between two loads): what a
 * request is answered from. Result caches are kept per reader, so a reader is replaced, never
 * changed, when the data changes.
 */
export interface SearchReader {
  readonly backend: BackendName;
  status(): Promise<ReaderStatus>;
  archive(): Promise<ArchiveFacts>;
  search(request: SearchRequest, pacing: Pacing): Promise<SearchResult>;
  occurrences(request: SearchRequest, pacing: Pacing): Promise<OccurrencePage>;
  timeline(queryText: string, by: TimelineUnit, pacing: Pacing): Promise<Timeline>;
  /** undefined when there is no article with this id. */
  article(id: string): Promise<ArticleRecord | undefined>;
  /**
   * Every match of the query as typed (no correction), in `sort` order; `origin` makes the links
   * absolute. Resolves once the query is matched (a bad query rejects before anything is sent).
   * `pacing`: how the matching takes turns with other requests (the server's exports); none runs it at once.
   */
  exportArticles(queryText: string, sort: SortOrder, origin: string, pacing?: Pacing): Promise<RowStream<ArticleRow>>;
  exportOccurrences(queryText: string, sort: SortOrder, origin: string, pacing?: Pacing): Promise<RowStream<OccurrenceRow>>;
  suggest(typed: string, pacing: Pacing): Promise<Completion[]>;
  analyze(queryText: string, pacing: Pacing): Promise<QueryExplanation>;
}

/** Where requests get the reader to answer from; it changes when a new generation is loaded. */
export interface ReaderSource {
  current(): SearchReader;
}
