// The one analyzer. The index writer and the query side both call it, so index terms and query
// terms cannot drift apart. Input is always folded text (analysis/fold.ts).
import { cutWords, cutWordsForSearch, segmenterIdentity, type SegmenterIdentity } from "./jieba.js";

/** Bump when any rule below changes: an index built with another version is refused. */
export const ANALYZER_VERSION = 1;

export interface AnalyzerIdentity {
  version: number;
  segmenter: SegmenterIdentity;
}

export function analyzerIdentity(): AnalyzerIdentity {
  return { version: ANALYZER_VERSION, segmenter: segmenterIdentity() };
}

// Words so common that they carry no ranking signal and would only make the largest posting
// lists larger. Exact matching still finds them: phrases use the n-gram index, not these terms.
const STOP_WORDS = new Set(["的", "了", "和", "是", "在", "与", "及", "等", "对", "也", "就", "都", "而", "之"]);
/** Most tokens are longer than any stop word and skip the set lookup (a build asks 25M times). */
const STOP_WORD_MAX_LENGTH = Math.max(...[...STOP_WORDS].map((word) => word.length));

// jieba is much slower on long runs; paragraphs are short, and a term never spans a line.
const LINE = /\n+/;

/** Terms of a document for the word index (jieba search mode: long words also yield their sub-words). */
export function documentTerms(folded: string): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of cutWordsForSearch(line)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

/** Terms of a query word (jieba precise mode: a query word is not expanded into overlapping sub-words). */
export function queryTerms(folded: string): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of cutWords(line)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Drops punctuation, spaces and stop words. */
function isIndexable(token: string): boolean {
  if (token.length <= STOP_WORD_MAX_LENGTH && STOP_WORDS.has(token)) return false;
  const first = token.charCodeAt(0);
  if (first >= 0x4e00 && first <= 0x9fff) return true; // the common case: a CJK ideograph
  return LETTER_OR_DIGIT.test(token);
}
