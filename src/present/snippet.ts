// Snippet selection: which passages of an article a hit shows, as offsets. No HTML here
// (present/highlight.ts renders the fragments).
//
//   matches ─ clamp + merge ──────────────────────────────────────────────────────────▶ ranges to mark
//   matches ─ sort ─ sliding window per free gap ─▶ best cluster ─ context from its paragraph
//           ─ snap edges to sentence ends ─ widen over merged ranges ─▶ Fragment
//   The window step repeats up to maxFragments times, each round preferring keys not shown yet and
//   leaving a margin around the fragments taken, so that fragments never touch.
//
// Cost: one sort of the matches, then O(matches) per fragment. Text is only read near fragment edges.
import type { TextRange } from "../types.js";

/** One occurrence of a query item: UTF-16 offsets into the display text, `key` names the item that matched. */
export interface Match extends TextRange {
  key: number;
}

/** A passage to show: `text.slice(start, end)` with the (merged, sorted) `matches` inside it to mark. */
export interface Fragment {
  start: number;
  end: number;
  matches: TextRange[];
  /** The passage starts inside a sentence: text of that sentence is left out before it. */
  cutBefore: boolean;
  /** The passage stops inside a sentence: text of that sentence is left out after it. */
  cutAfter: boolean;
}

export interface SnippetOptions {
  /** At most this many fragments (default 3). */
  maxFragments?: number;
  /** Aimed-for fragment length in UTF-16 units (default 120); snapping makes fragments ~100–160. */
  targetLength?: number;
}

/** How far a fragment edge may move to land on a sentence (or clause) boundary. */
const SNAP = 15;
/** Context kept on each side of the matches of a fragment, before snapping. */
const MIN_CONTEXT = 8;
/** Text left out between two fragments at least, so that the " … " between them never lies. */
const MIN_OMITTED = 10;

/** Code-unit sets: a one-character string per checked position would be allocated otherwise (CJK is never in V8's one-byte cache). */
const unitsOf = (chars: string): Set<number> => new Set([...chars].map((char) => char.charCodeAt(0)));
const SENTENCE_ENDS = unitsOf("。！？；!?;");
// ASCII quotes are left out: in running text they open as often as they close.
const CLOSERS = unitsOf("”’」』）》〉】)");
const CLAUSE_ENDS = unitsOf("，、：,:");
const NEWLINE = 0x0a;
/** What /\s/ matches. */
const SPACES = unitsOf("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff");

/**
 * The best passages of `text` for `matches`. A window's worth is its number of distinct keys, then its
 * number of matches; after the first fragment, keys not shown yet count first. Edges land on sentence
 * ends (。！？；!?; and line breaks) within ~15 units when there is one, else on a clause end (，、：),
 * and never split a match or a surrogate pair. Fragments come in text order and do not overlap or touch.
 * Without any match in range: the text's opening (~targetLength, snapped). Empty text: no fragment.
 */
export function selectFragments(text: string, matches: readonly Match[], options: SnippetOptions = {}): Fragment[] {
  const maxFragments = options.maxFragments ?? 3;
  const targetLength = Math.max(1, options.targetLength ?? 120);
  if (text.length === 0 || maxFragments < 1) return [];
  const { occurrences, keys } = occurrencesOf(text, matches);
  if (occurrences.length === 0) {
    const opening = frameOpening(text, targetLength);
    return opening ? [opening] : [];
  }
  const ranges = mergeSorted(occurrences);
  // A window spans at most `reach` from its first match's start, so that context still fits around it.
  const reach = Math.max(1, targetLength - 2 * MIN_CONTEXT);
  const taken: TextRange[] = [];
  const shown = new Uint8Array(keys);
  while (taken.length < maxFragments) {
    const cluster = bestCluster(occurrences, keys, taken, shown, text.length, reach);
    if (!cluster) break;
    const fragment = frameCluster(text, ranges, cluster, targetLength);
    taken.splice(insertionIndex(taken, fragment.start), 0, fragment);
    for (let index = firstStartingAt(occurrences, fragment.start); index < occurrences.length; index++) {
      const occurrence = occurrences[index]!;
      if (occurrence.start >= fragment.end) break;
      shown[occurrence.key] = 1;
    }
  }
  return describe(text, ranges, joinTouching(taken));
}

/**
 * `matches` made safe to mark: clamped to the text, widened so no edge splits a surrogate pair, empty
 * ones dropped, sorted, and overlapping or adjacent ones merged. highlight.ts emits one mark per range.
 */
export function mergeMatches(text: string, matches: readonly TextRange[]): TextRange[] {
  const ranges = matches
    .map((match) => clampRange(text, match))
    .filter((range) => range.start < range.end)
    .sort((a, b) => a.start - b.start);
  return mergeSorted(ranges);
}

function mergeSorted(ranges: readonly TextRange[]): TextRange[] {
  const merged: TextRange[] = [];
  for (const { start, end } of ranges) {
    const last = merged.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else merged.push({ start, end });
  }
  return merged;
}

/** A match as the window search sees it: clamped, with its key renumbered 0, 1, … so counts fit in arrays. */
interface Occurrence extends TextRange {
  key: number;
}

/** The non-empty matches, clamped (see clampRange) and sorted by start, and how many distinct keys they have. */
function occurrencesOf(text: string, matches: readonly Match[]): { occurrences: Occurrence[]; keys: number } {
  const renumbered = new Map<number, number>();
  const occurrences: Occurrence[] = [];
  for (const match of matches) {
    const { start, end } = clampRange(text, match);
    if (start >= end) continue;
    let key = renumbered.get(match.key);
    if (key === undefined) {
      key = renumbered.size;
      renumbered.set(match.key, key);
    }
    occurrences.push({ start, end, key });
  }
  occurrences.sort((a, b) => a.start - b.start);
  return { occurrences, keys: renumbered.size };
}

/** `range` inside [0, text.length], widened by one unit at an edge that would split a surrogate pair. */
export function clampRange(text: string, range: TextRange): TextRange {
  let start = Math.min(Math.max(range.start, 0), text.length);
  let end = Math.min(Math.max(range.end, start), text.length);
  if (splitsPair(text, start)) start--;
  if (splitsPair(text, end)) end++;
  return { start, end };
}

interface Cluster {
  /** From the first match's start to the furthest match end of the window. */
  start: number;
  end: number;
  /** The free stretch of text (fragments already taken, and a margin, left out) the window lies in. */
  gap: TextRange;
}

/**
 * The best window of matches lying in one free gap: most keys not in `shown`, then most distinct keys,
 * then most matches; the earliest wins ties. Two pointers per gap, so O(matches).
 */
function bestCluster(
  occurrences: readonly Occurrence[],
  keys: number,
  taken: readonly TextRange[],
  shown: Uint8Array,
  textLength: number,
  reach: number,
): Cluster | undefined {
  let best: { fresh: number; distinct: number; count: number; left: number; right: number; gap: TextRange } | undefined;
  // Every window removes what it added, so the counts are all zero again at the end of each gap.
  const counts = new Uint32Array(keys);
  let next = 0;
  for (let gapIndex = 0; gapIndex <= taken.length; gapIndex++) {
    const before = taken[gapIndex - 1];
    const after = taken[gapIndex];
    const gap = {
      start: before ? before.end + MIN_OMITTED : 0,
      end: after ? after.start - MIN_OMITTED : textLength,
    };
    // Every match is inside a taken fragment or clear of all of them (fragments are widened over
    // merged matches). A window takes the matches starting in the gap: the last may run into the
    // margin after it, never into the next fragment.
    while (next < occurrences.length && occurrences[next]!.start < gap.start) next++;
    const from = next;
    while (next < occurrences.length && occurrences[next]!.start < gap.end) next++;
    const to = next;

    let distinct = 0;
    let fresh = 0;
    let right = from;
    for (let left = from; left < to; left++) {
      const first = occurrences[left]!;
      while (right < to && occurrences[right]!.start - first.start <= reach) {
        const key = occurrences[right]!.key;
        if (counts[key]!++ === 0) {
          distinct++;
          if (!shown[key]) fresh++;
        }
        right++;
      }
      const count = right - left;
      if (
        !best ||
        fresh > best.fresh ||
        (fresh === best.fresh && (distinct > best.distinct || (distinct === best.distinct && count > best.count)))
      ) {
        best = { fresh, distinct, count, left, right, gap };
      }
      if (--counts[first.key]! === 0) {
        distinct--;
        if (!shown[first.key]) fresh--;
      }
    }
  }
  if (!best) return undefined;
  let end = 0;
  for (let index = best.left; index < best.right; index++) end = Math.max(end, occurrences[index]!.end);
  return { start: occurrences[best.left]!.start, end, gap: { start: best.gap.start, end: Math.max(best.gap.end, end) } };
}

/**
 * A cluster with context to ~targetLength, edges snapped inside its gap, never cutting a merged match.
 * Context comes from the cluster's own paragraph first; only a paragraph shorter than the window by
 * more than the snapping slack lets it spill into the neighbouring ones.
 */
function frameCluster(text: string, ranges: readonly TextRange[], cluster: Cluster, targetLength: number): TextRange {
  const room = Math.max(targetLength - (cluster.end - cluster.start), 2 * MIN_CONTEXT);
  const width = cluster.end - cluster.start + room;
  const paragraph = paragraphAround(text, cluster, targetLength + SNAP);
  let [start, end] = fit(cluster.start - Math.floor(room / 2), cluster.end + Math.ceil(room / 2), paragraph);
  const spare = width - (end - start);
  if (spare > 2 * SNAP) [start, end] = fit(start - Math.floor(spare / 2), end + Math.ceil(spare / 2), cluster.gap);
  start = snapStart(text, start, cluster.gap.start, cluster.start);
  end = snapEnd(text, end, cluster.end, cluster.gap.end);
  return widenOverRanges(ranges, start, end);
}

/** The line(s) holding the cluster, inside its gap, looking at most `limit` units beyond the cluster. */
function paragraphAround(text: string, cluster: Cluster, limit: number): TextRange {
  let start = cluster.start;
  const lowest = Math.max(cluster.gap.start, cluster.start - limit);
  while (start > lowest && text.charCodeAt(start - 1) !== NEWLINE) start--;
  let end = cluster.end;
  const highest = Math.min(cluster.gap.end, cluster.end + limit);
  while (end < highest && text.charCodeAt(end) !== NEWLINE) end++;
  return { start, end };
}

/** [start, end) moved into `bounds`: what sticks out on one side is added on the other, as far as `bounds` allow. */
function fit(start: number, end: number, bounds: TextRange): [number, number] {
  if (start < bounds.start) {
    end += bounds.start - start;
    start = bounds.start;
  }
  if (end > bounds.end) {
    start = Math.max(bounds.start, start - (end - bounds.end));
    end = bounds.end;
  }
  return [start, end];
}

/** The first ~targetLength of the text, snapped, for an article with nothing to mark. */
function frameOpening(text: string, targetLength: number): Fragment | undefined {
  const start = skipSpaceForward(text, 0, text.length);
  if (start === text.length) return undefined;
  const desired = start + targetLength;
  const end = desired >= text.length ? skipSpaceBackward(text, text.length, start) : snapEnd(text, desired, start + 1, text.length);
  return { start, end, matches: [], cutBefore: false, cutAfter: !isSentenceEnd(text, end) };
}

/** Nearest sentence start to `desired` in [lo, hi], else nearest clause start, else `desired`; then past white space. */
function snapStart(text: string, desired: number, lo: number, hi: number): number {
  const from = Math.max(lo, desired - SNAP);
  const to = Math.min(hi, desired + SNAP);
  const at =
    nearest(from, to, desired, (p) => isSentenceStart(text, p)) ??
    nearest(from, to, desired, (p) => CLAUSE_ENDS.has(text.charCodeAt(p - 1))) ??
    (splitsPair(text, desired) ? desired - 1 : desired);
  return skipSpaceForward(text, at, hi);
}

/** Nearest sentence end to `desired` in [lo, hi], else nearest clause end, else `desired`; then before white space. */
function snapEnd(text: string, desired: number, lo: number, hi: number): number {
  const from = Math.max(lo, desired - SNAP);
  const to = Math.min(hi, desired + SNAP);
  const at =
    nearest(from, to, desired, (p) => isSentenceEnd(text, p)) ??
    nearest(from, to, desired, (p) => CLAUSE_ENDS.has(text.charCodeAt(p - 1))) ??
    (splitsPair(text, desired) ? desired + 1 : desired);
  return skipSpaceBackward(text, at, lo);
}

function nearest(from: number, to: number, desired: number, accepts: (p: number) => boolean): number | undefined {
  let best: number | undefined;
  for (let p = from; p <= to; p++) {
    if (accepts(p) && (best === undefined || Math.abs(p - desired) < Math.abs(best - desired))) best = p;
  }
  return best;
}

/** Whether a sentence begins at `p` (ignoring spaces before it): text start, line start, or after a sentence end. */
function isSentenceStart(text: string, p: number): boolean {
  let q = p;
  while (q > 0 && isInlineSpace(text.charCodeAt(q - 1))) q--;
  return q === 0 || text.charCodeAt(q - 1) === NEWLINE || closesSentence(text, q);
}

/** Whether a sentence ends at `p` (ignoring spaces after it): text end, line end, or after a sentence end. */
function isSentenceEnd(text: string, p: number): boolean {
  let q = p;
  while (q < text.length && isInlineSpace(text.charCodeAt(q))) q++;
  return q === text.length || text.charCodeAt(q) === NEWLINE || closesSentence(text, p);
}

/** A terminator, then any closing quotes or brackets, ends right before `p` (“……。”: after the ”). */
function closesSentence(text: string, p: number): boolean {
  if (CLOSERS.has(text.charCodeAt(p))) return false;
  let q = p;
  while (q > 0 && CLOSERS.has(text.charCodeAt(q - 1))) q--;
  return q > 0 && SENTENCE_ENDS.has(text.charCodeAt(q - 1));
}

function isInlineSpace(unit: number): boolean {
  return unit !== NEWLINE && SPACES.has(unit);
}

function skipSpaceForward(text: string, p: number, limit: number): number {
  while (p < limit && SPACES.has(text.charCodeAt(p))) p++;
  return p;
}

function skipSpaceBackward(text: string, p: number, limit: number): number {
  while (p > limit && SPACES.has(text.charCodeAt(p - 1))) p--;
  return p;
}

function splitsPair(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** [start, end) widened so that no merged range straddles an edge. */
function widenOverRanges(ranges: readonly TextRange[], start: number, end: number): TextRange {
  const atStart = ranges[firstEndingAfter(ranges, start)];
  const atEnd = ranges[firstEndingAfter(ranges, end)];
  return {
    start: atStart && atStart.start < start ? atStart.start : start,
    end: atEnd && atEnd.start < end ? atEnd.end : end,
  };
}

/** Index of the first range whose end is after `p` (merged ranges have increasing ends). */
function firstEndingAfter(ranges: readonly TextRange[], p: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.end > p) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index of the first occurrence starting at or after `p`. */
function firstStartingAt(occurrences: readonly Occurrence[], p: number): number {
  let lo = 0;
  let hi = occurrences.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (occurrences[mid]!.start >= p) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function insertionIndex(taken: readonly TextRange[], start: number): number {
  const index = taken.findIndex((range) => range.start > start);
  return index === -1 ? taken.length : index;
}

/** Fragments that touch read as one passage, so they become one. */
function joinTouching(taken: readonly TextRange[]): TextRange[] {
  const joined: TextRange[] = [];
  for (const range of taken) {
    const last = joined.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else joined.push({ ...range });
  }
  return joined;
}

function describe(text: string, ranges: readonly TextRange[], taken: readonly TextRange[]): Fragment[] {
  return taken.map(({ start, end }) => {
    const matches: TextRange[] = [];
    // Merged ranges lie inside a fragment or clear of it, so the first one ending after its start is its first.
    for (let index = firstEndingAfter(ranges, start); index < ranges.length && ranges[index]!.end <= end; index++) {
      matches.push({ ...ranges[index]! });
    }
    return { start, end, matches, cutBefore: !isSentenceStart(text, start), cutAfter: !isSentenceEnd(text, end) };
  });
}
