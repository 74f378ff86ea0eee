// What the API and the pages both answer for a query: the search view and the occurrence view,
// timed, and kept in a result cache per index generation (result-cache.ts).
import type { IndexSnapshot } from "../index/index-reader.js";
import { occurrencesView, type OccurrencesView } from "../present/occurrences.js";
import { searchView, type SearchView } from "../present/results.js";
import { listOccurrences, search } from "../search/search.js";
import { ResultCache, type Answer, type CacheStats } from "./result-cache.js";
import { timelineView, type TimelineView } from "../present/timeline.js";
import { timeline } from "../search/timeline.js";
import type { SearchParams, TimelineParams } from "./validate.js";

export class Answers {
  private readonly searches: ResultCache<SearchView>;
  private readonly occurrenceLists: ResultCache<OccurrencesView>;
  private readonly timelines: ResultCache<TimelineView, TimelineParams>;

  /** `cacheEntries` per kind of answer; 0 computes every answer afresh. */
  constructor(cacheEntries: number) {
    this.searches = new ResultCache(cacheEntries);
    this.occurrenceLists = new ResultCache(cacheEntries);
    this.timelines = new ResultCache(cacheEntries);
  }

  search(snapshot: IndexSnapshot, params: SearchParams): Answer<SearchView> {
    return this.searches.answer(snapshot, params, () => {
      const started = performance.now();
      const result = search(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort, correct: params.correct, facets: params.facets });
      return searchView(result, params, performance.now() - started);
    });
  }

  occurrences(snapshot: IndexSnapshot, params: SearchParams): Answer<OccurrencesView> {
    return this.occurrenceLists.answer(snapshot, params, () => {
      const started = performance.now();
      const result = listOccurrences(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort });
      return occurrencesView(snapshot, result, params, performance.now() - started);
    });
  }

  timeline(snapshot: IndexSnapshot, params: TimelineParams): Answer<TimelineView> {
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
