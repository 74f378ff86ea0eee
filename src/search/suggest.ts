// Completions for the search box: the last word of what is typed, completed from the index's
// vocabulary by Chinese prefix (疫 → 疫情) or pinyin prefix (xij → 习近平), most frequent first.
import { fold } from "../analysis/fold.js";
import { typedPinyin } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { vocabularyOf, type Vocabulary } from "./vocabulary.js";

/** Completions returned. */
export const SUGGESTIONS = 10;

export interface Completion {
  /** The typed text with its last word completed. */
  text: string;
  /** Articles whose body holds the completed word. */
  count: number;
}

export function complete(snapshot: IndexSnapshot, typed: string): Completion[] {
  return completeFrom(vocabularyOf(snapshot), typed);
}

/** complete() from a vocabulary (a backend's own). */
export function completeFrom(vocabulary: Vocabulary, typed: string): Completion[] {
  const lastSpace = Math.max(typed.lastIndexOf(" "), typed.lastIndexOf("\u3000"));
  const head = typed.slice(0, lastSpace + 1);
  const prefix = fold(typed.slice(lastSpace + 1));
  if (prefix === "") return [];
  return vocabulary
    .completions(prefix, typedPinyin(prefix), SUGGESTIONS)
    .map(({ word, count }) => ({ text: head + word, count }));
}
