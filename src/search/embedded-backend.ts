// The search backend over the embedded index files (index-reader.ts): each request runs the
// synchronous engine over one snapshot, in the request's slices (Pacing), as the server always did.
import type { IndexSnapshot } from "../index/index-reader.js";
import { archiveFacts } from "../present/archive.js";
import { articleRows, occurrenceRows } from "../present/citation.js";
import type { ArticleRecord, OccurrencePage, Pacing, ReaderSource, ReaderStatus, SearchReader } from "./backend.js";
import { explainQuerySteps } from "./explain.js";
import type { SortOrder } from "./rank.js";
import { allMatches, allMatchesSteps, listOccurrencesSteps, matchesInArticleSteps, searchSteps, type AllMatches, type SearchRequest, type SearchResult } from "./search.js";
import { completeSteps } from "./suggest.js";
import { timelineSteps, type Timeline, type TimelineUnit } from "./timeline.js";

export class EmbeddedReader implements SearchReader {
  readonly backend = "embedded";

  constructor(readonly snapshot: IndexSnapshot) {}

  async status(): Promise<ReaderStatus> {
    const { size, manifest } = this.snapshot;
    return { articles: size, generation: manifest.generation, builtAt: manifest.builtAt };
  }

  async archive() {
    return archiveFacts(this.snapshot);
  }

  search(request: SearchRequest, pacing: Pacing): Promise<SearchResult> {
    return pacing.run(searchSteps(this.snapshot, request, pacing.budget));
  }

  async occurrences(request: SearchRequest, pacing: Pacing): Promise<OccurrencePage> {
    const result = await pacing.run(listOccurrencesSteps(this.snapshot, request, pacing.budget));
    return { ...result, bodyOf: (doc) => this.snapshot.body(doc) };
  }

  timeline(queryText: string, by: TimelineUnit, pacing: Pacing): Promise<Timeline> {
    return pacing.run(timelineSteps(this.snapshot, queryText, by, pacing.budget));
  }

  async article(id: string): Promise<ArticleRecord | undefined> {
    const { snapshot } = this;
    const doc = snapshot.findArticle(id);
    if (doc === undefined) return undefined;
    return { article: { ...snapshot.meta(doc), body: snapshot.body(doc) }, matches: (queryText, pacing) => pacing.run(matchesInArticleSteps(snapshot, doc, queryText, pacing.budget)) };
  }

  async exportArticles(queryText: string, sort: SortOrder, origin: string, pacing?: Pacing) {
    return articleRows(this.snapshot, await this.allMatches(queryText, sort, pacing), origin);
  }

  async exportOccurrences(queryText: string, sort: SortOrder, origin: string, pacing?: Pacing) {
    return occurrenceRows(this.snapshot, await this.allMatches(queryText, sort, pacing), origin);
  }

  private async allMatches(queryText: string, sort: SortOrder, pacing: Pacing | undefined): Promise<AllMatches> {
    return pacing ? pacing.run(allMatchesSteps(this.snapshot, queryText, sort, pacing.budget)) : allMatches(this.snapshot, queryText, sort);
  }

  suggest(typed: string, pacing: Pacing) {
    return pacing.run(completeSteps(this.snapshot, typed, pacing.budget));
  }

  analyze(queryText: string, pacing: Pacing) {
    return pacing.run(explainQuerySteps(this.snapshot, queryText, pacing.budget));
  }
}

const readers = new WeakMap<IndexSnapshot, EmbeddedReader>();

/** The reader of a snapshot: one per snapshot, so that answers cached for it stay with it. */
export function embeddedReader(snapshot: IndexSnapshot): EmbeddedReader {
  let reader = readers.get(snapshot);
  if (!reader) readers.set(snapshot, (reader = new EmbeddedReader(snapshot)));
  return reader;
}

/** Readers of the snapshots a LiveIndex (or any source of snapshots) serves. */
export function embeddedSource(snapshots: { current(): IndexSnapshot }): ReaderSource {
  return { current: () => embeddedReader(snapshots.current()) };
}
