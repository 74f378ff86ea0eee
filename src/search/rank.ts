// Relevance: BM25 over jieba terms, with the headline as a second, heavier field (a simplified
// BM25F: each field saturates on its own, the sum is weighted), plus bonuses for the query's
// words standing together. Ties break deterministically: newer first, then id.
import type { IndexSnapshot } from "../index/index-reader.js";
import { gallop, type DocSet } from "./doc-sets.js";

export const BM25 = { k1: 1.2, bBody: 0.75, bTitle: 0.5, titleWeight: 5 } as const;

/** IDF from the larger of the two fields' document frequencies (a term mostly in bodies still counts as common). */
function idf(size: number, documentFrequency: number): number {
  return Math.log(1 + (size - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

function saturate(tf: number, length: number, average: number, b: number): number {
  return (tf * (BM25.k1 + 1)) / (tf + BM25.k1 * (1 - b + (b * length) / average));
}

/**
 * Adds each term's BM25 contribution to `scores[doc]` for the documents of `matched`.
 * `weights` scale terms (a repeated query term counts more; a relaxed match counts less).
 */
export function addBm25(
  snapshot: IndexSnapshot,
  terms: ReadonlyArray<{ term: string; weight: number }>,
  matched: DocSet,
  scores: Float64Array,
): void {
  for (const { term, weight } of terms) {
    const postings = snapshot.segments.map((segment) => ({ title: segment.titleWords.lookup(term), body: segment.bodyWords.lookup(term) }));
    let titleFrequency = 0;
    let bodyFrequency = 0;
    for (const { title, body } of postings) {
      titleFrequency += title.documentFrequency;
      bodyFrequency += body.documentFrequency;
    }
    const termIdf = weight * idf(snapshot.size, Math.max(titleFrequency, bodyFrequency));
    let from = 0;
    snapshot.segments.forEach(({ docBase, store }, s) => {
      const to = gallop(matched, docBase + store.size, from);
      const docs = matched.subarray(from, to);
      from = to;
      if (docs.length === 0) return;
      for (const [field, lengths, average, b, fieldWeight] of [
        [postings[s]!.title, store.titleTerms, snapshot.averageTitleTerms, BM25.bTitle, BM25.titleWeight],
        [postings[s]!.body, store.bodyTerms, snapshot.averageBodyTerms, BM25.bBody, 1],
      ] as const) {
        field.forEachIn(docs, docBase, (local, tf) => {
          scores[local + docBase]! += termIdf * fieldWeight * saturate(tf, lengths[local]!, average, b);
        });
      }
    });
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

export type SortOrder = "relevance" | "date";

/** Ties of tier, score and date go to the smaller article id: the same order from any build of the same seeds. */
export function compareRanked(order: SortOrder, idOf: (doc: number) => string): (a: Ranked, b: Ranked) => number {
  const byScore = (a: Ranked, b: Ranked): number => b.tier - a.tier || b.score - a.score;
  const byDate = (a: Ranked, b: Ranked): number => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0);
  // Ids are looked up only for such ties: cutting 20k id strings per common query was a tenth of it.
  const byId = (a: Ranked, b: Ranked): number => {
    if (a.doc === b.doc) return 0;
    const [x, y] = [idOf(a.doc), idOf(b.doc)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return order === "date"
    ? (a, b) => byDate(a, b) || byScore(a, b) || byId(a, b)
    : (a, b) => byScore(a, b) || byDate(a, b) || byId(a, b);
}

/** The first `k` of `items` in `compare` order, without sorting everything. */
export function topK<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  if (items.length <= k * 4) return [...items].sort(compare).slice(0, k);
  // Keep a sorted window of the best k; most items lose against its last element at once.
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(best[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}

