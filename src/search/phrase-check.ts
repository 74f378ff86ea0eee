// Exact substring matching on folded text. The n-gram index proposes documents; this module
// decides, so a phrase is never reported where it does not occur, and never missed where it does.
import type { IndexSnapshot } from "../index/index-reader.js";
import { needleKeys } from "../index/ngram-index.js";
import { TEXT_FIELDS } from "../index/schema.js";
import type { Budget, Steps } from "./budget.js";
import { EMPTY, filter, gallop, intersect, type DocSet } from "./doc-sets.js";

export type Field = "any" | "title";

/**
 * A posting list this many times longer than the candidates so far is not decoded: checking the
 * candidates' text (or a cheaper list) costs less. Used by needleCandidates and strictMatches.
 */
export const DECODE_RATIO = 16;

/** Documents whose folded text holds every n-gram of `needle`: a superset of the documents containing it (exactly those for a needle of one key). */
export function needleCandidates(snapshot: IndexSnapshot, needle: string): DocSet {
  const keys = needleKeys(needle);
  const parts: DocSet[] = [];
  for (const { ngrams, docBase } of snapshot.parts) {
    const counts = keys.map((key) => ngrams.docCount(key));
    if (counts.includes(0)) continue;
    // Rarest keys first: the intersection shrinks fastest.
    const order = keys.map((_, i) => i).sort((a, b) => counts[a]! - counts[b]!);
    let docs = ngrams.postings(keys[order[0]!]!, docBase);
    for (let i = 1; i < order.length && docs.length > 0; i++) {
      // Needles of several keys are checked on the text anyway, so a superset will do: a list many
      // times longer than the candidates costs more to decode than the checks it would save.
      if (counts[order[i]!]! > docs.length * DECODE_RATIO) break;
      docs = intersect(docs, ngrams.postings(keys[order[i]!]!, docBase));
    }
    if (docs.length > 0) parts.push(docs);
  }
  return concatSorted(parts);
}

/** Segments are in docBase order, so their parts concatenate into one sorted set. */
function concatSorted(parts: readonly DocSet[]): DocSet {
  if (parts.length <= 1) return parts[0] ?? EMPTY;
  const all = new Uint32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** Whether the candidates are exactly the documents containing `needle`, without looking at text. */
function candidatesAreExact(needle: string, field: Field, wholeWord: boolean): boolean {
  return field === "any" && needle.length <= 2 && !(wholeWord && hasLatinEnd(needle));
}

/** A Latin letter or digit of folded text (folding made full-width forms ASCII and letters lower case). */
function isLatinUnit(unit: number): boolean {
  return (unit >= 0x61 && unit <= 0x7a) || (unit >= 0x30 && unit <= 0x39);
}

/** Whether a query word starts or ends with Latin text, which must then stand alone: `xi` is not in `vexiq`. */
function hasLatinEnd(needle: string): boolean {
  return needle.length > 0 && (isLatinUnit(needle.charCodeAt(0)) || isLatinUnit(needle.charCodeAt(needle.length - 1)));
}

/**
 * The first occurrence of `needle` in `text` at or after `from`. A query word (`wholeWord`) with
 * Latin text at an end matches only where no Latin letter or digit continues it (`apec`, `g20`,
 * `2019` in 2019年 but not in 20190); quoted phrases match any substring, as typed.
 */
export function findNeedle(text: string, needle: string, from: number, wholeWord: boolean): number {
  let at = text.indexOf(needle, from);
  if (!wholeWord || at < 0 || !hasLatinEnd(needle)) return at;
  const latinStart = isLatinUnit(needle.charCodeAt(0));
  const latinEnd = isLatinUnit(needle.charCodeAt(needle.length - 1));
  while (at >= 0) {
    const before = at > 0 && latinStart && isLatinUnit(text.charCodeAt(at - 1));
    const after = at + needle.length < text.length && latinEnd && isLatinUnit(text.charCodeAt(at + needle.length));
    if (!before && !after) return at;
    at = text.indexOf(needle, at + 1);
  }
  return at;
}

/** Where the article's folded text is searched for the field: [start, end). */
export function fieldRange(snapshot: IndexSnapshot, doc: number, field: Field): { text: string; start: number; end: number } {
  const text = snapshot.folded(doc);
  return field === "title" ? { text, start: 0, end: snapshot.titleLength(doc) } : { text, start: 0, end: text.length };
}

/** Whether the article contains the needle in the field, read from its text. */
export function needleInField(snapshot: IndexSnapshot, doc: number, needle: string, field: Field, wholeWord: boolean): boolean {
  const { text, end } = fieldRange(snapshot, doc, field);
  const at = findNeedle(text, needle, 0, wholeWord);
  return at >= 0 && at + needle.length <= end;
}

/** Whether candidate `doc` (a member of needleCandidates(needle)) really contains the needle in the field. */
export function candidateHolds(snapshot: IndexSnapshot, doc: number, needle: string, field: Field, wholeWord: boolean): boolean {
  return candidatesAreExact(needle, field, wholeWord) || needleInField(snapshot, doc, needle, field, wholeWord);
}

/** An upper bound of needleCandidates(needle).length, from list lengths alone (nothing decoded). */
export function estimateCandidates(snapshot: IndexSnapshot, needle: string): number {
  const keys = needleKeys(needle);
  return Math.min(...keys.map((key) => snapshot.parts.reduce((sum, part) => sum + part.ngrams.docCount(key), 0)));
}

/** The documents among `candidates` (from needleCandidates) that really contain the needle in the field. */
export function* verifyNeedle(snapshot: IndexSnapshot, candidates: DocSet, needle: string, field: Field, wholeWord: boolean, budget: Budget): Steps<DocSet> {
  if (candidatesAreExact(needle, field, wholeWord)) return candidates;
  return yield* filter(candidates, needleCheck(snapshot, candidates, needle, field, wholeWord, true), budget);
}

/** Below this many candidates, reading their texts is cheaper than looking the needle up as a word. */
const WORD_LOOKUP_MIN_CANDIDATES = 64;

/**
 * Whether an article contains the needle in the field, for the members of `candidates`, asked in
 * increasing order. `fromNeedle` says that `candidates` are among needleCandidates(needle), which
 * a short needle's are exactly, so that it needs no check at all. Articles that have the needle
 * as an indexed word of the field need no text either: jieba's words are pieces of the folded text.
 * For a common word (习近平: 20k candidates, nearly all of them holding it as a word) reading the
 * texts was half of the query.
 */
export function needleCheck(
  snapshot: IndexSnapshot,
  candidates: DocSet,
  needle: string,
  field: Field,
  wholeWord: boolean,
  fromNeedle: boolean,
): (doc: number) => boolean {
  if (fromNeedle && candidatesAreExact(needle, field, wholeWord)) return () => true;
  const asWord = candidates.length >= WORD_LOOKUP_MIN_CANDIDATES ? holdersAsWord(snapshot, candidates, needle, field) : undefined;
  let at = 0;
  return (doc) => {
    if (asWord) {
      if (candidates[at] !== doc) at = gallop(candidates, doc, candidates[at]! < doc ? at : 0);
      if (asWord[at] === 1) return true;
    }
    return needleInField(snapshot, doc, needle, field, wholeWord);
  };
}

/**
 * At least how many articles hold `needle` in the field, from one word index alone (nothing
 * decoded): those that have it as a jieba word of the field (of the body, for a needle anywhere).
 */
export function wordHolders(snapshot: IndexSnapshot, needle: string, field: Field): number {
  const name = field === "title" ? "title" : "body";
  let holders = 0;
  for (const { words } of snapshot.parts) holders += words[name].lookup(needle).documentFrequency;
  return holders;
}

/** Marks (1) the candidates whose word index lists the needle as a word of the field. */
function holdersAsWord(snapshot: IndexSnapshot, candidates: DocSet, needle: string, field: Field): Uint8Array {
  const marks = new Uint8Array(candidates.length);
  // The headline alone for a title: search, every text field for one anywhere.
  const fields = TEXT_FIELDS.filter(({ name }) => field === "any" || name === field);
  let from = 0;
  for (const { docBase, size, words } of snapshot.parts) {
    const to = gallop(candidates, docBase + size, from);
    const start = from;
    const docs = candidates.subarray(start, to);
    let at = 0;
    // Visits come in increasing order within a posting list (one walk per headline tf slot).
    const mark = (local: number): void => {
      const doc = local + docBase;
      if (docs[at] !== doc) at = gallop(docs, doc, docs[at]! < doc ? at : 0);
      marks[start + at] = 1;
    };
    if (docs.length > 0) for (const { name } of fields) words[name].lookup(needle).forEachIn(docs, docBase, mark);
    from = to;
  }
  return marks;
}

/** Every start offset of `needle` in `text` (non-overlapping occurrences are what a reader counts); `wholeWord` as for findNeedle. */
export function occurrences(text: string, needle: string, wholeWord: boolean, start = 0, end = text.length): number[] {
  const found: number[] = [];
  if (needle.length === 0) return found;
  for (let at = findNeedle(text, needle, start, wholeWord); at >= 0 && at + needle.length <= end; at = findNeedle(text, needle, at + needle.length, wholeWord)) {
    found.push(at);
  }
  return found;
}

/** occurrences(text, needle, wholeWord, 0, end).length, without the list. */
export function countOccurrences(text: string, needle: string, wholeWord: boolean, end = text.length): number {
  let count = 0;
  if (needle.length === 0) return count;
  for (let at = findNeedle(text, needle, 0, wholeWord); at >= 0 && at + needle.length <= end; at = findNeedle(text, needle, at + needle.length, wholeWord)) count++;
  return count;
}
