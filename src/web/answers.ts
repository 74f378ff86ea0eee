// What the API and the pages both answer for a query: the search view and the occurrence view,
// timed, kept in a result cache per index generation (result-cache.ts), and computed within the
// request's time budget, taking turns with other expensive queries (query-scheduler.ts).
import type { IndexSnapshot } from "../index/index-reader.js";
import { occurrencesView, type OccurrencesView } from "../present/occurrences.js";
import { searchView, type SearchView } from "../present/results.js";
import { listOccurrencesSteps, searchSteps } from "../search/search.js";
import { QueryScheduler, type SchedulerOptions } from "./query-scheduler.js";
import { ResultCache, type Answer, type CacheStats } from "./result-cache.js";
import { timelineView, type TimelineView } from "../present/timeline.js";
import { timeline } from "../search/timeline.js";
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

  search(snapshot: IndexSnapshot, params: SearchParams): Promise<Answer<SearchView>> {
    const budget = this.scheduler.budget();
    return this.searches.answer(snapshot, params, async () => {
      const started = performance.now();
      const request = { query: params.q, page: params.page, size: params.size, sort: params.sort, correct: params.correct, facets: params.facets };
      const result = await this.scheduler.run(searchSteps(snapshot, request, budget), budget);
      return searchView(result, params, performance.now() - started);
    });
  }

  occurrences(snapshot: IndexSnapshot, params: SearchParams): Promise<Answer<OccurrencesView>> {
    const budget = this.scheduler.budget();
    return this.occurrenceLists.answer(snapshot, params, async () => {
      const started = performance.now();
      const result = await this.scheduler.run(listOccurrencesSteps(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort }, budget), budget);
      return occurrencesView(snapshot, result, params, performance.now() - started);
    });
  }

  /** Not paced by a budget yet: it counts every match of up to four queries. */
  timeline(snapshot: IndexSnapshot, params: TimelineParams): Promise<Answer<TimelineView>> {
    return this.timelines.answer(snapshot, params, () => {
      const started = performance.now();
      const series = params.queries.map((query) => ({ query, ...timeline(snapshot, query, params.by) }));
      return timelineView(series, params.by, performance.now() - started);
    });
  }

  cacheStats(): { search: CacheStats; occurrences: CacheStats; timeline: CacheStats } {
    return { search: this.searches.stats(), occurrences: this.occurrenceLists.stats(), timeline: this.timelines.stats() };
  }
}
