// The candidate stage: which articles have the query's words and phrases. Every word or phrase
// becomes "needles" (folded strings the article must contain); the n-gram index proposes the
// articles that can contain them, and the text decides (phrase-check.ts). AND, OR, exclusions and
// the relaxed fallback are combined here; ranking is rank.ts's.
import { namesOf, queryTerms } from "../analysis/analyze.js";
import { fold } from "../analysis/fold.js";
import { BUILD_CHUNK, Derived } from "../index/derived.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import type { Budget, Steps } from "./budget.js";
import { EMPTY, filter, has, intersect, intersectAll, union, unionAll, type DocSet } from "./doc-sets.js";
import { candidateHolds, DECODE_RATIO, estimateCandidates, needleCandidates, needleCheck, needleInField, verifyNeedle } from "./phrase-check.js";
import type { Atom } from "./query-parser.js";

/** One word or phrase of the query, analyzed; its candidate sets are computed once per query, when first needed. */
export interface AnalyzedAtom {
  atom: Atom;
  /** Strings the field must contain, all of them (folded). */
  needles: string[];
  /** jieba terms for BM25. */
  terms: string[];
  /** The atom's folded text without spaces: the bonus when it stands together. */
  joined: string;
  /** Needles with Latin text at an end match whole Latin words only (query words do; quoted phrases match any substring). */
  wholeWords: boolean;
  /** Added by query-expansion.ts (a synonym, a pinyin reading): ranked below what the query literally says. */
  expansion?: boolean;
  candidates?: DocSet;
  verified?: DocSet;
}

/** A phrase needs its whole folded text; a word needs each of its jieba terms (anywhere in the field). */
export function analyzeAtom(atom: Atom, names?: ReadonlySet<string>): AnalyzedAtom {
  const folded = fold(atom.text).trim();
  const terms = queryTerms(folded, names);
  const needles = atom.kind === "phrase" || terms.length === 0 ? [folded] : [...new Set(terms)];
  return {
    atom,
    needles: needles.filter((needle) => needle.length > 0),
    terms,
    joined: folded.replace(/\s+/g, ""),
    wholeWords: atom.kind === "words",
  };
}

/** Every name of the index's bylines that is a term (analyze.ts namesOf): queries keep them whole, as their articles do. */
export const BYLINE_NAMES = new Derived<IndexSnapshot, ReadonlySet<string>>("byline names", function* (snapshot) {
  const all = new Set<string>();
  for (let doc = 0; doc < snapshot.size; doc++) {
    for (const name of namesOf(snapshot.keywordValues(doc, "author"))) all.add(name);
    if (doc % BUILD_CHUNK === 0) yield;
  }
  return all;
});

export function namesOfIndex(snapshot: IndexSnapshot): ReadonlySet<string> {
  return BYLINE_NAMES.get(snapshot);
}

function candidatesOf(snapshot: IndexSnapshot, item: AnalyzedAtom): DocSet {
  item.candidates ??= item.needles.length === 0 ? EMPTY : intersectAll(item.needles.map((needle) => needleCandidates(snapshot, needle)));
  return item.candidates;
}

/** For a member of the atom's candidates: does it really match? */
export function atomHolds(snapshot: IndexSnapshot, item: AnalyzedAtom, doc: number): boolean {
  if (item.verified) return has(item.verified, doc);
  if (!has(candidatesOf(snapshot, item), doc)) return false;
  for (const needle of item.needles) if (!candidateHolds(snapshot, doc, needle, item.atom.field, item.wholeWords)) return false;
  return true;
}

export function* verifiedOf(snapshot: IndexSnapshot, item: AnalyzedAtom, budget: Budget): Steps<DocSet> {
  if (item.verified) return item.verified;
  let docs = candidatesOf(snapshot, item);
  for (const needle of item.needles) docs = yield* verifyNeedle(snapshot, docs, needle, item.atom.field, item.wholeWords, budget);
  return (item.verified = docs);
}

/**
 * The articles that have every required item. Needles of single-item groups are intersected
 * rarest first; once the candidates are few compared with a needle's lists, that needle is checked
 * on the candidates' text instead of decoding its lists (a one-character word like 年 is in most
 * articles, and decoding its list would cost more than the whole rest of the query).
 */
export function* strictMatches(snapshot: IndexSnapshot, groups: AnalyzedAtom[][], budget: Budget): Steps<DocSet> {
  if (groups.some((group) => group.every((item) => item.needles.length === 0))) return EMPTY;
  // Phrases already verified for their counts are exact sets: start from them, check nothing again.
  const verified = groups.flatMap((group) => (group.length === 1 && group[0]!.verified ? [group[0]!.verified] : []));
  let candidates: DocSet | undefined = verified.length > 0 ? intersectAll(verified) : undefined;
  const needs = groups
    .filter((group) => group.length === 1 && !group[0]!.verified)
    .flatMap(([item]) => item!.needles.map((needle) => ({ needle, field: item!.atom.field, wholeWord: item!.wholeWords, estimate: estimateCandidates(snapshot, needle), decoded: false })))
    .sort((a, b) => a.estimate - b.estimate);
  for (const need of needs) {
    if (candidates && need.estimate > candidates.length * DECODE_RATIO) continue;
    const docs = needleCandidates(snapshot, need.needle);
    candidates = candidates ? intersect(candidates, docs) : docs;
    need.decoded = true;
  }
  const alternatives = groups.filter((group) => group.length > 1);
  for (const group of alternatives) {
    let docs = EMPTY;
    for (const item of group) {
      docs = union(docs, candidatesOf(snapshot, item));
      if (budget.due(docs.length)) yield;
    }
    candidates = candidates ? intersect(candidates, docs) : docs;
  }
  const matched = candidates ?? EMPTY;
  const checks = needs.map((need) => needleCheck(snapshot, matched, need.needle, need.field, need.wholeWord, need.decoded));
  // Loops, not every()/some() with arrows: those made closures per article, gigabytes of garbage a minute under load.
  const holdsAll = (doc: number): boolean => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(doc)) return false;
    for (let i = 0; i < alternatives.length; i++) if (!holdsAny(snapshot, alternatives[i]!, doc)) return false;
    return true;
  };
  return yield* filter(matched, holdsAll, budget);
}

/** Whether the article has some item of the group. */
function holdsAny(snapshot: IndexSnapshot, group: readonly AnalyzedAtom[], doc: number): boolean {
  for (let i = 0; i < group.length; i++) if (atomHolds(snapshot, group[i]!, doc)) return true;
  return false;
}

/**
 * A filter that keeps the articles with none of the excluded items: checked by posting lists when
 * many articles are to be checked, else on their text.
 */
export function excludes(snapshot: IndexSnapshot, excluded: AnalyzedAtom[], population: number): (doc: number) => boolean {
  const checks = excluded
    .filter((item) => item.needles.length > 0)
    .map((item) => {
      const cheapest = Math.min(...item.needles.map((needle) => estimateCandidates(snapshot, needle)));
      if (population * DECODE_RATIO >= cheapest) return (doc: number) => atomHolds(snapshot, item, doc);
      return (doc: number) => item.needles.every((needle) => needleInField(snapshot, doc, needle, item.atom.field, item.wholeWords));
    });
  if (checks.length === 0) return () => true;
  return (doc) => {
    for (const check of checks) if (check(doc)) return false;
    return true;
  };
}

/**
 * When no article has every item: the articles that have at least one, and how many each has
 * (ranking puts more items first). Filters and exclusions still apply. `groupArticles` says how
 * many articles (within the filters) have each item, so that the page can say which words matched.
 */
export function* relaxedMatches(
  snapshot: IndexSnapshot,
  groups: AnalyzedAtom[][],
  excluded: AnalyzedAtom[],
  passesFilters: (doc: number) => boolean,
  budget: Budget,
): Steps<{ matched: DocSet; matchedGroups: Uint8Array; groupArticles: number[] }> {
  const matchedGroups = new Uint8Array(snapshot.size);
  const groupArticles: number[] = [];
  let any: DocSet = EMPTY;
  for (const group of groups) {
    const docs = yield* filter(unionAll(group.map((item) => candidatesOf(snapshot, item))), (doc) => passesFilters(doc) && holdsAny(snapshot, group, doc), budget);
    for (const doc of docs) matchedGroups[doc]! += 1;
    groupArticles.push(docs.length);
    any = union(any, docs);
  }
  return { matched: yield* filter(any, excludes(snapshot, excluded, any.length), budget), matchedGroups, groupArticles };
}
