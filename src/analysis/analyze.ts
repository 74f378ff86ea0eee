// The one analyzer. The index writer and the query side both call it, so index terms and query
// terms cannot drift apart. Input is always folded text (analysis/fold.ts).
import { fold } from "./fold.js";
import { cutWords, cutWordsForSearch, segmenterIdentity, type SegmenterIdentity } from "./jieba.js";

/** Bump when any rule below changes: an index built with another version is refused. */
export const ANALYZER_VERSION = 2;

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

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * Terms of a document for the word index (jieba search mode: long words also yield their sub-words).
 * `names`: the article's own bylined names (namesOf), kept whole.
 */
export function documentTerms(folded: string, names: ReadonlySet<string> = NO_NAMES): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of joinNames(cutWordsForSearch(line), names)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

/**
 * Terms of a query word (jieba precise mode: a query word is not expanded into overlapping sub-words).
 * `names`: the names of the index's bylines, kept whole as the articles that carry them have them.
 */
export function queryTerms(folded: string, names: ReadonlySet<string> = NO_NAMES): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of joinNames(cutWords(line), names)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

/** A byline name as a term: two to four CJK characters (a longer author line is not one name). */
const NAME = /^[\u4e00-\u9fff]{2,4}$/;

/** The folded names of an article's authors that can be terms. */
export function namesOf(authors: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const author of authors) {
    const name = fold(author).trim();
    if (NAME.test(name)) names.add(name);
  }
  return names;
}

/**
 * jieba does not know most reporters (都镇强 → 都/镇强, 周钊梁 → 周钊/梁): consecutive pieces that
 * spell a known name become one term again. Per article and by its own bylines, so that an article's
 * terms do not depend on what else is indexed with it.
 */
function joinNames(tokens: string[], names: ReadonlySet<string>): string[] {
  if (names.size === 0) return tokens;
  const joined: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let taken = 1;
    let text = tokens[i]!;
    for (let j = i + 1; j < tokens.length && text.length < 4; j++) {
      text += tokens[j]!;
      if (names.has(text)) taken = j - i + 1;
    }
    joined.push(taken === 1 ? tokens[i]! : tokens.slice(i, i + taken).join(""));
    i += taken;
  }
  return joined;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Drops punctuation, spaces and stop words. */
function isIndexable(token: string): boolean {
  if (token.length <= STOP_WORD_MAX_LENGTH && STOP_WORDS.has(token)) return false;
  const first = token.charCodeAt(0);
  if (first >= 0x4e00 && first <= 0x9fff) return true; // the common case: a CJK ideograph
  return LETTER_OR_DIGIT.test(token);
}
