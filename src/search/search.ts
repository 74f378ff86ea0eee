// The one entry point of a search: parse → candidates (candidates.ts: n-gram index, exact check)
// → filters → BM25 ranking (rank.ts: word index) → proximity re-rank of the head → page of hits
// with the match offsets that snippets need. Pure with respect to the snapshot: no IO but reading it.
import { fold } from "../analysis/fold.js";
import type { ArticleMeta } from "../index/article-store.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { DATE_FILTER, VALUE_FILTERS, type FacetFieldName } from "../index/schema.js";
import type { TextRange } from "../types.js";
import { Budget, runToEnd, type Steps } from "./budget.js";
import { analyzeAtom, atomHolds, excludes, namesOfIndex, relaxedMatches, strictMatches, verifiedOf, type AnalyzedAtom } from "./candidates.js";
import { bylineSuggestions, correctionFor, dateSuggestions, type Suggestion } from "./did-you-mean.js";
import { filter, type DocSet } from "./doc-sets.js";
import { expandQuery, type Expansion } from "./query-expansion.js";
import { countOccurrences, findNeedle, type Field } from "./phrase-check.js";
import { parseQuery, type ParsedQuery } from "./query-parser.js";
import { countFacets, type Facets } from "./facets.js";
import { addBm25, compareRanked, topKSteps, type Ranked, type SortOrder } from "./rank.js";

export interface SearchRequest {
  query: string;
  /** 1-based. */
  page: number;
  size: number;
  sort: SortOrder;
  /** False runs the query as typed even when it finds nothing and a correction would ("仍然搜索"). Default true. */
  correct?: boolean;
  /** Keyword fields to count the matches by (facets.ts); none when absent. */
  facets?: readonly FacetFieldName[];
}

export interface KeyedRange extends TextRange {
  /** Which needle matched (distinct keys make a better snippet). */
  key: number;
}

export interface SearchHit {
  doc: number;
  score: number;
  article: ArticleMeta;
  body: string;
  /** Matches in the title and in the body (offsets into each). */
  titleMatches: KeyedRange[];
  bodyMatches: KeyedRange[];
}

export interface PhraseCount {
  phrase: string;
  field: Field;
  /** Articles that contain the phrase (in the field) among those the query's filters keep (author:, date:, …), before its other words. */
  articles: number;
  occurrences: number;
  /** The same over the whole archive, when the query has filters (a reporter sees both, labelled). */
  archive?: { articles: number; occurrences: number };
}

/** One required item (a word, a phrase, or alternatives joined by OR) as typed, and the articles that have it. */
export interface ItemCount {
  text: string;
  articles: number;
}

export interface SearchResult {
  query: ParsedQuery;
  total: number;
  /** True when no article matched every required item and the result lists articles matching some. */
  relaxed: boolean;
  /** Relaxed or empty results only (else empty): each required item and its articles within the filters. */
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
  hits: SearchHit[];
  /** Other queries worth offering: corrections of rare words (did you mean). */
  suggestions: Suggestion[];
  /** Alternatives the query was expanded with (synonyms, pinyin readings). */
  expansions: Expansion[];
  /** When the hits are those of a correction (the typed query found nothing, or only a relaxed match): the typed query and the one run. */
  corrected?: { from: string; to: string };
  facets?: Facets;
}

/** Re-rank this many of the best BM25 results with proximity bonuses (they only add, so the head is where they matter). */
export const RERANK_DEPTH = 200;

export interface QueryMatches {
  query: ParsedQuery;
  groups: AnalyzedAtom[][];
  matched: DocSet;
  /** Relaxed results only: how many required items each article has. */
  matchedGroups: Uint8Array | undefined;
  relaxed: boolean;
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
  expansions: Expansion[];
}

/** matchQuerySteps without a time limit (tests, bench). */
export function matchQuery(snapshot: IndexSnapshot, queryText: string): QueryMatches {
  return runToEnd(matchQuerySteps(snapshot, queryText, Budget.unlimited()));
}

/** Everything up to ranking: which articles match, and the exact counts of the quoted phrases. */
export function* matchQuerySteps(snapshot: IndexSnapshot, queryText: string, budget: Budget): Steps<QueryMatches> {
  const query = parseQuery(queryText);
  const names = namesOfIndex(snapshot);
  const { groups: members, expansions } = expandQuery(snapshot, query);
  const groups = members.map((group) => group.map(({ atom, expansion }) => ({ ...analyzeAtom(atom, names), expansion })));
  const excluded = query.excluded.map((atom) => analyzeAtom(atom, names));
  const passesFilters = metadataFilter(snapshot, query);

  // Phrases are counted exactly, within the filters (a reporter must be able to trust "N articles"
  // for 2018 when the query says date:2018), and over the whole archive beside it.
  const filtered = hasFilters(query);
  const phrases: PhraseCount[] = [];
  for (const item of groups.flat()) {
    if (item.atom.kind !== "phrase" || item.needles.length === 0 || item.expansion) continue;
    const docs = yield* verifiedOf(snapshot, item, budget);
    const all = { articles: 0, occurrences: 0 };
    const kept = { articles: 0, occurrences: 0 };
    const needle = item.needles[0]!;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      const text = snapshot.folded(doc);
      const count = countOccurrences(text, needle, item.wholeWords, item.atom.field === "title" ? snapshot.titleLength(doc) : text.length);
      all.articles++;
      all.occurrences += count;
      if (filtered && passesFilters(doc)) {
        kept.articles++;
        kept.occurrences += count;
      }
      if (budget.due(1 + count)) yield;
    }
    const phrase = { phrase: item.needles[0]!, field: item.atom.field };
    phrases.push(filtered ? { ...phrase, ...kept, archive: all } : { ...phrase, ...all });
  }

  // Without words (`date:2019-04-27` alone), the filters choose the articles: a day's broadcast, an author's work.
  const hasEveryItem = groups.length === 0 ? everyArticle(snapshot) : yield* strictMatches(snapshot, groups, budget);
  // Filters and exclusions narrow a full match; they never turn an empty result into a relaxed one.
  const kept = yield* filter(hasEveryItem, passesFilters, budget);
  let matched = yield* filter(kept, excludes(snapshot, excluded, kept.length), budget);
  let matchedGroups: Uint8Array | undefined;
  let itemCounts: ItemCount[] = [];
  const relaxed = hasEveryItem.length === 0 && groups.length > 1;
  if (relaxed || matched.length === 0) {
    // Which items matched is what a reader of an empty or partial result needs to know next.
    const fallback = yield* relaxedMatches(snapshot, groups, excluded, passesFilters, budget);
    if (relaxed) ({ matched, matchedGroups } = fallback);
    // Groups, not the typed items: pinyin typed as several words (xi jinping) is one group.
    itemCounts = groups.map((group, i) => {
      const typed = group.filter((item) => !item.expansion);
      return { text: queryText.slice(typed[0]!.atom.start, typed.at(-1)!.atom.end), articles: fallback.groupArticles[i]! };
    });
  }
  return { query, groups, matched, matchedGroups, relaxed, itemCounts, phrases, expansions };
}

/** A search without a time limit (tests, bench, tools); the server runs searchSteps() within a budget. */
export function search(snapshot: IndexSnapshot, request: SearchRequest): SearchResult {
  return runToEnd(searchSteps(snapshot, request, Budget.unlimited()));
}

export function* searchSteps(snapshot: IndexSnapshot, request: SearchRequest, budget: Budget): Steps<SearchResult> {
  const typed = yield* searchAsTyped(snapshot, request.query, request, budget);
  const bylines = bylineSuggestions(request.query, typed.query, namesOfIndex(snapshot));
  // A reporter's name that no story's text holds (with the rest of the query): the stories under that byline, shown as a correction is.
  if ((typed.total === 0 || typed.relaxed) && bylines.length > 0 && request.correct !== false) {
    const byline = bylines[0]!.query;
    const bylined = yield* searchAsTyped(snapshot, byline, request, budget);
    if (bylined.total > 0 && (typed.total === 0 || !bylined.relaxed)) return { ...bylined, suggestions: dateSuggestions(byline, bylined.query), corrected: { from: request.query, to: byline } };
  }
  const dates = [...bylines, ...dateSuggestions(request.query, typed.query)];
  const correction = yield* correctionFor(snapshot, request.query, typed.query, typed, budget);
  if (!correction) return { ...typed, suggestions: dates };
  // As search engines do: when the typed words find nothing, only some of them do, or articles only
  // by pieces of a word that no article holds, show what the corrected words find, with a link to
  // search as typed after all. A correction of rare words that exist is only offered.
  if (request.correct !== false && (typed.total === 0 || typed.relaxed || correction.absent)) {
    const corrected = yield* searchAsTyped(snapshot, correction.query, request, budget);
    if (typed.total === 0 || (!corrected.relaxed && corrected.total > 0)) {
      return { ...corrected, suggestions: dateSuggestions(correction.query, corrected.query), corrected: { from: request.query, to: correction.query } };
    }
  }
  const reason = correction.replacements[0]!.reason;
  return { ...typed, suggestions: [{ query: correction.query, reason }, ...dates] };
}

function* searchAsTyped(snapshot: IndexSnapshot, queryText: string, request: SearchRequest, budget: Budget): Steps<SearchResult> {
  const { query, groups, matched, matchedGroups, relaxed, itemCounts, phrases, expansions } = yield* matchQuerySteps(snapshot, queryText, budget);
  const ranked = yield* rankMatches(snapshot, groups, matched, matchedGroups, request, budget);
  const from = (request.page - 1) * request.size;
  const hits = ranked.slice(from, from + request.size).map((entry) => toHit(snapshot, groups, entry));
  const result: SearchResult = { query, total: matched.length, relaxed, itemCounts, phrases, hits, suggestions: [], expansions };
  if (request.facets && request.facets.length > 0) result.facets = countFacets(snapshot, matched, request.facets, query);
  return result;
}

export interface Occurrence {
  doc: number;
  article: ArticleMeta;
  /** Where the match is; offsets into the title or into the body. */
  field: "title" | "body";
  range: TextRange;
}

export interface OccurrenceResult {
  query: ParsedQuery;
  articles: number;
  /** Every occurrence of the query's words and phrases in the matching articles. */
  total: number;
  relaxed: boolean;
  /** As in SearchResult: relaxed or empty results only. */
  itemCounts: ItemCount[];
  phrases: PhraseCount[];
  /** The requested page of occurrences: articles in result order, occurrences in text order. */
  occurrences: Occurrence[];
}

/** Every occurrence, one by one (a reporter's concordance): the articles of search(), in the same order. Without a time limit. */
export function listOccurrences(snapshot: IndexSnapshot, request: SearchRequest): OccurrenceResult {
  return runToEnd(listOccurrencesSteps(snapshot, request, Budget.unlimited()));
}

export function* listOccurrencesSteps(snapshot: IndexSnapshot, request: SearchRequest, budget: Budget): Steps<OccurrenceResult> {
  const { query, groups, matched, matchedGroups, relaxed, itemCounts, phrases } = yield* matchQuerySteps(snapshot, request.query, budget);
  const from = (request.page - 1) * request.size;
  // Every article has an occurrence, so the page lies within the first page × size articles: only
  // those are ranked (sorting all 35k articles of 中国 was a tenth of a second); the rest are counted.
  const ranked = yield* rankMatches(snapshot, groups, matched, matchedGroups, { ...request, page: 1, size: request.page * request.size }, budget);
  const page: Occurrence[] = [];
  let total = 0;
  const count = occurrenceCounter(snapshot, groups);
  const listed = new Uint8Array(snapshot.size);
  // Occurrences are counted without being listed, except in the articles the page reaches into:
  // listing every one of 的 in 50k articles to reach page 500 made millions of objects to collect.
  for (const { doc } of ranked) {
    listed[doc] = 1;
    const found = count(doc);
    if (total + found > from && page.length < request.size) {
      fieldOccurrences(snapshot, doc, groups).forEach(({ field, range }, i) => {
        if (total + i >= from && page.length < request.size) page.push({ doc, article: snapshot.meta(doc), field, range });
      });
    }
    total += found;
    if (budget.due(1 + found)) yield;
  }
  for (let i = 0; i < matched.length; i++) {
    const doc = matched[i]!;
    if (listed[doc] === 1) continue;
    const found = count(doc);
    total += found;
    if (budget.due(1 + found)) yield;
  }
  return { query, articles: matched.length, total, relaxed, itemCounts, phrases, occurrences: page };
}

/** An occurrence in an article: offsets into its title or its body. */
export interface FieldRange {
  field: "title" | "body";
  range: TextRange;
}

export interface AllMatches {
  /** Every matching article, in the request's order. */
  docs: number[];
  /** An article's occurrences as the concordance lists them. */
  occurrencesOf(doc: number): FieldRange[];
}

/** Every match of the query as typed, for an export: all articles in order, not one page. Without a time limit (the CLI). */
export function allMatches(snapshot: IndexSnapshot, queryText: string, sort: SortOrder): AllMatches {
  return runToEnd(allMatchesSteps(snapshot, queryText, sort, Budget.unlimited()));
}

export function* allMatchesSteps(snapshot: IndexSnapshot, queryText: string, sort: SortOrder, budget: Budget): Steps<AllMatches> {
  const { groups, matched, matchedGroups } = yield* matchQuerySteps(snapshot, queryText, budget);
  const ranked = yield* rankMatches(snapshot, groups, matched, matchedGroups, { query: queryText, sort, page: 1, size: matched.length }, budget);
  const docs = new Array<number>(ranked.length);
  for (let i = 0; i < ranked.length; i++) docs[i] = ranked[i]!.doc;
  return { docs, occurrencesOf: (doc) => fieldOccurrences(snapshot, doc, groups) };
}

function fieldOccurrences(snapshot: IndexSnapshot, doc: number, groups: AnalyzedAtom[][]): FieldRange[] {
  return fieldOccurrencesInText(snapshot.folded(doc), snapshot.titleLength(doc), groups);
}

/** The occurrences in an article's folded text (its first `titleEnd` characters the title) as the concordance lists them: merged, title first, each in text order. */
export function fieldOccurrencesInText(folded: string, titleEnd: number, groups: AnalyzedAtom[][]): FieldRange[] {
  const needles = distinctNeedles(groups);
  // One needle's matches never overlap (each search starts past the last match), so they need no
  // merging: an export of "中国" lists 129k occurrences, and merging made three objects of each.
  if (needles.length === 1) return singleNeedleOccurrences(folded, titleEnd, needles[0]!.needle, needles[0]!.wholeWord);
  const { titleMatches, bodyMatches } = matchesInText(folded, titleEnd, groups);
  return [
    ...mergeRanges(titleMatches).map((range) => ({ field: "title" as const, range })),
    ...mergeRanges(bodyMatches).map((range) => ({ field: "body" as const, range })),
  ];
}

/** fieldOccurrences for one needle: matches in "title\nbody" that lie in the title or in the body, in text order. */
function singleNeedleOccurrences(folded: string, titleEnd: number, needle: string, wholeWord: boolean): FieldRange[] {
  const found: FieldRange[] = [];
  if (needle.length === 0) return found;
  for (let at = findNeedle(folded, needle, 0, wholeWord); at >= 0; at = findNeedle(folded, needle, at + needle.length, wholeWord)) {
    if (at + needle.length <= titleEnd) found.push({ field: "title", range: { start: at, end: at + needle.length } });
    else if (at > titleEnd) found.push({ field: "body", range: { start: at - titleEnd - 1, end: at - titleEnd - 1 + needle.length } });
  }
  return found;
}

/**
 * How many occurrences of the query an article has, as the concordance lists them
 * (fieldOccurrences(…).length), without listing them: the needles' matches are walked in the order
 * mergeRanges sorts them (start, then longer first, then needle) and merged by its rule as they come.
 */
export function occurrenceCounter(snapshot: IndexSnapshot, groups: AnalyzedAtom[][]): (doc: number) => number {
  const count = textOccurrenceCounter(groups);
  return (doc) => count(snapshot.folded(doc), snapshot.titleLength(doc));
}

/** occurrenceCounter over an article's folded text and title length. */
export function textOccurrenceCounter(groups: AnalyzedAtom[][]): (folded: string, titleEnd: number) => number {
  const needles = distinctNeedles(groups);
  const next = new Int32Array(needles.length);
  return (folded, titleEnd) => {
    needles.forEach(({ needle, wholeWord }, key) => (next[key] = needle.length === 0 ? -1 : findNeedle(folded, needle, 0, wholeWord)));
    let count = 0;
    let lastEnd = -1;
    let lastKey = -1;
    for (;;) {
      let key = -1;
      for (let k = 0; k < needles.length; k++) {
        const at = next[k]!;
        if (at < 0) continue;
        if (key < 0 || at < next[key]! || (at === next[key]! && needles[k]!.needle.length > needles[key]!.needle.length)) key = k;
      }
      if (key < 0) return count;
      const { needle, wholeWord } = needles[key]!;
      const start = next[key]!;
      const end = start + needle.length;
      next[key] = findNeedle(folded, needle, end, wholeWord);
      if (end > titleEnd && start <= titleEnd) continue; // across the end of the title: in neither field
      if (start < lastEnd || (start === lastEnd && key !== lastKey)) lastEnd = Math.max(lastEnd, end);
      else {
        count++;
        lastEnd = end;
        lastKey = key;
      }
    }
  };
}

/**
 * Matches of different needles that overlap or touch are one occurrence: a phrase and a word inside
 * it, or the words 疫情 and 防控 of the query 疫情防控 standing together. Repeats of one needle stay
 * apart (哈哈 twice in 哈哈哈哈), as the phrase counts count them.
 */
function mergeRanges(ranges: readonly KeyedRange[]): TextRange[] {
  const merged: KeyedRange[] = [];
  for (const range of [...ranges].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = merged.at(-1);
    if (last && (range.start < last.end || (range.start === last.end && range.key !== last.key))) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged.map(({ start, end }) => ({ start, end }));
}

/**
 * Per-article score arrays, zeroed, reused across queries: allocating and zeroing one for 75k
 * articles on every request cost more than the scoring. Searches run in slices side by side, so
 * each takes its own; one that is stopped midway leaves its array dirty to the collector.
 */
const zeroedScores = new WeakMap<IndexSnapshot, Float64Array[]>();

function* rankMatches(
  snapshot: IndexSnapshot,
  groups: AnalyzedAtom[][],
  matched: DocSet,
  matchedGroups: Uint8Array | undefined,
  request: SearchRequest,
  budget: Budget,
): Steps<Ranked[]> {
  let free = zeroedScores.get(snapshot);
  if (!free) zeroedScores.set(snapshot, (free = []));
  const scores = free.pop() ?? new Float64Array(snapshot.size);
  const weights = new Map<string, number>();
  // A synonym's or pinyin reading's words count half: the query did not say them.
  for (const item of groups.flat()) for (const term of item.terms) weights.set(term, (weights.get(term) ?? 0) + (item.expansion ? EXPANSION_WEIGHT : 1));
  yield* addBm25(snapshot, [...weights].map(([term, weight]) => ({ term, weight })), matched, scores, budget);

  const expanded = groups.filter((group) => group.some((item) => item.expansion));
  const entries: Ranked[] = [];
  for (let i = 0; i < matched.length; i++) {
    if (budget.due()) yield;
    const doc = matched[i]!;
    const tier = (matchedGroups ? matchedGroups[doc]! : groups.length) - expansionPenalty(snapshot, expanded, groups.length, doc);
    entries.push({ doc, tier, score: scores[doc]!, date: snapshot.dateKeys[doc]! });
    scores[doc] = 0;
  }
  free.push(scores);
  const idOf = (doc: number): string => snapshot.id(doc);
  const head = yield* rerankHeadSteps(entries, request, idOf, budget);
  return yield* orderRankedSteps(entries, head, request, idOf, (doc, base) => proximityBonus(snapshot.folded(doc), snapshot.titleLength(doc), groups, base), budget);
}

/** The best entries by BM25, enough for the requested page; the first RERANK_DEPTH of them get proximity bonuses. */
export function* rerankHeadSteps(entries: readonly Ranked[], request: Pick<SearchRequest, "page" | "size">, idOf: (doc: number) => string, budget: Budget): Steps<Ranked[]> {
  return yield* topKSteps(entries, Math.max(request.page * request.size, RERANK_DEPTH), compareRanked("relevance", idOf), budget);
}

/** rerankHeadSteps without pausing. */
export function rerankHead(entries: readonly Ranked[], request: Pick<SearchRequest, "page" | "size">, idOf: (doc: number) => string): Ranked[] {
  return runToEnd(rerankHeadSteps(entries, request, idOf, Budget.unlimited()));
}

/** The entries up to the end of the requested page, in the requested order, after the head's proximity bonuses (`bonus(doc, score)`). */
export function* orderRankedSteps(
  entries: readonly Ranked[],
  head: Ranked[],
  request: Pick<SearchRequest, "page" | "size" | "sort">,
  idOf: (doc: number) => string,
  bonus: (doc: number, base: number) => number,
  budget: Budget,
): Steps<Ranked[]> {
  const wanted = request.page * request.size;
  // Always the same RERANK_DEPTH entries, whatever the page: re-ranking more of them for a deeper
  // page would reorder the earlier pages, and paging would show some hits twice and others never.
  for (const entry of head.slice(0, RERANK_DEPTH)) entry.score += bonus(entry.doc, entry.score);
  return yield* topKSteps(request.sort === "relevance" ? head : entries, wanted, compareRanked(request.sort, idOf), budget);
}

/** orderRankedSteps without pausing. */
export function orderRanked(
  entries: readonly Ranked[],
  head: Ranked[],
  request: Pick<SearchRequest, "page" | "size" | "sort">,
  idOf: (doc: number) => string,
  bonus: (doc: number, base: number) => number,
): Ranked[] {
  return runToEnd(orderRankedSteps(entries, head, request, idOf, bonus, Budget.unlimited()));
}

/** BM25 weight of the terms of synonyms and pinyin readings, against 1 for the query's own. */
export const EXPANSION_WEIGHT = 0.5;

/**
 * Less than one group's worth (so that matching more groups still ranks first): the share of the
 * expanded groups that `doc` matches only through an expansion. Literal matches rank above synonym
 * and pinyin matches.
 */
function expansionPenalty(snapshot: IndexSnapshot, expanded: AnalyzedAtom[][], groupCount: number, doc: number): number {
  if (expanded.length === 0) return 0;
  let onlyExpanded = 0;
  for (const group of expanded) {
    const literal = group.some((item) => !item.expansion && atomHolds(snapshot, item, doc));
    if (!literal && group.some((item) => item.expansion && atomHolds(snapshot, item, doc))) onlyExpanded++;
  }
  return penaltyFor(onlyExpanded, groupCount);
}

/** The penalty of an article that matches `onlyExpanded` of the query's `groupCount` groups only through an expansion. */
export const penaltyFor = (onlyExpanded: number, groupCount: number): number => (0.5 * onlyExpanded) / groupCount;

/**
 * Rewards the query's words standing together: each multi-word item found as typed (in the
 * headline more than in the body), and a headline that is the whole query. `text` is the
 * article's folded text, its first `titleEnd` characters the title.
 */
export function proximityBonus(text: string, titleEnd: number, groups: AnalyzedAtom[][], base: number): number {
  const places = proximityWords(groups).map((word): WordPlace => {
    const at = text.indexOf(word);
    return at < 0 ? "none" : at < titleEnd ? "title" : "body";
  });
  return proximityBonusOf(places, text.slice(0, titleEnd), groups, base);
}

/** Where an article first holds a word. */
export type WordPlace = "title" | "body" | "none";

/** The words whose first place in an article earns proximityBonus's reward: the items jieba splits into two terms or more, as typed. */
export const proximityWords = (groups: AnalyzedAtom[][]): string[] =>
  groups.flat().flatMap((item) => (item.atom.kind === "phrase" || item.terms.length < 2 || item.joined.length === 0 ? [] : [item.joined]));

/** proximityBonus from the first place of each of proximityWords and the folded title (all that the PostgreSQL backend reads for it). */
export function proximityBonusOf(places: readonly WordPlace[], foldedTitle: string, groups: AnalyzedAtom[][], base: number): number {
  let bonus = 0;
  for (const place of places) if (place !== "none") bonus += place === "title" ? 0.5 * base : 0.2 * base;
  const wholeQuery = groups.map((group) => group[0]!.joined).join("");
  if (wholeQuery.length > 0 && foldedTitle.replace(/\s+/g, "") === wholeQuery) bonus += base;
  return bonus;
}

function toHit(snapshot: IndexSnapshot, groups: AnalyzedAtom[][], entry: Ranked): SearchHit {
  return {
    doc: entry.doc,
    score: entry.score,
    article: snapshot.meta(entry.doc),
    body: snapshot.body(entry.doc),
    ...matchesOfNeedles(snapshot, entry.doc, groups),
  };
}

/**
 * The query's required groups with the synonyms and pinyin readings a search adds (expandQuery;
 * without a snapshot, synonyms only), analyzed as a search analyzes them with the byline `names` of
 * the index: what an article page marks, and what it says was added.
 */
export function markedGroups(snapshot: IndexSnapshot | undefined, queryText: string, names: ReadonlySet<string>): { groups: AnalyzedAtom[][]; expansions: Expansion[] } {
  const { groups, expansions } = expandQuery(snapshot, parseQuery(queryText));
  return { groups: groups.map((group) => group.map(({ atom }) => analyzeAtom(atom, names))), expansions };
}

/** Every occurrence in the article of the query's positive words and phrases, and of their synonyms and pinyin readings (for highlighting it whole), within the request's budget. */
export function* matchesInArticleSteps(snapshot: IndexSnapshot, doc: number, queryText: string, budget: Budget): Steps<Pick<SearchHit, "titleMatches" | "bodyMatches"> & { expansions: Expansion[] }> {
  const { groups, expansions } = markedGroups(snapshot, queryText, namesOfIndex(snapshot));
  return { ...(yield* matchesInTextSteps(snapshot.folded(doc), snapshot.titleLength(doc), groups, budget)), expansions };
}

function matchesOfNeedles(snapshot: IndexSnapshot, doc: number, groups: AnalyzedAtom[][]): Pick<SearchHit, "titleMatches" | "bodyMatches"> {
  return matchesInText(snapshot.folded(doc), snapshot.titleLength(doc), groups);
}

/** Every occurrence of the groups' needles in an article's folded text (its first `titleEnd` characters the title), as offsets into the title and the body. */
export function matchesInText(folded: string, titleEnd: number, groups: AnalyzedAtom[][]): Pick<SearchHit, "titleMatches" | "bodyMatches"> {
  return runToEnd(matchesInTextSteps(folded, titleEnd, groups, Budget.unlimited()));
}

/** matchesInText paced by a budget: one article may be a 4 MiB page with a hundred thousand matches of a common word. */
export function* matchesInTextSteps(folded: string, titleEnd: number, groups: AnalyzedAtom[][], budget: Budget): Steps<Pick<SearchHit, "titleMatches" | "bodyMatches">> {
  const titleMatches: KeyedRange[] = [];
  const bodyMatches: KeyedRange[] = [];
  for (const [key, { needle, wholeWord }] of distinctNeedles(groups).entries()) {
    if (needle.length === 0) continue;
    for (let at = findNeedle(folded, needle, 0, wholeWord); at >= 0; at = findNeedle(folded, needle, at + needle.length, wholeWord)) {
      if (at + needle.length <= titleEnd) titleMatches.push({ start: at, end: at + needle.length, key });
      else if (at > titleEnd) bodyMatches.push({ start: at - titleEnd - 1, end: at - titleEnd - 1 + needle.length, key });
      budget.due();
    }
    if (budget.due()) yield;
  }
  return { titleMatches, bodyMatches };
}

/** The query's needles, each once (a word and a phrase with the same text are matched differently). */
export function distinctNeedles(groups: AnalyzedAtom[][]): Array<{ needle: string; wholeWord: boolean }> {
  const distinct = new Map<string, { needle: string; wholeWord: boolean }>();
  for (const item of groups.flat()) {
    for (const needle of item.needles) distinct.set(`${item.wholeWords ? "w" : "p"}${needle}`, { needle, wholeWord: item.wholeWords });
  }
  return [...distinct.values()];
}

function hasFilters(query: ParsedQuery): boolean {
  return query.filters.date !== undefined || VALUE_FILTERS.some((name) => query.filters[name].length > 0);
}

function everyArticle(snapshot: IndexSnapshot): DocSet {
  const all = new Uint32Array(snapshot.size);
  for (let doc = 0; doc < all.length; doc++) all[doc] = doc;
  return all;
}

/** The query's keyword filters (schema.ts): a value filter keeps articles with any of its values (folded), the date filter a range of days. */
function metadataFilter(snapshot: IndexSnapshot, query: ParsedQuery): (doc: number) => boolean {
  const { date } = query.filters;
  if (!hasFilters(query)) return () => true;
  const wanted = VALUE_FILTERS.flatMap((name) => (query.filters[name].length > 0 ? [{ name, values: query.filters[name].map(fold) }] : []));
  return (doc) => {
    for (const { name, values } of wanted) if (!snapshot.keywordValues(doc, name).some((value) => values.includes(fold(value)))) return false;
    if (date) {
      const day = snapshot.keywordValues(doc, DATE_FILTER)[0]?.slice(0, 10);
      if (!day || day < date.from || day > date.to) return false;
    }
    return true;
  };
}
