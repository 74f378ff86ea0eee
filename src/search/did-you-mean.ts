// Did you mean: most Chinese typos come from pinyin input methods, which offer every character of a
// syllable, so 习进平 is typed for 习近平 and 脱贫功坚 for 脱贫攻坚. A query word that few articles hold
// is compared with the index's own vocabulary (vocabulary.ts): a frequent word with the same pinyin
// (tones ignored), or one character away, that reads well in the query's context is offered.
import { fold } from "../analysis/fold.js";
import { queryTerms } from "../analysis/analyze.js";
import { isHan, pinyinKey } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget, runToEnd, type Steps } from "./budget.js";
import { analyzeAtom, namesOfIndex, strictMatches } from "./candidates.js";
import { intersect, type DocSet } from "./doc-sets.js";
import { oneCharacterAwayInSteps, oneCharacterAwaySteps } from "./nearby-text.js";
import { estimateCandidates, needleCandidates, needleInField, verifyNeedle, wordHolders, type Field } from "./phrase-check.js";
import { type Atom, type ParsedQuery } from "./query-parser.js";
import { VOCABULARY } from "./vocabulary.js";

export type SuggestionReason = "homophone" | "typo" | "pinyin" | "date" | "author";

export interface Suggestion {
  /** The whole query to run instead (or in addition, for a filter). */
  query: string;
  reason: SuggestionReason;
  /** For a filter: what it does, for people (只看 2019 年, 只看 都镇强 署名的报道). */
  label?: string;
}

export interface Replacement {
  from: string;
  to: string;
  reason: "homophone" | "typo";
}

/** A query word held (as written, in its context) by fewer articles than this may be a typo. */
const RARE = 20;
/** A correction must read, in the same context, in this many times more articles than the original… */
const RATIO = 10;
/** …and this many times when the original is in some articles: a rare word is often a real one (a name, a term). */
const RATIO_SEEN = 25;
/** …and in at least this many. */
const MIN_CORRECTED = 3;
/** Longest query word looked at: people type short words; a pasted headline is not a typo, and checking one cost 7-10 ms. */
const MAX_WORD = 10;

/** Above this many candidates a piece is common: counting it exactly would cost a common phrase's time (中国: 50 ms). */
const COMMON = 4000;

/**
 * Articles holding `text` exactly in the field, or COMMON when there are obviously many. A caller
 * that only asks whether fewer than `enough` do gets `enough` as soon as that many surely do. A
 * spent `budget` stops it (QueryTooExpensiveError).
 */
export function countPhrase(snapshot: IndexSnapshot, text: string, field: Field, budget = Budget.unlimited(), enough = COMMON): number {
  const needle = fold(text).trim();
  if (needle === "") return 0;
  // From list lengths alone, before decoding anything: most query words stop here.
  const estimate = estimateCandidates(snapshot, needle);
  if (estimate === 0 || estimate >= COMMON) return Math.min(estimate, COMMON);
  if (enough < COMMON && wordHolders(snapshot, needle, field) >= enough) return enough;
  const candidates = needleCandidates(snapshot, needle);
  if (candidates.length >= COMMON) return COMMON;
  // Fewer than COMMON candidates: bounded work, stopped by the budget but not paused (the caller pauses between counts).
  return runToEnd(verifyNeedle(snapshot, candidates, needle, field, false, budget)).length;
}

/** Whether some article holds `text` in the field: stops at the first (a common word's is the first candidate). */
function* occursAnywhere(snapshot: IndexSnapshot, text: string, field: Field, budget: Budget): Steps<boolean> {
  const needle = text.trim();
  if (needle === "" || estimateCandidates(snapshot, needle) === 0) return false;
  // A word of some article's field is there: nothing to decode.
  if (wordHolders(snapshot, needle, field) > 0) return true;
  const candidates = needleCandidates(snapshot, needle);
  for (let i = 0; i < candidates.length; i++) {
    if (needleInField(snapshot, candidates[i]!, needle, field, false)) return true;
    if (budget.due()) yield;
  }
  return false;
}

interface Span {
  start: number;
  end: number;
}

/** The jieba words of `text` with their offsets, and runs of up to three of them: where a word read the same may stand. */
function spansOf(text: string): Span[] {
  const words: Span[] = [];
  let from = 0;
  for (const term of queryTerms(text)) {
    const at = text.indexOf(term, from);
    if (at < 0) continue;
    words.push({ start: at, end: at + term.length });
    from = at + term.length;
  }
  const spans: Span[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = i; j < Math.min(words.length, i + 3); j++) {
      const span = { start: words[i]!.start, end: words[j]!.end };
      if (span.end - span.start >= 2 && isHan(text.slice(span.start, span.end))) spans.push(span);
    }
  }
  return spans;
}

/** Texts tried per position of a word, the ones the archive most probably holds first (and as many read alike). */
const CANDIDATES_PER_POSITION = 50;
/** Articles having the rest of the query read for what they offer in place of the word, at most. */
const CONTEXT_SCAN = 2000;
/** Candidates whose article count is counted exactly, the best by estimate first. */
const COUNTED = 12;
/** A word's own frequency weighs against it (as the square root of its count, plus this): see score(). */
const FREQUENCY_DAMPING = 50;
/** How much likelier a slip to a character read the same is than to any other (an input method's), … */
const HOMOPHONE_WEIGHT = 10;
/** …and a text that jieba keeps as a word than text across words (育着, 式会). */
const WORD_WEIGHT = 10;

interface Candidate {
  /** The corrected word. */
  text: string;
  reason: Replacement["reason"];
  /** Articles holding the corrected word (COMMON or more: the estimate). */
  count: number;
  /** Articles holding it among those that have the rest of the query (the count when there is no rest). */
  together: number;
}

/**
 * How probable a correction is, as a log: a noisy channel. How well it reads with the rest of the
 * query (the articles holding both) over the square root of how common it is — halfway between the
 * joint count, which prefers common words (继续 for 海续 beside 天大), and the conditional one,
 * which prefers any accidental text that happens to stand in one of those articles — times the
 * likelier slips (a character read the same) and the likelier intentions (a word, not text across words).
 */
function score(snapshot: IndexSnapshot, candidate: Candidate): number {
  return (
    Math.log(candidate.together) -
    0.5 * Math.log(candidate.count + FREQUENCY_DAMPING) +
    (candidate.reason === "homophone" ? Math.log(HOMOPHONE_WEIGHT) : 0) +
    (isWord(snapshot, candidate.text) ? Math.log(WORD_WEIGHT) : 0)
  );
}

/** Whether jieba cut `text` as a word of some article (the body's word index looks a term up exactly; the headlines' FlexSearch would split it). */
function isWord(snapshot: IndexSnapshot, text: string): boolean {
  return snapshot.parts.some(({ words }) => words.body.lookup(text).documentFrequency > 0);
}

/** Articles holding `text` in the field: exact below COMMON, the estimate above (a common word's ratio needs no precision). */
function articlesHolding(snapshot: IndexSnapshot, text: string, field: Field, budget: Budget): number {
  const count = countPhrase(snapshot, text, field, budget);
  return count < COMMON ? count : estimateCandidates(snapshot, text);
}

/**
 * The texts that may have been meant by the typed word `text` (folded, Han): the archive's texts one
 * character away (nearby-text.ts); for a word no article holds, also every such text in the articles
 * that have the rest of the query (叛军 beside 劫掠, however rare) and, for a query that finds nothing,
 * the vocabulary's words read the same in place of a piece of it (脱贫共建 → 脱贫攻坚). The vocabulary
 * is read only then: a query that finds articles must not wait for it on a fresh server (warm-up.ts).
 */
function* proposals(snapshot: IndexSnapshot, text: string, context: DocSet | undefined, sources: { scan: boolean; vocabulary: boolean; least: number }, budget: Budget): Steps<Set<string>> {
  const proposed = new Set<string>();
  for (const nearby of yield* oneCharacterAwaySteps(snapshot, text, CANDIDATES_PER_POSITION, sources.least, budget)) proposed.add(nearby.text);
  if (sources.scan && context && context.length <= CONTEXT_SCAN) for (const nearby of (yield* oneCharacterAwayInSteps(snapshot, text, context, budget)).keys()) proposed.add(nearby);
  if (!sources.vocabulary) return proposed;
  const vocabulary = yield* VOCABULARY.prepare(snapshot, budget);
  for (const span of spansOf(text)) {
    for (const { word } of vocabulary.homophones(text.slice(span.start, span.end))) proposed.add(text.slice(0, span.start) + word + text.slice(span.end));
  }
  return proposed;
}

/**
 * The best correction of one query word (folded `text`, held by `original` articles), judged with
 * the articles that have the rest of the query (`context`; undefined when there is no rest, or
 * nothing has it all).
 */
function* bestCandidate(
  snapshot: IndexSnapshot,
  text: string,
  field: Field,
  original: number,
  context: DocSet | undefined,
  found: { total: number; relaxed: boolean },
  budget: Budget,
): Steps<Candidate | undefined> {
  const foundSome = found.total > 0 && !found.relaxed;
  // A rare word of a query that finds articles is meant unless its correction finds many more with the rest of the query.
  const leastTogether = foundSome && original > 0 ? RATIO * found.total : 1;
  // No candidate can be found with the rest of the query in more articles than have the rest: most
  // rare words of queries that find their article stop here, before any text is proposed.
  if (context && context.length < leastTogether) return undefined;
  const readingOfTyped = pinyinKey(text);
  // The fewest articles any correction needs (below): the lists' bound rules most candidates out unread.
  const least = original === 0 ? MIN_CORRECTED : RATIO_SEEN * (original + 1);
  // Scored with the estimate of the n-gram lists first, then counted exactly for the best few.
  const estimated: Candidate[] = [];
  const proposed = yield* proposals(snapshot, text, context, { scan: original === 0, vocabulary: !foundSome, least }, budget);
  for (const candidate of proposed) {
    // The rarest pair's articles: no more can hold the candidate, nor hold it with the rest of the query.
    const estimate = estimateCandidates(snapshot, candidate);
    if (estimate < least || estimate < leastTogether) continue;
    // Reading a candidate's pinyin costs more than the checks that rule most candidates out: it is read last.
    let reason: Replacement["reason"] | undefined;
    const reasonOf = (): Replacement["reason"] => (reason ??= pinyinKey(candidate) === readingOfTyped ? "homophone" : "typo");
    // For a rare word that some article holds, only text read the same or a word of the index (not
    // text across words that happens to be common: 远火 → 载火 of 运载火箭).
    if (original > 0 && !isWord(snapshot, candidate) && reasonOf() === "typo") continue;
    const docs = context ? intersect(needleCandidates(snapshot, candidate), context) : undefined;
    let together = estimate;
    if (docs) {
      together = 0;
      for (let i = 0; i < docs.length; i++) if (needleInField(snapshot, docs[i]!, candidate, field, false)) together++;
    }
    if (budget.due(1 + (docs?.length ?? 0))) yield;
    if (together >= leastTogether) estimated.push({ text: candidate, reason: reasonOf(), count: estimate, together });
  }
  const judged: Array<{ candidate: Candidate; score: number }> = [];
  const byEstimate = estimated.map((candidate) => ({ candidate, score: score(snapshot, candidate) })).sort((a, b) => b.score - a.score);
  for (const { candidate: entry } of byEstimate.slice(0, COUNTED)) {
    const count = articlesHolding(snapshot, entry.text, field, budget);
    if (budget.due()) yield;
    // A correction must be common, and much more common than the text typed: a text no article has
    // may be any homophone that a few articles hold, or a typo of a word that the rest of the query
    // confirms; otherwise the correction must be much more common (a rare word is often a real one).
    const needed = original === 0 && entry.reason === "typo" && !context ? RATIO : least;
    if (count < needed) continue;
    const candidate: Candidate = { ...entry, count, together: context ? entry.together : count };
    judged.push({ candidate, score: score(snapshot, candidate) });
  }
  return judged.sort((a, b) => b.score - a.score)[0]?.candidate;
}

/** Articles having every required item of `groups` (filters aside): the context a word is judged in. */
function* articlesWith(snapshot: IndexSnapshot, groups: Atom[][], budget: Budget): Steps<DocSet | undefined> {
  if (groups.length === 0) return undefined;
  const names = namesOfIndex(snapshot);
  const docs = yield* strictMatches(snapshot, groups.map((group) => group.map((atom) => analyzeAtom(atom, names))), budget);
  return docs.length > 0 ? docs : undefined;
}

export interface Correction {
  query: string;
  replacements: Replacement[];
  /** Whether some corrected word is in no article as typed: the typed query found its articles only by pieces of it. */
  absent: boolean;
}

/**
 * A correction of the typed query when one of its words is rare and text of the index reads (almost)
 * the same; undefined otherwise. Each word is corrected on its own, judged with the rest of the query
 * (score()). Only words outside quotes are corrected: a quoted phrase is meant as typed.
 * `found`: what the query as typed finds. Paced by the request's budget, as the search is: judging
 * a word counts phrases and matches again and again.
 */
export function* correctionFor(snapshot: IndexSnapshot, typed: string, query: ParsedQuery, found: { total: number; relaxed: boolean }, budget: Budget): Steps<Correction | undefined> {
  const words: Array<{ atom: Atom; at: number; folded: string; nowhere: boolean }> = [];
  const names = namesOfIndex(snapshot);
  for (const [at, group] of query.required.entries()) {
    for (const atom of group) {
      const folded = fold(atom.text);
      // A byline's name is a word of the index, not a typo, even where no text holds it (bylineSuggestions).
      if (atom.kind !== "words" || atom.text.length > MAX_WORD || folded.length < 2 || !isHan(folded) || names.has(folded)) continue;
      // Checked up to the first article that holds it: cheap, however common the word.
      words.push({ atom, at, folded, nowhere: !(yield* occursAnywhere(snapshot, folded, atom.field, budget)) });
    }
  }
  // A query that finds articles is corrected at its words that no article holds (传组织 总书记 finds
  // 380 by 传 and 组织 apart); when it has none, its rare words may still be typos of much more
  // common text read the same or one character away, offered (search.ts shows the typed results).
  const foundSome = found.total > 0 && !found.relaxed;
  const anyAbsent = words.some(({ nowhere }) => nowhere);
  const edits: Array<Span & Replacement> = [];
  for (const { atom, at, folded, nowhere } of words) {
    if (foundSome && anyAbsent && !nowhere) continue;
    const original = nowhere ? 0 : countPhrase(snapshot, folded, atom.field, budget, RARE);
    if (original >= RARE) continue;
    const context = yield* articlesWith(snapshot, query.required.filter((_, other) => other !== at), budget);
    const best = yield* bestCandidate(snapshot, folded, atom.field, original, context, found, budget);
    // A word's text ends where the atom ends (only phrases have a closing quote); folding keeps offsets.
    if (best) edits.push({ start: atom.end - atom.text.length, end: atom.end, from: folded, to: best.text, reason: best.reason });
  }
  if (edits.length === 0) return undefined;
  let corrected = typed;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) corrected = corrected.slice(0, edit.start) + edit.to + corrected.slice(edit.end);
  return { query: corrected, replacements: edits.map(({ from, to, reason }) => ({ from, to, reason })), absent: anyAbsent };
}

/**
 * A query word that is the name of one of the index's bylines (都镇强) is offered as the author
 * filter: a byline is not in its article's text, so the word alone finds only stories that mention
 * the reporter. The filter takes the word's place (都镇强 疫情 → 疫情 作者:都镇强).
 */
export function bylineSuggestions(typed: string, query: ParsedQuery, names: ReadonlySet<string>): Suggestion[] {
  if (query.filters.author.length > 0 || names.size === 0) return [];
  for (const group of query.required) {
    const atom = group[0]!;
    const name = fold(atom.text).trim();
    if (group.length !== 1 || atom.kind !== "words" || atom.field !== "any" || !names.has(name)) continue;
    const rest = `${typed.slice(0, atom.end - atom.text.length)} ${typed.slice(atom.end)}`.trim().replace(/\s+/g, " ");
    return [{ query: `${rest} 作者:${name}`.trim(), reason: "author", label: `只看 ${name} 署名的报道` }];
  }
  return [];
}

/** A year, month or day written as a query word: 2019, 2019年, 2018年3月, 2018年3月5日. */
const DATE_WORD = /^((?:19|20)\d\d)(?:年(?:(\d{1,2})月(?:(\d{1,2})日)?)?)?$/;

/**
 * A query word that is a date (脱贫攻坚 2019, 2018年3月 …) is offered as a filter too: the same query
 * with `date:`. The word itself stays a searched word (a story may say 2019 without being from it).
 */
export function dateSuggestions(typed: string, query: ParsedQuery): Suggestion[] {
  if (query.filters.date !== undefined) return [];
  for (const group of query.required) {
    const atom = group[0]!;
    const match = group.length === 1 && atom.kind === "words" ? DATE_WORD.exec(fold(atom.text)) : null;
    if (!match) continue;
    const [, year, month, day] = match;
    const two = (part: string): string => part.padStart(2, "0");
    if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) continue;
    if (day !== undefined && (Number(day) < 1 || Number(day) > 31)) continue;
    const value = [year!, ...(month ? [two(month)] : []), ...(day ? [two(day)] : [])].join("-");
    const label = `只看 ${year} 年${month ? ` ${Number(month)} 月` : ""}${day ? ` ${Number(day)} 日` : ""}`;
    return [{ query: `${typed.trim()} date:${value}`, reason: "date", label }];
  }
  return [];
}
