// Repeated requests (a page reloaded, back to the previous page, a popular query) are answered from
// a bounded LRU of finished views, one cache per index generation: the first request of a query
// pays for search and snippets, its repeats only for the JSON or HTML. A new generation starts an
// empty cache, so no answer outlives the index it came from.
import { LRUCache } from "lru-cache";
import type { IndexSnapshot } from "../index/index-reader.js";
import type { SearchParams } from "./validate.js";

/** Cached views may hold this many UTF-16 code units of JSON in all (about 32 MiB). */
const MAX_CACHED_UNITS = 16 * 2 ** 20;

export interface CacheStats {
  entries: number;
  hits: number;
  misses: number;
}

export class ResultCache<View extends { took_ms: number }> {
  private readonly bySnapshot = new WeakMap<IndexSnapshot, LRUCache<string, View>>();
  private hits = 0;
  private misses = 0;
  private latest: LRUCache<string, View> | undefined;

  /** `maxEntries` 0 turns caching off. */
  constructor(private readonly maxEntries: number) {}

  /** The view for these parameters: cached (its took_ms then the lookup's), or `compute()`d and kept. */
  answer(snapshot: IndexSnapshot, params: SearchParams, compute: () => View): View & { cached: boolean } {
    const started = performance.now();
    const cache = this.cacheOf(snapshot);
    if (!cache) return { ...compute(), cached: false };
    const key = JSON.stringify([params.q, params.page, params.size, params.sort]);
    const hit = cache.get(key);
    if (hit) {
      this.hits++;
      return { ...hit, took_ms: Math.round((performance.now() - started) * 100) / 100, cached: true };
    }
    this.misses++;
    const view = compute();
    cache.set(key, view);
    return { ...view, cached: false };
  }

  stats(): CacheStats {
    return { entries: this.latest?.size ?? 0, hits: this.hits, misses: this.misses };
  }

  private cacheOf(snapshot: IndexSnapshot): LRUCache<string, View> | undefined {
    if (this.maxEntries === 0) return undefined;
    let cache = this.bySnapshot.get(snapshot);
    if (!cache) {
      cache = new LRUCache<string, View>({ max: this.maxEntries, maxSize: MAX_CACHED_UNITS, sizeCalculation: (view) => JSON.stringify(view).length });
      this.bySnapshot.set(snapshot, cache);
      this.latest = cache;
    }
    return cache;
  }
}
