// Relevance: BM25 over jieba terms of the text fields of schema.ts (the headline weighs more than
// the body: a simplified BM25F, each field saturates on its own, the sum is weighted), plus bonuses
// for the query's words standing together. Ties break deterministically: newer first, then id.
import type { IndexSnapshot } from "../index/index-reader.js";
import { BM25_K1, TEXT_FIELDS } from "../index/schema.js";
import { Budget, runToEnd, type Steps } from "./budget.js";
import { gallop, type DocSet } from "./doc-sets.js";

/** IDF from the largest of the fields' document frequencies (a term mostly in bodies still counts as common). */
export function idf(size: number, documentFrequency: number): number {
  return Math.log(1 + (size - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** BM25's saturation of a term frequency in a field of `length` terms (`average`: the field's mean length). */
export function saturate(tf: number, length: number, average: number, b: number): number {
  return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - b + (b * length) / average));
}

/**
 * Adds each term's BM25 contribution to `scores[doc]` for the documents of `matched`.
 * `weights` scale terms (a repeated query term counts more; a relaxed match counts less).
 * A posting list is walked by a callback, which cannot yield: it pauses between lists.
 */
export function* addBm25(
  snapshot: IndexSnapshot,
  terms: ReadonlyArray<{ term: string; weight: number }>,
  matched: DocSet,
  scores: Float64Array,
  budget: Budget,
): Steps<void> {
  const parts = snapshot.parts;
  for (const { term, weight } of terms) {
    // postings[part][field], looked up once for the document frequencies and the scores.
    const postings = parts.map(({ words }) => TEXT_FIELDS.map(({ name }) => words[name].lookup(term)));
    let documentFrequency = 0;
    TEXT_FIELDS.forEach((_, f) => {
      let frequency = 0;
      for (const part of postings) frequency += part[f]!.documentFrequency;
      documentFrequency = Math.max(documentFrequency, frequency);
    });
    const termIdf = weight * idf(snapshot.size, documentFrequency);
    let from = 0;
    for (const [p, { docBase, size, termCounts }] of parts.entries()) {
      const to = gallop(matched, docBase + size, from);
      const docs = matched.subarray(from, to);
      from = to;
      if (docs.length === 0) continue;
      for (const [f, { name, b, weight: fieldWeight }] of TEXT_FIELDS.entries()) {
        const lengths = termCounts[name];
        const average = snapshot.averageTermCounts[name];
        let due = false;
        postings[p]![f]!.forEachIn(docs, docBase, (local, tf) => {
          due = budget.due();
          scores[local + docBase]! += termIdf * fieldWeight * saturate(tf, lengths[local]!, average, b);
        });
        if (due) yield;
      }
    }
  }
}

export interface Ranked {
  doc: number;
  /** How many of the query's required items the article has: more items rank first, whatever the score. */
  tier: number;
  score: number;
  /** dateSortKey() of the article's date. */
  date: number;
}

/** Relevance, or by date: newest first, or oldest first (the first mention). */
export const SORT_ORDERS = ["relevance", "newest", "oldest"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * Ties of tier, score and date go to the smaller article id: the same order from any build of the
 * same seeds. Undated articles come last in either date order (they are no one's first mention).
 */
export function compareRanked(order: SortOrder, idOf: (doc: number) => string): (a: Ranked, b: Ranked) => number {
  // Signs, not differences: a fractional difference is a new heap number per comparison.
  const byScore = (a: Ranked, b: Ranked): number => (a.tier > b.tier ? -1 : a.tier < b.tier ? 1 : a.score > b.score ? -1 : a.score < b.score ? 1 : 0);
  const byDate = (a: Ranked, b: Ranked): number => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0);
  const byFirstDate = (a: Ranked, b: Ranked): number => {
    if (a.date === b.date) return 0;
    if (a.date === -Infinity || b.date === -Infinity) return a.date === -Infinity ? 1 : -1;
    return a.date < b.date ? -1 : 1;
  };
  // Ids are looked up only for such ties: cutting 20k id strings per common query was a tenth of it.
  const byId = (a: Ranked, b: Ranked): number => {
    if (a.doc === b.doc) return 0;
    const [x, y] = [idOf(a.doc), idOf(b.doc)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  if (order === "newest") return (a, b) => byDate(a, b) || byScore(a, b) || byId(a, b);
  if (order === "oldest") return (a, b) => byFirstDate(a, b) || byScore(a, b) || byId(a, b);
  return (a, b) => byScore(a, b) || byDate(a, b) || byId(a, b);
}

/** Items sorted at once (natively) before the merges: about a quarter of a millisecond of comparisons. */
const SORTED_RUN = 512;

/** The first `k` of `items` in `compare` order (as a stable sort would put them), without pausing. */
export function topK<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number): T[] {
  return runToEnd(topKSteps(items, k, compare, Budget.unlimited()));
}

/**
 * The first `k` of `items` in `compare` order, paced by the budget: sorting 75k entries at once held
 * the only thread for 50–150 ms under load. Stable: of two items that compare equal, the earlier
 * comes first. A few of many (a page of 11,923 hits of 北京) are selected with a heap, where most
 * items lose one comparison against the worst kept; more are merge-sorted in short sorted runs,
 * each cut to `k`.
 */
export function* topKSteps<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number, budget: Budget): Steps<T[]> {
  if (k <= 0 || items.length === 0) return [];
  if (items.length > k * 4) return yield* heapSelect(items, k, compare, budget);
  let runs: T[][] = [];
  for (let start = 0; start < items.length; start += SORTED_RUN) {
    const run = items.slice(start, start + SORTED_RUN).sort(compare);
    const sorted = run.length;
    if (run.length > k) run.length = k;
    runs.push(run);
    if (budget.due(sorted * Math.log2(SORTED_RUN))) yield;
  }
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let i = 0; i + 1 < runs.length; i += 2) merged.push(yield* mergeRuns(runs[i]!, runs[i + 1]!, k, compare, budget));
    if (runs.length % 2 === 1) merged.push(runs.at(-1)!);
    runs = merged;
  }
  return runs[0]!;
}

/** The first `k` of many `items` (k < items.length): a heap of the best so far, the worst of them on top. */
function* heapSelect<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number, budget: Budget): Steps<T[]> {
  // Item numbers break ties, as a stable sort would: the later of two equal items ranks after.
  const after = (i: number, j: number): boolean => {
    const order = compare(items[i]!, items[j]!);
    return order > 0 || (order === 0 && i > j);
  };
  const heap = new Int32Array(k);
  const siftDown = (size: number): void => {
    for (let at = 0; ; ) {
      const left = 2 * at + 1;
      if (left >= size) return;
      const child = left + 1 < size && after(heap[left + 1]!, heap[left]!) ? left + 1 : left;
      if (!after(heap[child]!, heap[at]!)) return;
      [heap[at], heap[child]] = [heap[child]!, heap[at]!];
      at = child;
    }
  };
  for (let i = 0; i < k; i++) {
    heap[i] = i;
    for (let at = i; at > 0 && after(heap[at]!, heap[(at - 1) >> 1]!); at = (at - 1) >> 1) {
      [heap[at], heap[(at - 1) >> 1]] = [heap[(at - 1) >> 1]!, heap[at]!];
    }
  }
  for (let i = k; i < items.length; i++) {
    if (budget.due()) yield;
    if (!after(heap[0]!, i)) continue;
    heap[0] = i;
    siftDown(k);
  }
  return Array.from(heap)
    .sort((i, j) => compare(items[i]!, items[j]!) || i - j)
    .map((i) => items[i]!);
}

/** The first `k` of two sorted runs, `first`'s items before equal ones of `second` (stability). */
function* mergeRuns<T>(first: readonly T[], second: readonly T[], k: number, compare: (a: T, b: T) => number, budget: Budget): Steps<T[]> {
  const length = Math.min(k, first.length + second.length);
  const out = new Array<T>(length);
  let i = 0;
  let j = 0;
  for (let n = 0; n < length; n++) {
    if (budget.due()) yield;
    out[n] = j >= second.length || (i < first.length && compare(first[i]!, second[j]!) <= 0) ? first[i++]! : second[j++]!;
  }
  return out;
}
