// What the API and the pages both answer for a query: the search view and the occurrence view,
// timed, kept in a result cache per reader (an index generation; result-cache.ts), and computed
// within the request's time budget, taking turns with other expensive queries (query-scheduler.ts);
// timelines likewise. An export holds a place among the expensive work while it streams.
import { occurrencesView, type OccurrencesView } from "../present/occurrences.js";
import { searchView, type SearchView } from "../present/results.js";
import type { ArticleRecord, Pacing, RowStream, SearchReader } from "../search/backend.js";
import { Budget, runInSlices } from "../search/budget.js";
import type { QueryExplanation } from "../search/explain.js";
import type { Completion } from "../search/suggest.js";
import { QueryScheduler, type SchedulerOptions } from "./query-scheduler.js";
import { ResultCache, type Answer, type CacheStats } from "./result-cache.js";
import { timelineView, type TimelineView } from "../present/timeline.js";
import { EXPORT_SLICE_MS } from "./export.js";
import type { SearchParams, TimelineParams } from "./validate.js";

export class Answers {
  private readonly searches: ResultCache<SearchView>;
  private readonly occurrenceLists: ResultCache<OccurrencesView>;
  private readonly timelines: ResultCache<TimelineView, TimelineParams>;
  private readonly scheduler: QueryScheduler;

  /** `cacheEntries` per kind of answer; 0 computes every answer afresh. */
  constructor(cacheEntries: number, scheduling: SchedulerOptions) {
    this.searches = new ResultCache(cacheEntries);
    this.occurrenceLists = new ResultCache(cacheEntries);
    this.timelines = new ResultCache(cacheEntries);
    this.scheduler = new QueryScheduler(scheduling);
  }

  search(reader: SearchReader, params: SearchParams): Promise<Answer<SearchView>> {
    const pacing = this.pacing();
    return this.searches.answer(reader, params, async () => {
      const started = performance.now();
      const request = { query: params.q, page: params.page, size: params.size, sort: params.sort, correct: params.correct, facets: params.facets };
      const result = await reader.search(request, pacing);
      return searchView(result, params, performance.now() - started);
    });
  }

  occurrences(reader: SearchReader, params: SearchParams): Promise<Answer<OccurrencesView>> {
    const pacing = this.pacing();
    return this.occurrenceLists.answer(reader, params, async () => {
      const started = performance.now();
      const page = await reader.occurrences({ query: params.q, page: params.page, size: params.size, sort: params.sort }, pacing);
      return occurrencesView(page, params, performance.now() - started);
    });
  }

  timeline(reader: SearchReader, params: TimelineParams): Promise<Answer<TimelineView>> {
    const pacing = this.pacing();
    return this.timelines.answer(reader, params, async () => {
      const started = performance.now();
      const series = [];
      for (const query of params.queries) series.push({ query, ...(await reader.timeline(query, params.by, pacing)) });
      return timelineView(series, params.by, performance.now() - started);
    });
  }

  /** Completions of what is typed in the search box, within a request's budget. */
  suggest(reader: SearchReader, typed: string): Promise<Completion[]> {
    return reader.suggest(typed, this.pacing());
  }

  /** How a query is understood (it is searched, and may be corrected), within a request's budget. */
  analyze(reader: SearchReader, queryText: string): Promise<QueryExplanation> {
    return reader.analyze(queryText, this.pacing());
  }

  /** Where a query matches an article (the article page marks them all), within a request's budget. */
  articleMatches(record: ArticleRecord, queryText: string): ReturnType<ArticleRecord["matches"]> {
    return record.matches(queryText, this.pacing());
  }

  /**
   * An export: `rows` finds every match (paced: in slices, without a deadline, an export being long
   * by nature) and `send` streams them (yielding between its own slices). The export holds a place
   * among the expensive work from the start (ServerBusyError when none is free) to its last row.
   */
  async export<Row>(rows: (pacing: Pacing) => Promise<RowStream<Row>>, send: (rows: RowStream<Row>) => Promise<void>): Promise<void> {
    const lease = this.scheduler.lease();
    try {
      const budget = Budget.unlimited();
      await send(await rows({ budget, run: (steps) => runInSlices(steps, budget, EXPORT_SLICE_MS) }));
    } finally {
      lease.release();
    }
  }

  cacheStats(): { search: CacheStats; occurrences: CacheStats; timeline: CacheStats } {
    return { search: this.searches.stats(), occurrences: this.occurrenceLists.stats(), timeline: this.timelines.stats() };
  }

  /** A request's budget, starting now (waiting counts), and its turns with the other expensive queries. */
  private pacing(): Pacing {
    const budget = this.scheduler.budget();
    return { budget, run: (steps) => this.scheduler.run(steps, budget) };
  }
}
