// The typo set of the known-item eval, generated from the dev set's keyword queries: each query once
// with a homophone typo and once with a one-character typo in one of its words, as people make them
// with a pinyin input method. `npm run eval` generates and scores it (success@10); `--typos <file>`
// also writes it as JSONL.
//
// How a query is altered (deterministic, from its qid):
// - the word: its longest word of Chinese characters (at least two), the first such on ties;
// - the character: one position of that word, chosen by a hash of the qid;
// - homophone: the most frequent character of the index with the same pinyin (tones ignored) —
//   the first candidate an input method offers — such that no article holds the altered word;
// - one-character: a character of another reading, drawn (by the hash) from the 300 most frequent of
//   the index, such that no article holds the altered word.
// A typo that some article holds would be a real word, not a typo, and is not generated.
import { createHash } from "node:crypto";
import { fold } from "../src/analysis/fold.js";
import { pinyinKey } from "../src/analysis/pinyin.js";
import type { IndexSnapshot } from "../src/index/index-reader.js";
import { countPhrase } from "../src/search/did-you-mean.js";
import type { EvalQuery } from "./known-item.js";

export type TypoKind = "homophone" | "one-character";

export interface TypoQuery extends EvalQuery {
  typo: TypoKind;
  /** The dev query it was made from. */
  original: string;
}

const HAN = /^[\u4e00-\u9fff]+$/u;
const COMMON_CHARACTERS = 300;

/** How often each character stands in the index's words (weighted by the words' article counts). */
function characterFrequencies(snapshot: IndexSnapshot): Map<string, number> {
  const frequencies = new Map<string, number>();
  for (const [term, count] of snapshot.termFrequencies()) {
    if (!HAN.test(term)) continue;
    for (const character of term) frequencies.set(character, (frequencies.get(character) ?? 0) + count);
  }
  return frequencies;
}

function hashOf(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

export function makeTypoSet(snapshot: IndexSnapshot, queries: readonly EvalQuery[]): TypoQuery[] {
  const frequencies = characterFrequencies(snapshot);
  const byFrequency = [...frequencies.keys()].sort((a, b) => frequencies.get(b)! - frequencies.get(a)!);
  const byReading = new Map<string, string[]>();
  for (const character of byFrequency) {
    const reading = pinyinKey(character);
    const list = byReading.get(reading);
    if (list) list.push(character);
    else byReading.set(reading, [character]);
  }
  const common = byFrequency.slice(0, COMMON_CHARACTERS);
  const typos: TypoQuery[] = [];
  for (const query of queries) {
    if (query.type !== "keywords") continue;
    const words = query.query.split(/\s+/);
    const word = words.filter((candidate) => HAN.test(candidate) && candidate.length >= 2).sort((a, b) => b.length - a.length)[0];
    if (word === undefined) continue;
    const hash = hashOf(query.qid);
    const at = hash % word.length;
    const original = word[at]!;
    const absent = (character: string): boolean => character !== original && countPhrase(snapshot, fold(word.slice(0, at) + character + word.slice(at + 1)), "any") === 0;
    const alter = (character: string, typo: TypoKind): void => {
      const altered = word.slice(0, at) + character + word.slice(at + 1);
      typos.push({
        qid: `${query.qid}-${typo}`,
        query: words.map((other) => (other === word ? altered : other)).join(" "),
        type: "keywords",
        relevant: query.relevant,
        typo,
        original: query.query,
      });
    };
    const homophone = (byReading.get(pinyinKey(original)) ?? []).find(absent);
    if (homophone) alter(homophone, "homophone");
    const reading = pinyinKey(original);
    for (let i = 0; i < common.length; i++) {
      const character = common[(hash + i * 7919) % common.length]!;
      if (pinyinKey(character) !== reading && absent(character)) {
        alter(character, "one-character");
        break;
      }
    }
  }
  return typos;
}
