// The one analyzer. The index writer and the query side both call it, so index terms and query
// terms cannot drift apart. Input is always folded text (analysis/fold.ts).
import { fold } from "./fold.js";
import { cutWords, cutWordsForSearch, isDictionaryWord, segmenterIdentity, type SegmenterIdentity } from "./jieba.js";

/** Bump when any rule below changes: an index built with another version is refused. */
export const ANALYZER_VERSION = 3;

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
 * `names`: the names of every byline of the index (namesOf over all its articles), kept whole
 * wherever the text has them (withNames).
 */
export function documentTerms(folded: string, names: ReadonlySet<string> = NO_NAMES): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of withNames(line, names, cutWordsForSearch)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

/**
 * Terms of a query word (jieba precise mode: a query word is not expanded into overlapping sub-words).
 * `names`: the names of the index's bylines, kept whole as the index's articles have them.
 */
export function queryTerms(folded: string, names: ReadonlySet<string> = NO_NAMES): string[] {
  const terms: string[] = [];
  for (const line of folded.split(LINE)) {
    for (const token of withNames(line, names, cutWords)) if (isIndexable(token)) terms.push(token);
  }
  return terms;
}

/** A byline name as a term: two to four CJK characters (a longer author line is not one name). */
const NAME_MIN = 2;
const NAME_MAX = 4;
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

/** The folded names of the bylines of `articles` that can be terms, sorted: what a seed file adds to its index's names. */
export function namesOfArticles(articles: ReadonlyArray<{ authors: readonly string[] }>): string[] {
  const names = new Set<string>();
  for (const article of articles) for (const name of namesOf(article.authors)) names.add(name);
  return [...names].sort();
}

/**
 * jieba does not know most reporters (都镇强 → 都/镇强, 周钊梁说 → 周钊/梁说): each place where the
 * line spells a name of the index's bylines becomes one term, and the text around it is cut on its
 * own. A name overrides only jieba's guesses (its HMM words, such as 梁说), never a word of its
 * dictionary: with a name 津文, 天津文化 stays 天津/文化. The rule reads nothing but the text, the
 * names and jieba's dictionaries, so an article's terms are the same in every build that has the
 * same names (index-writer.ts re-analyzes the articles a change of the names concerns).
 */
function withNames(line: string, names: ReadonlySet<string>, cut: (text: string) => string[]): string[] {
  const spans = names.size === 0 ? [] : nameSpans(line, names);
  if (spans.length === 0) return cut(line);
  const precise = cutWords(line);
  const kept = spans.filter(([start, end]) => !cutsThroughDictionaryWord(precise, start, end));
  if (kept.length === 0) return cut(line);
  const tokens: string[] = [];
  let from = 0;
  for (const [start, end] of kept) {
    if (start > from) tokens.push(...cut(line.slice(from, start)));
    tokens.push(line.slice(start, end));
    from = end;
  }
  if (from < line.length) tokens.push(...cut(line.slice(from)));
  return tokens;
}

/** The places where `line` spells a name, leftmost and then longest first, none overlapping. */
function nameSpans(line: string, names: ReadonlySet<string>): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const firsts = firstCharacters(names);
  for (let i = 0; i + NAME_MIN <= line.length; i++) {
    if (!firsts.has(line.charCodeAt(i))) continue;
    for (let n = Math.min(NAME_MAX, line.length - i); n >= NAME_MIN; n--) {
      if (!names.has(line.slice(i, i + n))) continue;
      spans.push([i, i + n]);
      i += n - 1;
      break;
    }
  }
  return spans;
}

const FIRST_CHARACTERS = new WeakMap<ReadonlySet<string>, Set<number>>();

/** The characters names start with (most characters of a text start none: no slices to look up there). */
function firstCharacters(names: ReadonlySet<string>): Set<number> {
  let firsts = FIRST_CHARACTERS.get(names);
  if (!firsts) FIRST_CHARACTERS.set(names, (firsts = new Set([...names].map((name) => name.charCodeAt(0)))));
  return firsts;
}

/** Whether a dictionary word of `precise` (jieba's precise cut of the line) starts or ends strictly inside [start, end). */
function cutsThroughDictionaryWord(precise: readonly string[], start: number, end: number): boolean {
  let at = 0;
  for (const token of precise) {
    const tokenEnd = at + token.length;
    const cutThrough = (at < start && start < tokenEnd) || (at < end && end < tokenEnd);
    if (cutThrough && isDictionaryWord(token)) return true;
    at = tokenEnd;
    if (at >= end) break;
  }
  return false;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Drops punctuation, spaces and stop words. */
function isIndexable(token: string): boolean {
  if (token.length <= STOP_WORD_MAX_LENGTH && STOP_WORDS.has(token)) return false;
  const first = token.charCodeAt(0);
  if (first >= 0x4e00 && first <= 0x9fff) return true; // the common case: a CJK ideograph
  return LETTER_OR_DIGIT.test(token);
}
