// The index's own Chinese vocabulary, as people type it: every Han word of two or more characters
// that at least MIN_COUNT articles hold, with its pinyin and initials, for corrections (did-you-mean),
// pinyin queries and completions. Built from the word indexes on first use, once per snapshot: about
// 0.9 s on the 74,545-story corpus (0.1 s reading the word indexes, most of the rest pinyin-pro on
// 108k words), which a server start does not wait for: the warm-up (warm-up.ts) builds it in
// chunks between requests.
import { isHan, pinyinKey, syllables } from "../analysis/pinyin.js";
import { BUILD_CHUNK, Derived } from "../index/derived.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget } from "./budget.js";
import { topKSteps } from "./rank.js";

/** A word held by fewer articles is no correction or completion worth offering (and halves the work). */
const MIN_COUNT = 2;

export interface VocabularyEntry {
  word: string;
  /** Articles whose body holds the word. */
  count: number;
}

export class Vocabulary {
  /** Sorted by code unit, so that a prefix is a range. */
  private readonly words: string[] = [];
  private readonly counts: number[] = [];
  private readonly keys: string[] = [];
  private readonly byPinyin = new Map<string, number[]>();
  private readonly byInitials = new Map<string, number[]>();
  /** Word ids in pinyin key order: a typed pinyin prefix is a range. */
  private pinyinOrder = new Uint32Array(0);

  /** The words of `frequencies`, built at once (the server's are built in chunks: VOCABULARY). */
  constructor(frequencies?: ReadonlyMap<string, number>) {
    if (frequencies) for (const steps = this.fill(frequencies); !steps.next().done; );
  }

  /** Takes in the words of `frequencies` (once, into an empty vocabulary), pausing every BUILD_CHUNK words. */
  *fill(frequencies: ReadonlyMap<string, number>): Generator<void, Vocabulary, void> {
    const entries = [...frequencies].filter(([word, count]) => count >= MIN_COUNT && word.length >= 2 && isHan(word));
    yield;
    const byWord = ([a]: [string, number], [b]: [string, number]): number => (a < b ? -1 : a > b ? 1 : 0);
    const sorted = yield* sortedInPieces(entries, byWord);
    for (const [word, count] of sorted) {
      const id = this.words.length;
      this.words.push(word);
      this.counts.push(count);
      const reading = syllables(word);
      const key = reading.join("");
      this.keys.push(key);
      append(this.byPinyin, key, id);
      append(this.byInitials, reading.map((syllable) => syllable.charAt(0)).join(""), id);
      if (id % BUILD_CHUNK === 0) yield;
    }
    this.pinyinOrder = Uint32Array.from(yield* sortedInPieces([...this.words.keys()], (a, b) => compare(this.keys[a]!, this.keys[b]!)));
    return this;
  }

  /** How many articles hold `word` as a word (0 when it is not in this vocabulary). */
  count(word: string): number {
    const id = this.find(word);
    return id < 0 ? 0 : this.counts[id]!;
  }

  /** Words read exactly like `word` (tones ignored), other than itself. */
  homophones(word: string): VocabularyEntry[] {
    return (this.byPinyin.get(pinyinKey(word)) ?? []).filter((id) => this.words[id] !== word).map((id) => this.entry(id));
  }

  /** Words whose whole pinyin is `key` (xijinping → 习近平), or whose initials are (tpgj → 脱贫攻坚) when `initials`. */
  wordsForPinyin(key: string, initials: boolean): VocabularyEntry[] {
    const ids = (initials ? this.byInitials : this.byPinyin).get(key) ?? [];
    return ids.map((id) => this.entry(id));
  }

  /**
   * The `limit` most frequent words that start with `prefix`: Chinese characters, or typed pinyin
   * (xij → 习近平). A short prefix scans many words (z: a tenth of them): the budget stops it.
   */
  completions(prefix: string, pinyinPrefix: string | undefined, limit: number, budget = Budget.unlimited()): VocabularyEntry[] {
    const best = new TopByCount(limit);
    if (isHan(prefix)) {
      for (let id = lowerBound(this.words, prefix); id < this.words.length && this.words[id]!.startsWith(prefix); id++) {
        budget.due();
        best.offer(id, this.counts[id]!);
      }
    }
    if (pinyinPrefix !== undefined && pinyinPrefix.length > 0) {
      let lo = 0;
      let hi = this.pinyinOrder.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.keys[this.pinyinOrder[mid]!]! < pinyinPrefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.pinyinOrder.length; i++) {
        const id = this.pinyinOrder[i]!;
        if (!this.keys[id]!.startsWith(pinyinPrefix)) break;
        budget.due();
        best.offer(id, this.counts[id]!);
      }
      for (const id of this.byInitials.get(pinyinPrefix) ?? []) best.offer(id, this.counts[id]!);
    }
    return best.ids().map((id) => this.entry(id));
  }

  private entry(id: number): VocabularyEntry {
    return { word: this.words[id]!, count: this.counts[id]! };
  }

  private find(word: string): number {
    const id = lowerBound(this.words, word);
    return this.words[id] === word ? id : -1;
  }
}

export const VOCABULARY = new Derived<IndexSnapshot, Vocabulary>("vocabulary", function* (snapshot) {
  const frequencies = yield* snapshot.termFrequenciesSteps();
  return yield* new Vocabulary().fill(frequencies);
});

/** The snapshot's vocabulary (built now if the warm-up has not yet: not charged to the `budget` of the request that needs it). */
export function vocabularyOf(snapshot: IndexSnapshot, budget?: Budget): Vocabulary {
  return VOCABULARY.get(snapshot, budget);
}

/** Sorted (stable) in pieces of about a millisecond: one sort of 100k entries held the thread for 100–250 ms under load. */
function* sortedInPieces<T>(items: readonly T[], order: (a: T, b: T) => number): Generator<void, T[], void> {
  const pace = Budget.unlimited();
  const sorting = topKSteps(items, items.length, order, pace);
  for (;;) {
    pace.startSlice(1);
    const step = sorting.next();
    if (step.done) return step.value;
    yield;
  }
}

/** The best `limit` ids by count (ties: the earlier id), without sorting everything offered. */
class TopByCount {
  private readonly best: Array<{ id: number; count: number }> = [];
  private readonly seen = new Set<number>();

  constructor(private readonly limit: number) {}

  offer(id: number, count: number): void {
    if (this.seen.has(id)) return;
    const { best, limit } = this;
    if (best.length === limit && count <= best[limit - 1]!.count) return;
    this.seen.add(id);
    let at = best.length;
    while (at > 0 && best[at - 1]!.count < count) at--;
    best.splice(at, 0, { id, count });
    if (best.length > limit) best.pop();
  }

  ids(): number[] {
    return this.best.map(({ id }) => id);
  }
}

function append<K>(map: Map<K, number[]>, key: K, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index of sorted `items` not less than `key`. */
function lowerBound(items: readonly string[], key: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
