// Completions for the search box: the last word of what is typed, completed from the index's
// vocabulary by Chinese prefix (疫 → 疫情) or pinyin prefix (xij → 习近平), most frequent first.
import { fold } from "../analysis/fold.js";
import { typedPinyin } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget, runToEnd, type Steps } from "./budget.js";
import { VOCABULARY, type Vocabulary } from "./vocabulary.js";

/** Completions returned. */
export const SUGGESTIONS = 10;

export interface Completion {
  /** The typed text with its last word completed. */
  text: string;
  /** Articles whose body holds the completed word. */
  count: number;
}

/** complete() without a time limit (the bench). */
export function complete(snapshot: IndexSnapshot, typed: string): Completion[] {
  return runToEnd(completeSteps(snapshot, typed, Budget.unlimited()));
}

/**
 * Within the request's budget. The vocabulary is built by the warm-up (warm-up.ts); a completion
 * asked for before it is done (right after a start) takes turns at building it, not charged to it.
 */
export function* completeSteps(snapshot: IndexSnapshot, typed: string, budget: Budget): Steps<Completion[]> {
  const vocabulary = yield* VOCABULARY.prepare(snapshot, budget);
  if (budget.due()) yield;
  return completeFrom(vocabulary, typed, budget);
}

/** complete() from a vocabulary (a backend's own); a short prefix scans many words, which the budget stops. */
export function completeFrom(vocabulary: Vocabulary, typed: string, budget = Budget.unlimited()): Completion[] {
  const lastSpace = Math.max(typed.lastIndexOf(" "), typed.lastIndexOf("\u3000"));
  const head = typed.slice(0, lastSpace + 1);
  const prefix = fold(typed.slice(lastSpace + 1));
  if (prefix === "") return [];
  return vocabulary
    .completions(prefix, typedPinyin(prefix), SUGGESTIONS, budget)
    .map(({ word, count }) => ({ text: head + word, count }));
}
