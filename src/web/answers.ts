// What the API and the pages both answer for a query: the search view and the occurrence view,
// timed, and kept in a result cache per index generation (result-cache.ts).
import type { IndexSnapshot } from "../index/index-reader.js";
import { occurrencesView, type OccurrencesView } from "../present/occurrences.js";
import { searchView, type SearchView } from "../present/results.js";
import { listOccurrences, search } from "../search/search.js";
import { ResultCache, type Answer, type CacheStats } from "./result-cache.js";
import type { SearchParams } from "./validate.js";

export class Answers {
  private readonly searches: ResultCache<SearchView>;
  private readonly occurrenceLists: ResultCache<OccurrencesView>;

  /** `cacheEntries` per kind of answer; 0 computes every answer afresh. */
  constructor(cacheEntries: number) {
    this.searches = new ResultCache(cacheEntries);
    this.occurrenceLists = new ResultCache(cacheEntries);
  }

  search(snapshot: IndexSnapshot, params: SearchParams): Answer<SearchView> {
    return this.searches.answer(snapshot, params, () => {
      const started = performance.now();
      const result = search(snapshot, { query: params.q, page: params.page, size: params.size, sort: params.sort, correct: params.correct });
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

  cacheStats(): { search: CacheStats; occurrences: CacheStats } {
    return { search: this.searches.stats(), occurrences: this.occurrenceLists.stats() };
  }
}
