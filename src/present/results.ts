// SearchResult → what the page and the API show: the same hits, in the same order, with titles and
// snippets as safe HTML (escaped text, <mark> around matches).
import type { Suggestion } from "../search/did-you-mean.js";
import type { Expansion } from "../search/query-expansion.js";
import type { ParsedQuery, QueryNote } from "../search/query-parser.js";
import type { SortOrder } from "../search/rank.js";
import type { Facets } from "../search/facets.js";
import type { ItemCount, PhraseCount, SearchResult } from "../search/search.js";
import type { Article, SafeHtml, TextRange } from "../types.js";
import { highlightAll, highlightFragments } from "./highlight.js";
import { citation, sentenceAround } from "./citation.js";
import { articleUrl, PAGE_SIZE } from "./links.js";
import { sourceLine } from "./occurrences.js";
import { mergeMatches, selectFragments } from "./snippet.js";

export interface HitView {
  id: string;
  title: string;
  title_html: SafeHtml;
  source: string;
  file: string;
  lines: [number, number];
  date: string | null;
  authors: string[];
  score: number;
  snippet: SafeHtml;
  url: string;
}

/** What every answer to a query says besides its rows (search results and the concordance alike): the query, the page, how much matched, and how the query was read. */
export interface AnswerSummary {
  query: string;
  total: number;
  page: number;
  size: number;
  sort: SortOrder;
  took_ms: number;
  relaxed: boolean;
  /** Where the query was read differently than typed (a slip forgiven), for the page to say so. */
  notes: NoteView[];
  /** Relaxed or empty results only: each required item as typed and how many articles have it. */
  item_counts: ItemCount[];
  phrases: PhraseCount[];
}

export interface SearchView extends AnswerSummary {
  /** Queries worth offering instead (did you mean): `{query, reason}`. */
  suggestions: Suggestion[];
  /** Set when the hits are those of a correction of this typed query. */
  corrected_from?: string;
  /** Words the query also looked for: synonyms and Chinese words for typed pinyin. */
  expansions: Expansion[];
  hits: HitView[];
  /** Counts of all matches by year, month, source and author, when asked for (`facets=`). */
  facets?: Facets;
}

export type NoteView = Pick<QueryNote, "code" | "message">;

/** An answer's summary but its query (which the caller places first), from the result and the request's page, size and sort. */
export function answerSummary(
  result: Pick<SearchResult, "total" | "relaxed" | "itemCounts" | "phrases"> & { query: Pick<ParsedQuery, "notes"> },
  { page, size, sort }: { page: number; size: number; sort: SortOrder },
  tookMs: number,
): Omit<AnswerSummary, "query"> {
  return {
    total: result.total,
    page,
    size,
    sort,
    took_ms: Math.round(tookMs * 100) / 100,
    relaxed: result.relaxed,
    notes: result.query.notes.map(({ code, message }) => ({ code, message })),
    item_counts: result.itemCounts,
    phrases: result.phrases,
  };
}

export function searchView(
  result: SearchResult,
  params: { q: string; page: number; size: number; sort: SortOrder },
  tookMs: number,
): SearchView {
  // A corrected answer is about the corrected query: its links (pages, articles) carry that one.
  const query = result.corrected?.to ?? params.q;
  return {
    query,
    ...(result.corrected ? { corrected_from: result.corrected.from } : {}),
    ...answerSummary(result, params, tookMs),
    suggestions: result.suggestions,
    expansions: result.expansions,
    ...(result.facets ? { facets: result.facets } : {}),
    hits: result.hits.map((hit) => ({
      id: hit.article.id,
      title: hit.article.title,
      title_html: highlightFragments(hit.article.title, [
        { start: 0, end: hit.article.title.length, matches: hit.titleMatches, cutBefore: false, cutAfter: false },
      ]),
      source: hit.article.source,
      file: hit.article.file,
      lines: [hit.article.lineStart, hit.article.lineEnd],
      date: hit.article.date ?? null,
      authors: hit.article.authors,
      score: Math.round(hit.score * 1000) / 1000,
      snippet: highlightFragments(hit.body, selectFragments(hit.body, hit.bodyMatches)),
      url: articleUrl(hit.article.id, { q: query, sort: params.sort, page: params.page, ...(params.size === PAGE_SIZE.default ? {} : { size: params.size }) }, result.corrected?.from),
    })),
  };
}

/**
 * The article page shows at most this much of a body (UTF-16 code units) and marks at most this
 * many matches: a 5 MB record with a common word made 26 MB of HTML. The rest is in the plain text
 * download and the API.
 */
export const ARTICLE_PAGE_CAP = { characters: 200_000, marks: 1000 } as const;

export interface ArticleView {
  article: Article;
  /** 《标题》，来源，日期，文件第 N 行: plain text to quote. */
  citation: string;
  titleHtml: SafeHtml;
  /** The shown part of the body: all of it, or its first ARTICLE_PAGE_CAP.characters. */
  paragraphsHtml: SafeHtml[];
  /** Matches in the title and the body, all of them; body marks are numbered m0 … m(bodyMatchCount - 1). */
  occurrences: number;
  titleMatchCount: number;
  /** Marked (and linked) body matches: at most ARTICLE_PAGE_CAP.marks, within the shown part. */
  bodyMatchCount: number;
  /** Body length and shown length when the page shows only part of the body, else null. */
  cut: { shownCharacters: number; bodyCharacters: number } | null;
}

/** The article's citation; with a query, the line and sentence of its first match in the body. */
function articleCitation(article: Article, bodyMatches: readonly TextRange[]): string {
  const first = [...bodyMatches].sort((a, b) => a.start - b.start)[0];
  return first ? citation(article, sourceLine(article, first.start), sentenceAround(article.body, first)) : citation(article, article.lineStart);
}

/** The article with its matches marked and numbered (m0, m1, …) so the reader can jump between them, within ARTICLE_PAGE_CAP. */
export function articleView(article: Article, matches: { title: TextRange[]; body: TextRange[] }): ArticleView {
  const shown = shownPart(article.body);
  // Overlapping matches become one mark: count marks, so every numbered link has its target.
  const bodyMarks = mergeMatches(article.body, matches.body);
  const marked = bodyMarks.filter((range) => range.end <= shown.length).slice(0, ARTICLE_PAGE_CAP.marks);
  const titleMatchCount = mergeMatches(article.title, matches.title).length;
  return {
    article,
    citation: articleCitation(article, matches.body),
    titleHtml: highlightAll(article.title, matches.title, "t")[0],
    paragraphsHtml: highlightAll(shown, marked, "m"),
    occurrences: titleMatchCount + bodyMarks.length,
    titleMatchCount,
    bodyMatchCount: marked.length,
    cut: shown.length < article.body.length ? { shownCharacters: shown.length, bodyCharacters: article.body.length } : null,
  };
}

/** The body up to the cap, not splitting a surrogate pair. */
function shownPart(body: string): string {
  if (body.length <= ARTICLE_PAGE_CAP.characters) return body;
  const end = ARTICLE_PAGE_CAP.characters;
  const high = body.charCodeAt(end - 1);
  return body.slice(0, high >= 0xd800 && high <= 0xdbff ? end - 1 : end);
}
