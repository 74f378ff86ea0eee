// Sorted sets of global article numbers (ascending Uint32Array), and the set algebra the
// candidate stage needs. Intersections start from the smallest set and gallop through the larger.

import type { Budget, Steps } from "./budget.js";

export type DocSet = Uint32Array;

export const EMPTY: DocSet = new Uint32Array(0);

export function intersect(a: DocSet, b: DocSet): DocSet {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const value = a[i]!;
    j = gallop(b, value, j);
    if (j < b.length && b[j] === value) out[n++] = value;
  }
  return out.subarray(0, n);
}

/** First index ≥ from whose value is ≥ target. */
export function gallop(array: DocSet, target: number, from: number): number {
  let step = 1;
  let hi = from;
  while (hi < array.length && array[hi]! < target) {
    from = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, array.length);
  while (from < hi) {
    const mid = (from + hi) >>> 1;
    if (array[mid]! < target) from = mid + 1;
    else hi = mid;
  }
  return from;
}

export function intersectAll(sets: readonly DocSet[]): DocSet {
  if (sets.length === 0) return EMPTY;
  const sorted = [...sets].sort((x, y) => x.length - y.length);
  let result = sorted[0]!;
  for (let i = 1; i < sorted.length && result.length > 0; i++) result = intersect(result, sorted[i]!);
  return result;
}

export function union(a: DocSet, b: DocSet): DocSet {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) out[n++] = a[i++]!;
    else if (y < x) out[n++] = b[j++]!;
    else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

export function unionAll(sets: readonly DocSet[]): DocSet {
  return sets.reduce<DocSet>((acc, set) => union(acc, set), EMPTY);
}

/** Keeps the members for which `keep` holds (which may read each member's text: the budget paces it). */
export function* filter(set: DocSet, keep: (doc: number) => boolean, budget: Budget): Steps<DocSet> {
  const out = new Uint32Array(set.length);
  let n = 0;
  // An index, not for…of: in a generator, the iterator's result objects were garbage per member.
  for (let i = 0; i < set.length; i++) {
    if (budget.due()) yield;
    const doc = set[i]!;
    if (keep(doc)) out[n++] = doc;
  }
  return out.subarray(0, n);
}

/** Whether `doc` is a member (binary search). */
export function has(set: DocSet, doc: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = set[mid]!;
    if (value === doc) return true;
    if (value < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
