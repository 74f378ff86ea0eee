// Evidence out of the app: citation rows for exports (every matching article, or every occurrence,
// with what a reporter cites: title, date, source, authors, seed file and line, a link) and the
// citation text of an occurrence or article, 《标题》，来源，日期，文件第 N 行：“句子”.
import type { ArticleMeta } from "../index/article-store.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import type { AllMatches, FieldRange } from "../search/search.js";
import type { TextRange } from "../types.js";
import { articleUrl } from "./links.js";
import { CONTEXT, sourceLine } from "./occurrences.js";

export interface ArticleRow {
  id: string;
  title: string;
  date: string;
  source: string;
  authors: string[];
  file: string;
  line: number;
  url: string;
}

export interface OccurrenceRow extends ArticleRow {
  field: "title" | "body";
  /** Plain text: up to CONTEXT characters before the match, the match, and after it. */
  before: string;
  match: string;
  after: string;
  citation: string;
}

export const ARTICLE_COLUMNS: ReadonlyArray<keyof ArticleRow> = ["id", "title", "date", "source", "authors", "file", "line", "url"];
export const OCCURRENCE_COLUMNS: ReadonlyArray<keyof OccurrenceRow> = [...ARTICLE_COLUMNS.slice(0, -1), "field", "before", "match", "after", "citation", "url"];

function articleRow(article: ArticleMeta, line: number, origin: string): ArticleRow {
  return {
    id: article.id,
    title: article.title,
    date: article.date ?? "",
    source: article.source,
    authors: article.authors,
    file: article.file,
    line,
    url: origin + articleUrl(article.id),
  };
}

/** One row per matching article, in the order of the matches; `origin` makes the links absolute. */
export function* articleRows(snapshot: IndexSnapshot, matches: AllMatches, origin: string): Generator<ArticleRow> {
  for (const doc of matches.docs) yield articleRowOf(snapshot.meta(doc), origin);
}

/** The row of a matching article. */
export function articleRowOf(article: ArticleMeta, origin: string): ArticleRow {
  return articleRow(article, article.lineStart, origin);
}

/**
 * One row per occurrence, articles in the order of the matches, occurrences in text order. An
 * article's occurrences are consecutive, so its metadata and display text are made once for all of
 * them (an export of "中国" has 129k rows from 35k articles).
 */
export function* occurrenceRows(snapshot: IndexSnapshot, matches: AllMatches, origin: string): Generator<OccurrenceRow> {
  for (const doc of matches.docs) {
    const found = matches.occurrencesOf(doc);
    if (found.length === 0) continue;
    yield* occurrenceRowsOf(snapshot.meta(doc), () => snapshot.body(doc), found, origin);
  }
}

/** The rows of one article's occurrences (`found`, in text order); `body()` is asked only when one is in the body. */
export function* occurrenceRowsOf(article: ArticleMeta, body: () => string, found: ReadonlyArray<FieldRange>, origin: string): Generator<OccurrenceRow> {
  const { id, title, date, source, authors, file, url } = articleRow(article, article.lineStart, origin);
  const bodyText = found.some(({ field }) => field === "body") ? body() : "";
  for (const { field, range } of found) {
    const text = field === "title" ? title : bodyText;
    const line = field === "title" ? article.lineStart : sourceLine(article, range.start);
    yield {
      id,
      title,
      date,
      source,
      authors,
      file,
      line,
      field,
      before: text.slice(Math.max(0, range.start - CONTEXT), range.start),
      match: text.slice(range.start, range.end),
      after: text.slice(range.end, range.end + CONTEXT),
      citation: citation(article, line, sentenceAround(text, range)),
      url,
    };
  }
}

const NEWLINE = 0x0a;

/** Sentences end at these characters (。！？!?；;\n); a quoted sentence is cut at the nearest ones around the match. */
function isSentenceEnd(unit: number): boolean {
  switch (unit) {
    case 0x3002: // 。
    case 0xff01: // ！
    case 0xff1f: // ？
    case 0x21: // !
    case 0x3f: // ?
    case 0xff1b: // ；
    case 0x3b: // ;
    case NEWLINE:
      return true;
    default:
      return false;
  }
}
/** A sentence longer than this on either side of the match is cut, with an ellipsis. */
const MAX_SENTENCE_SIDE = 80;

/**
 * The sentence of `text` that holds the match, trimmed, at most MAX_SENTENCE_SIDE characters either
 * side. (Character codes, not a regular expression per character: an export cites 129k sentences.)
 */
export function sentenceAround(text: string, range: TextRange): string {
  const endsAt = (at: number): boolean => isSentenceEnd(text.charCodeAt(at));
  let start = range.start;
  while (start > 0 && range.start - start < MAX_SENTENCE_SIDE && !endsAt(start - 1)) start--;
  let end = range.end;
  while (end < text.length && end - range.end < MAX_SENTENCE_SIDE && !endsAt(end)) end++;
  if (end < text.length && endsAt(end) && text.charCodeAt(end) !== NEWLINE) end++; // keep its full stop
  const cutBefore = start > 0 && !endsAt(start - 1);
  const cutAfter = end < text.length && !endsAt(end - 1) && !endsAt(end);
  return `${cutBefore ? "…" : ""}${text.slice(start, end).trim()}${cutAfter ? "…" : ""}`;
}

/** 《标题》，来源，日期，文件第 N 行：“句子” (the date and the sentence when there are). */
export function citation(article: ArticleMeta, line: number, sentence?: string): string {
  const parts = [`《${article.title}》`, article.source];
  if (article.date) parts.push(article.date.slice(0, 10));
  parts.push(`${article.file}第 ${line} 行`);
  return parts.join("，") + (sentence ? `：“${sentence}”` : "");
}
