// Text of the archive one character away from a typed piece: the candidates of a one-character typo
// (缓南 → 缓中, 最军 → 叛军). Read from the n-gram index, so a candidate is any text the articles hold,
// not only the words jieba keeps whole (缓中趋稳 is cut 缓/中/趋稳). A character can stand at a
// position only if it forms, with each neighbour, a pair that some article holds. How many articles
// hold the new text is estimated from its pairs without reading any posting list (a chain of pairs:
// c(ab)·c(bc)/c(b), never more than its rarest pair), which ranks a position's candidates.
import { characterReadings, isHan } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { bigramKey } from "../index/ngram-index.js";

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

const characters = new WeakMap<IndexSnapshot, number[]>();

/** Every Han character of the archive (code units): what may stand first in a piece. */
function hanCharacters(snapshot: IndexSnapshot): number[] {
  let units = characters.get(snapshot);
  if (!units) {
    const seen = new Set<number>();
    for (const { ngrams } of snapshot.parts) ngrams.forEachCharacter((unit) => isHanUnit(unit) && seen.add(unit));
    characters.set(snapshot, (units = [...seen]));
  }
  return units;
}

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

function soundsAlike(a: string, b: string): boolean {
  const readings = characterReadings(a);
  return characterReadings(b).some((reading) => readings.includes(reading));
}

/** About how many articles hold `units`: its first pair, then each next pair given the character they share. */
function chainEstimate(snapshot: IndexSnapshot, units: readonly number[]): number {
  let estimate = Infinity;
  let rarest = Infinity;
  for (let i = 1; i < units.length; i++) {
    const pair = keyCount(snapshot, bigramKey(units[i - 1]!, units[i]!));
    if (pair === 0) return 0;
    rarest = Math.min(rarest, pair);
    estimate = i === 1 ? pair : (estimate * pair) / Math.max(1, keyCount(snapshot, units[i - 1]!));
  }
  return Math.min(estimate, rarest);
}

/**
 * Per position of `piece` (Han text of two or more characters), the `perPosition` texts with another
 * character there that the archive most probably holds, and up to as many more whose new character
 * sounds like the typed one (an input method offers those, however rare the text).
 */
export function oneCharacterAway(snapshot: IndexSnapshot, piece: string, perPosition: number): NearbyText[] {
  if (piece.length < 2 || !isHan(piece)) return [];
  const units = [...piece].map((character) => character.charCodeAt(0));
  const found: NearbyText[] = [];
  for (let at = 0; at < units.length; at++) {
    // The characters that can follow the one before (a range of pair keys), or for the first
    // position every character; the pair with the next one is looked up.
    const options = at > 0 ? [...followers(snapshot, units[at - 1]!).keys()] : hanCharacters(snapshot);
    const typed = units[at]!;
    const next = units[at + 1];
    const ranked: Array<{ unit: number; estimate: number }> = [];
    for (const unit of options) {
      if (unit === typed || (next !== undefined && keyCount(snapshot, bigramKey(unit, next)) === 0)) continue;
      units[at] = unit;
      const estimate = chainEstimate(snapshot, units);
      if (estimate > 0) ranked.push({ unit, estimate });
    }
    units[at] = typed;
    ranked.sort((a, b) => b.estimate - a.estimate);
    const nearby = ({ unit, estimate }: { unit: number; estimate: number }): NearbyText => {
      const character = String.fromCharCode(unit);
      return { text: piece.slice(0, at) + character + piece.slice(at + 1), at, estimate, soundsAlike: soundsAlike(piece[at]!, character) };
    };
    found.push(...ranked.slice(0, perPosition).map(nearby), ...ranked.slice(perPosition).map(nearby).filter((text) => text.soundsAlike).slice(0, perPosition));
  }
  return found;
}

/**
 * Every text one character away from `piece` in the given articles (those that have the rest of the
 * query), with how many of them hold it: the candidates that the context itself offers, however rare
 * in the archive (叛军 beside 劫掠).
 */
export function oneCharacterAwayIn(snapshot: IndexSnapshot, piece: string, docs: Iterable<number>): Map<string, { at: number; docs: number }> {
  const found = new Map<string, { at: number; docs: number; lastDoc: number }>();
  if (piece.length < 2 || !isHan(piece)) return found;
  for (const doc of docs) {
    const text = snapshot.folded(doc);
    for (let at = 0; at < piece.length; at++) {
      const prefix = piece.slice(0, at);
      const suffix = piece.slice(at + 1);
      // Look for the longer fixed side, then check the other around the changed character.
      const anchor = prefix.length >= suffix.length ? prefix : suffix;
      const offset = anchor === prefix ? 0 : at + 1;
      for (let hit = text.indexOf(anchor); hit >= 0; hit = text.indexOf(anchor, hit + 1)) {
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
