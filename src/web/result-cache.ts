// Repeated requests (a page reloaded, back to the previous page, a popular query) are answered from
// a bounded LRU of finished views, one cache per index generation: the first request of a query
// pays for search and snippets, its repeats only for the JSON or HTML. A new generation (a new
// reader of the index) starts an empty cache, so no answer outlives the index it came from.
import { LRUCache } from "lru-cache";
import type { SearchParams } from "./validate.js";

/** Cached views may hold this many UTF-16 code units of JSON in all (about 32 MiB). */
const MAX_CACHED_UNITS = 16 * 2 ** 20;

export interface CacheStats {
  entries: number;
  hits: number;
  misses: number;
}

/** A finished view, as cached: its JSON (without took_ms) is made once, when it is cached or first wanted. */
interface Entry<View> {
  view: View;
  json?: string;
}

function jsonOf<View extends { took_ms: number }>(entry: Entry<View>): string {
  return (entry.json ??= JSON.stringify({ ...entry.view, took_ms: undefined }));
}

/** One request's answer: the view for a page, or the JSON for the API, with this request's took_ms. */
export class Answer<View extends { took_ms: number }> {
  constructor(
    private readonly entry: Entry<View>,
    readonly cached: boolean,
    private readonly tookMs: number,
  ) {}

  get view(): View & { cached: boolean } {
    return { ...this.entry.view, took_ms: this.tookMs, cached: this.cached };
  }

  /** The view as JSON. Why not JSON.stringify(view) per request: for a cached answer that was most of its CPU. */
  json(): string {
    const rest = jsonOf(this.entry).slice(1); // after the opening brace
    return `{"took_ms":${this.tookMs},"cached":${this.cached}${rest === "}" ? "" : ","}${rest}`;
  }
}

export class ResultCache<View extends { took_ms: number }, Params extends object = SearchParams> {
  private readonly byReader = new WeakMap<object, LRUCache<string, Entry<View>>>();
  private hits = 0;
  private misses = 0;
  private latest: LRUCache<string, Entry<View>> | undefined;

  /** `maxEntries` 0 turns caching off. */
  constructor(private readonly maxEntries: number) {}

  /** The answer for these parameters from `reader` (an index generation: search/backend.ts SearchReader): cached (its took_ms then the lookup's), or `compute()`d and kept. */
  async answer(reader: object, params: Params, compute: () => View | Promise<View>): Promise<Answer<View>> {
    const started = performance.now();
    const cache = this.cacheOf(reader);
    if (!cache) return fresh({ view: await compute() });
    const key = cacheKey(params);
    const hit = cache.get(key);
    if (hit) {
      this.hits++;
      return new Answer(hit, true, Math.round((performance.now() - started) * 100) / 100);
    }
    this.misses++;
    const entry = { view: await compute() };
    cache.set(key, entry);
    return fresh(entry);
  }

  stats(): CacheStats {
    return { entries: this.latest?.size ?? 0, hits: this.hits, misses: this.misses };
  }

  private cacheOf(reader: object): LRUCache<string, Entry<View>> | undefined {
    if (this.maxEntries === 0) return undefined;
    let cache = this.byReader.get(reader);
    if (!cache) {
      cache = new LRUCache<string, Entry<View>>({ max: this.maxEntries, maxSize: MAX_CACHED_UNITS, sizeCalculation: (entry) => jsonOf(entry).length });
      this.byReader.set(reader, cache);
      this.latest = cache;
    }
    return cache;
  }
}

/**
 * Every field of the one validated request type (SearchParams, TimelineParams), by name: a parameter added to SearchParams is part
 * of the key without an edit here, so it can never be answered from another request's entry.
 */
export function cacheKey<Params extends object>(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((name) => [name, params[name as keyof Params]]));
}

function fresh<View extends { took_ms: number }>(entry: Entry<View>): Answer<View> {
  return new Answer(entry, false, entry.view.took_ms);
}
