// Text of the archive one character away from a typed piece: the candidates of a one-character typo
// (缓南 → 缓中, 最军 → 叛军). Read from the n-gram index, so a candidate is any text the articles hold,
// not only the words jieba keeps whole (缓中趋稳 is cut 缓/中/趋稳). A character can stand at a
// position only if it forms, with each neighbour, a pair that some article holds. How many articles
// hold the new text is estimated from its pairs without reading any posting list (a chain of pairs:
// c(ab)·c(bc)/c(b), never more than its rarest pair), which ranks a position's candidates. Both
// scans are paced by the request's budget (budget.ts), as the search's loops are.
import { characterReadings, isHan } from "../analysis/pinyin.js";
import { BUILD_CHUNK, Derived } from "../index/derived.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { bigramKey, type Predecessors } from "../index/ngram-index.js";
import { Budget, runToEnd, type Steps } from "./budget.js";

export interface NearbyText {
  text: string;
  /** Offset of the changed character. */
  at: number;
  /** About how many articles hold the text (an upper bound: the fewest of any of its pairs). */
  estimate: number;
  /** Whether the new character can be read like the typed one (tones ignored): an input method's slip. */
  soundsAlike: boolean;
}

const HAN_FIRST = 0x3400;
const HAN_LAST = 0x9fff;
const isHanUnit = (unit: number): boolean => unit >= HAN_FIRST && unit <= HAN_LAST;

/** Every Han character of the archive (code units) with the articles holding it: what may stand first in a piece. */
export const HAN_CHARACTERS = new Derived<IndexSnapshot, Map<number, number>>("han characters", function* (snapshot) {
  const found = new Map<number, number>();
  for (const { ngrams } of snapshot.parts) {
    ngrams.forEachCharacter((unit, docs) => isHanUnit(unit) && found.set(unit, (found.get(unit) ?? 0) + docs));
    yield;
  }
  return found;
});

/** Each segment's pairs by second character (NgramIndex.predecessorsSteps), in the order of snapshot.parts. */
export const PAIR_PREDECESSORS = new Derived<IndexSnapshot, Predecessors[]>("pair predecessors", function* (snapshot) {
  const tables: Predecessors[] = [];
  for (const { ngrams } of snapshot.parts) tables.push(yield* ngrams.predecessorsSteps(BUILD_CHUNK));
  return tables;
});

/**
 * Articles holding the pair (unit, next) for every unit, summed over segments, for one `next` at a
 * time: filled from the segments' predecessors of `next`, then read per candidate character (an
 * array read instead of a binary search of every segment's keys, which was most of a typo check's
 * time). A slot counts only when stamped by the current fill. Searches that take turns share the
 * table: one that paused checks that the fill is still its own (pairsBefore()).
 */
const pairCounts = new Uint32Array(0x10000);
const pairStamps = new Uint32Array(0x10000);
let fill = 0;

/** Fills the table for `next`; returns the fill's stamp. */
function countPairsBefore(snapshot: IndexSnapshot, next: number, budget: Budget): number {
  fill = (fill + 1) >>> 0 || 1;
  if (fill === 1) pairStamps.fill(0);
  const tables = PAIR_PREDECESSORS.get(snapshot, budget);
  snapshot.parts.forEach(({ ngrams }, i) =>
    ngrams.forEachPredecessor(tables[i]!, next, (first, docs) => {
      if (pairStamps[first] === fill) pairCounts[first]! += docs;
      else {
        pairStamps[first] = fill;
        pairCounts[first] = docs;
      }
    }),
  );
  return fill;
}

const pairCountBefore = (unit: number): number => (pairStamps[unit] === fill ? pairCounts[unit]! : 0);

/** Articles holding the key (a character or a pair), summed over segments. */
function keyCount(snapshot: IndexSnapshot, key: number): number {
  let count = 0;
  for (const { ngrams } of snapshot.parts) count += ngrams.docCount(key);
  return count;
}

/** The characters that follow `first` somewhere, with the articles holding each pair. */
function followers(snapshot: IndexSnapshot, first: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const { ngrams } of snapshot.parts) ngrams.forEachFollower(first, (second, docs) => isHanUnit(second) && found.set(second, (found.get(second) ?? 0) + docs));
  return found;
}

/**
 * About how many articles hold a text whose pairs are held by `pairs[i]` articles and characters by
 * `characters[i]`: its first pair, then each next pair given the character they share
 * (c(ab)·c(bc)/c(b)), never more than its rarest pair.
 */
function chainEstimate(pairs: readonly number[], characters: readonly number[]): number {
  let estimate = pairs[0]!;
  let rarest = pairs[0]!;
  for (let i = 1; i < pairs.length; i++) {
    estimate = (estimate * pairs[i]!) / Math.max(1, characters[i]!);
    rarest = Math.min(rarest, pairs[i]!);
  }
  return Math.min(estimate, rarest);
}

const readingsByUnit = new Map<number, readonly string[]>();

function soundsAlike(typed: readonly string[], unit: number): boolean {
  let readings = readingsByUnit.get(unit);
  if (!readings) readingsByUnit.set(unit, (readings = characterReadings(String.fromCharCode(unit))));
  return readings.some((reading) => typed.includes(reading));
}

/**
 * Per position of `piece` (Han text of two or more characters), the `perPosition` texts with another
 * character there that the archive most probably holds, and up to as many more whose new character
 * sounds like the typed one (an input method offers those, however rare the text). Only texts whose
 * every pair and character at least `minimum` articles hold (no fewer can hold the text): a caller
 * that wants common text says so, and most characters are ruled out by a count already at hand.
 */
export function oneCharacterAway(snapshot: IndexSnapshot, piece: string, perPosition: number, minimum = 1): NearbyText[] {
  return runToEnd(oneCharacterAwaySteps(snapshot, piece, perPosition, minimum, Budget.unlimited()));
}

/** oneCharacterAway() within the request's budget: each character tried at a position is an item of work. */
export function* oneCharacterAwaySteps(snapshot: IndexSnapshot, piece: string, perPosition: number, minimum: number, budget: Budget): Steps<NearbyText[]> {
  if (piece.length < 2 || !isHan(piece)) return [];
  const units = [...piece].map((character) => character.charCodeAt(0));
  // Looked up once; a candidate changes only the pairs and the character at its position.
  const pairs = units.slice(1).map((unit, i) => keyCount(snapshot, bigramKey(units[i]!, unit)));
  const characters = units.map((unit) => keyCount(snapshot, unit));
  const han = HAN_CHARACTERS.get(snapshot, budget);
  const found: NearbyText[] = [];
  for (let at = 0; at < units.length; at++) {
    if (pairs.some((count, i) => i !== at - 1 && i !== at && count < minimum)) continue;
    // The characters that can follow the one before (a range of pair keys, with their counts), or
    // for the first position every character (with its own count); the pair with the next one is looked up.
    const options = at > 0 ? followers(snapshot, units[at - 1]!) : han;
    const typed = units[at]!;
    const next = units[at + 1];
    let filled = next === undefined ? 0 : countPairsBefore(snapshot, next, budget);
    const ranked: Array<{ unit: number; estimate: number }> = [];
    const changedPairs = pairs.slice();
    const changedCharacters = characters.slice();
    for (const [unit, before] of options) {
      if (budget.due()) {
        yield;
        // Another search may have filled the table meanwhile: the same counts are read again.
        if (next !== undefined && fill !== filled) filled = countPairsBefore(snapshot, next, budget);
      }
      if (unit === typed || before < minimum) continue;
      if (next !== undefined) {
        changedPairs[at] = pairCountBefore(unit);
        if (changedPairs[at]! < minimum || changedPairs[at] === 0) continue;
      }
      if (at > 0) changedPairs[at - 1] = before;
      // Only a character between two pairs divides the chain (a character that follows another is in HAN_CHARACTERS).
      if (at > 0 && next !== undefined) changedCharacters[at] = han.get(unit)!;
      ranked.push({ unit, estimate: chainEstimate(changedPairs, changedCharacters) });
    }
    ranked.sort((a, b) => b.estimate - a.estimate);
    if (budget.due(ranked.length)) yield;
    const typedReadings = characterReadings(piece[at]!);
    const nearby = ({ unit, estimate }: { unit: number; estimate: number }, alike: boolean): NearbyText => ({
      text: piece.slice(0, at) + String.fromCharCode(unit) + piece.slice(at + 1),
      at,
      estimate,
      soundsAlike: alike,
    });
    for (const option of ranked.slice(0, perPosition)) found.push(nearby(option, soundsAlike(typedReadings, option.unit)));
    let alike = 0;
    for (let i = perPosition; i < ranked.length && alike < perPosition; i++) {
      if (!soundsAlike(typedReadings, ranked[i]!.unit)) continue;
      found.push(nearby(ranked[i]!, true));
      alike++;
    }
  }
  return found;
}

/**
 * Every text one character away from `piece` in the given articles (those that have the rest of the
 * query), with how many of them hold it: the candidates that the context itself offers, however rare
 * in the archive (叛军 beside 劫掠).
 */
export function oneCharacterAwayIn(snapshot: IndexSnapshot, piece: string, docs: Iterable<number>): Map<string, { at: number; docs: number }> {
  return runToEnd(oneCharacterAwayInSteps(snapshot, piece, docs, Budget.unlimited()));
}

/** oneCharacterAwayIn() within the request's budget: each place where a fixed side of the piece stands is an item of work. */
export function* oneCharacterAwayInSteps(snapshot: IndexSnapshot, piece: string, docs: Iterable<number>, budget: Budget): Steps<Map<string, { at: number; docs: number }>> {
  const found = new Map<string, { at: number; docs: number; lastDoc: number }>();
  if (piece.length < 2 || !isHan(piece)) return found;
  for (const doc of docs) {
    if (budget.due()) yield;
    const text = snapshot.folded(doc);
    for (let at = 0; at < piece.length; at++) {
      const prefix = piece.slice(0, at);
      const suffix = piece.slice(at + 1);
      // Look for the longer fixed side, then check the other around the changed character.
      const anchor = prefix.length >= suffix.length ? prefix : suffix;
      const offset = anchor === prefix ? 0 : at + 1;
      for (let hit = text.indexOf(anchor); hit >= 0; hit = text.indexOf(anchor, hit + 1)) {
        if (budget.due()) yield;
        const start = hit - offset;
        if (start < 0 || start + piece.length > text.length) continue;
        const unit = text.charCodeAt(start + at);
        if (!isHanUnit(unit) || unit === piece.charCodeAt(at)) continue;
        if (!text.startsWith(prefix, start) || !text.startsWith(suffix, start + at + 1)) continue;
        const candidate = text.slice(start, start + piece.length);
        const entry = found.get(candidate);
        if (!entry) found.set(candidate, { at, docs: 1, lastDoc: doc });
        else if (entry.lastDoc !== doc) {
          entry.docs++;
          entry.lastDoc = doc;
        }
      }
    }
  }
  return new Map([...found].map(([text, { at, docs }]) => [text, { at, docs }]));
}
