// How Chinese words sound when typed with a pinyin input method: toneless syllables (习近平 → xi jin
// ping), written as people type them (ü as v: 绿 → lv). The readings come from pinyin-pro, which
// picks a polyphonic character's reading from the word around it (银行 → yin hang, 行走 → xing zou).
import { createRequire } from "node:module";

type PinyinPro = typeof import("pinyin-pro");
let library: PinyinPro | undefined;

/** pinyin-pro, loaded on first use: its tables cost 50-80 ms and 16 MiB, which a server start need not pay. */
function pinyinPro(): PinyinPro {
  library ??= createRequire(import.meta.url)("pinyin-pro") as PinyinPro;
  return library;
}

const HAN_ONLY = /^[\u3400-\u9fff]+$/;
/** What a typed pinyin query may hold: Latin letters (v for ü), nothing else. */
const PINYIN_TEXT = /^[a-z]+$/;

/** Whether `text` is all CJK ideographs (the only text that has a pinyin reading here). */
export function isHan(text: string): boolean {
  return HAN_ONLY.test(text);
}

/** Toneless syllables of a Han word (`[]` for anything else). */
export function syllables(word: string): string[] {
  if (!isHan(word)) return [];
  return pinyinPro().pinyin(word, { toneType: "none", type: "array", v: true });
}

const readingsOfCharacter = new Map<string, readonly string[]>();

/** Every toneless reading of one character (长 → chang, zhang), cached: a typo's candidates ask for the same few thousand characters again and again. */
export function characterReadings(character: string): readonly string[] {
  let readings = readingsOfCharacter.get(character);
  if (!readings) {
    readings = isHan(character) ? pinyinPro().pinyin(character, { toneType: "none", type: "array", v: true, multiple: true }) : [];
    readingsOfCharacter.set(character, readings);
  }
  return readings;
}

/** The key people type for a word: its syllables joined (脱贫攻坚 → tuopingongjian). */
export function pinyinKey(word: string): string {
  return syllables(word).join("");
}

/** The word's initials (脱贫攻坚 → tpgj; 重庆 → cq). */
export function initialsKey(word: string): string {
  return syllables(word)
    .map((syllable) => syllable.charAt(0))
    .join("");
}

/** Typed Latin text folded to a pinyin key (`Xi Jinping` → xijinping), or undefined when it cannot be pinyin. */
export function typedPinyin(text: string): string | undefined {
  const key = text.toLowerCase().replace(/[\s'’]+/g, "");
  return PINYIN_TEXT.test(key) ? key : undefined;
}
