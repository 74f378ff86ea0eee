// Query words that also find other words: synonyms (央行 → 中国人民银行, synonyms.ts) and pinyin
// typed for Chinese (xijinping, xi jinping, tuopin gongjian, tpgj → the index's words, vocabulary.ts).
// The alternatives join the word's OR group as quoted phrases; ranking puts literal matches first.
import { isHan, typedPinyin } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { countPhrase } from "./did-you-mean.js";
import type { Atom, ParsedQuery } from "./query-parser.js";
import { synonyms } from "./synonyms.js";
import { vocabularyOf, type VocabularyEntry } from "./vocabulary.js";

export interface Expansion {
  /** The query words as typed. */
  from: string;
  to: string[];
  reason: "synonym" | "pinyin";
}

/** One alternative of a required group; `expansion` marks what the query did not literally say. */
export interface GroupMember {
  atom: Atom;
  expansion: boolean;
}

/** Shortest typed pinyin looked up as whole syllables (`xian` → 西安); shorter is too ambiguous. */
const MIN_PINYIN = 4;
/** Initials only when the letters find nothing literally, and from this many (`tpgj`). */
const MIN_INITIALS = 3;
/** Consecutive Latin words read together as one pinyin word (`tuopin gongjian`). */
const MAX_PINYIN_WORDS = 4;
/** Chinese words offered for one pinyin reading. */
const MAX_READINGS = 3;
/** Words tried for each half of a two-word reading (initials are ambiguous: gj is 国家, 国际, … 攻坚). */
const PAIR_LEFT = 5;
const PAIR_RIGHT = 20;

const phraseAtom = (text: string, like: Atom): Atom => ({ kind: "phrase", text, field: like.field, start: like.start, end: like.end });

/**
 * The required groups with their alternatives added, and what was added (for the page and
 * /api/analyze). Without a snapshot (a backend without the index's vocabulary), synonyms only.
 */
export function expandQuery(snapshot: IndexSnapshot | undefined, query: ParsedQuery): { groups: GroupMember[][]; expansions: Expansion[] } {
  const groups: GroupMember[][] = [];
  const expansions: Expansion[] = [];
  const table = synonyms();
  for (let i = 0; i < query.required.length; ) {
    const run = snapshot && pinyinRun(snapshot, query.required, i);
    if (run) {
      expansions.push({ from: run.typed, to: run.words, reason: "pinyin" });
      groups.push([{ atom: run.literal, expansion: false }, ...run.words.map((word) => ({ atom: phraseAtom(word, run.literal), expansion: true }))]);
      i += run.groups;
      continue;
    }
    const group: GroupMember[] = query.required[i]!.map((atom) => ({ atom, expansion: false }));
    for (const atom of query.required[i]!) {
      if (atom.kind !== "words") continue;
      const others = table.alternatives(atom.text);
      if (others.length === 0) continue;
      expansions.push({ from: atom.text, to: others, reason: "synonym" });
      group.push(...others.map((word) => ({ atom: phraseAtom(word, atom), expansion: true })));
    }
    groups.push(group);
    i++;
  }
  return { groups, expansions };
}

/**
 * The longest run of single Latin words from group `first` on that reads as pinyin of the index's
 * words, merged into one group: the words as typed (all of them), or the Chinese words.
 */
function pinyinRun(
  snapshot: IndexSnapshot,
  required: readonly Atom[][],
  first: number,
): { groups: number; typed: string; literal: Atom; words: string[] } | undefined {
  const atoms: Atom[] = [];
  for (let i = first; i < required.length && atoms.length < MAX_PINYIN_WORDS; i++) {
    const group = required[i]!;
    const atom = group[0]!;
    if (group.length > 1 || atom.kind !== "words" || typedPinyin(atom.text) === undefined) break;
    if (atoms.length > 0 && atom.field !== atoms[0]!.field) break;
    atoms.push(atom);
  }
  for (let count = atoms.length; count >= 1; count--) {
    const run = atoms.slice(0, count);
    const typed = run.map((atom) => atom.text).join(" ");
    const key = typedPinyin(typed)!;
    const literal: Atom = { kind: "words", text: typed, field: run[0]!.field, start: run[0]!.start, end: run.at(-1)!.end };
    let words = key.length >= MIN_PINYIN ? readings(snapshot, key, false) : [];
    // Initials (tpgj) are a guess: only when the letters themselves are in no article.
    if (words.length === 0 && key.length >= MIN_INITIALS && key.length <= 8 && countPhrase(snapshot, key, literal.field) === 0) words = readings(snapshot, key, true);
    if (words.length > 0) return { groups: count, typed, literal, words };
  }
  return undefined;
}

/**
 * Chinese words of the index that read as `key`: one word (xijinping → 习近平), or two words that
 * stand together in some article (tuopingongjian → 脱贫 + 攻坚 = 脱贫攻坚, a phrase jieba splits).
 */
function readings(snapshot: IndexSnapshot, key: string, initials: boolean): string[] {
  const vocabulary = vocabularyOf(snapshot);
  const best = (part: string, limit: number): VocabularyEntry[] =>
    vocabulary
      .wordsForPinyin(part, initials)
      .sort((a, b) => b.count - a.count)
      .slice(0, limit);
  const whole = best(key, MAX_READINGS).map((entry) => entry.word);
  if (whole.length > 0) return whole;
  const pairs: Array<{ text: string; count: number }> = [];
  for (let cut = 2; cut <= key.length - 2; cut++) {
    const left = best(key.slice(0, cut), PAIR_LEFT);
    if (left.length === 0) continue;
    const right = best(key.slice(cut), PAIR_RIGHT);
    for (const a of left) {
      for (const b of right) {
        const text = a.word + b.word;
        if (!isHan(text)) continue;
        const count = countPhrase(snapshot, text, "any");
        if (count > 0) pairs.push({ text, count });
      }
    }
  }
  return pairs
    .sort((a, b) => b.count - a.count)
    .slice(0, MAX_READINGS)
    .map((pair) => pair.text);
}
