// The index's own Chinese vocabulary, as people type it: every Han word of two or more characters
// that at least MIN_COUNT articles hold, with its pinyin and initials, for corrections (did-you-mean),
// pinyin queries and completions. Built from the word indexes on first use, once per snapshot: about
// 0.9 s on the 74,545-story corpus (0.1 s reading the word indexes, most of the rest pinyin-pro on
// 108k words), which a server start does not wait for.
import { isHan, pinyinKey, syllables } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget } from "./budget.js";

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
  private readonly pinyinOrder: Uint32Array;

  constructor(frequencies: ReadonlyMap<string, number>) {
    const entries = [...frequencies].filter(([word, count]) => count >= MIN_COUNT && word.length >= 2 && isHan(word));
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [word, count] of entries) {
      const id = this.words.length;
      this.words.push(word);
      this.counts.push(count);
      const reading = syllables(word);
      const key = reading.join("");
      this.keys.push(key);
      append(this.byPinyin, key, id);
      append(this.byInitials, reading.map((syllable) => syllable.charAt(0)).join(""), id);
    }
    this.pinyinOrder = Uint32Array.from(this.words.keys()).sort((a, b) => compare(this.keys[a]!, this.keys[b]!));
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

const built = new WeakMap<IndexSnapshot, Vocabulary>();

/** The snapshot's vocabulary, built on first use (not charged to the `budget` of the request that needs it first). */
export function vocabularyOf(snapshot: IndexSnapshot, budget = Budget.unlimited()): Vocabulary {
  let vocabulary = built.get(snapshot);
  if (!vocabulary) built.set(snapshot, (vocabulary = budget.excluding(() => new Vocabulary(snapshot.termFrequencies()))));
  return vocabulary;
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
