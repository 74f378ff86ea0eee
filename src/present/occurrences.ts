// OccurrenceResult → the reporter's concordance: every occurrence on its own line, with a little
// context, the article it is in and the line of the seed file it stands on.
import type { ArticleMeta } from "../index/article-store.js";
import type { OccurrencePage } from "../search/backend.js";
import type { SortOrder } from "../search/rank.js";
import type { SafeHtml } from "../types.js";
import { highlightFragments } from "./highlight.js";
import { citation, sentenceAround } from "./citation.js";
import { articleUrl } from "./links.js";
import { answerSummary, type AnswerSummary } from "./results.js";

/** Characters of context shown on each side of an occurrence. */
export const CONTEXT = 30;

export interface OccurrenceView {
  id: string;
  title: string;
  source: string;
  file: string;
  /** The 1-based line of `file` the occurrence starts on. */
  line: number;
  date: string | null;
  field: "title" | "body";
  context_html: SafeHtml;
  /** 《标题》，来源，日期，文件第 N 行：“句子”: plain text to quote. */
  citation: string;
  url: string;
}

export interface OccurrencesView extends AnswerSummary {
  /** How many articles hold the occurrences (`total` counts the occurrences). */
  articles: number;
  occurrences: OccurrenceView[];
}

/** The file line of body offset `at`: Article.bodyLines for pages, the record's line for JSONL. */
export function sourceLine(article: ArticleMeta, at: number): number {
  const pairs = article.bodyLines ?? [];
  let line = article.lineStart;
  for (let i = 0; i < pairs.length && pairs[i]! <= at; i += 2) line = pairs[i + 1]!;
  return line;
}

/** `result.bodyOf(doc)`: the body of an article of the page. */
export function occurrencesView(result: OccurrencePage, params: { q: string; page: number; size: number; sort: SortOrder }, tookMs: number): OccurrencesView {
  const bodies = new Map<number, string>();
  const bodyOf = (doc: number): string => {
    let body = bodies.get(doc);
    if (body === undefined) bodies.set(doc, (body = result.bodyOf(doc)));
    return body;
  };
  return {
    query: params.q,
    articles: result.articles,
    ...answerSummary(result, params, tookMs),
    occurrences: result.occurrences.map(({ doc, article, field, range }) => {
      const text = field === "title" ? article.title : bodyOf(doc);
      const start = Math.max(0, range.start - CONTEXT);
      const end = Math.min(text.length, range.end + CONTEXT);
      const line = field === "title" ? article.lineStart : sourceLine(article, range.start);
      return {
        id: article.id,
        title: article.title,
        source: article.source,
        file: article.file,
        line,
        date: article.date ?? null,
        field,
        context_html: highlightFragments(text, [{ start, end, matches: [range], cutBefore: start > 0, cutAfter: end < text.length }]),
        citation: citation(article, line, sentenceAround(text, range)),
        url: articleUrl(article.id, { q: params.q, sort: params.sort }),
      };
    }),
  };
}
