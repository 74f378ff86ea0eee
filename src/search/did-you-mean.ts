// Did you mean: most Chinese typos come from pinyin input methods, which offer every character of a
// syllable, so 习进平 is typed for 习近平 and 脱贫功坚 for 脱贫攻坚. A query word that few articles hold
// is compared with the index's own vocabulary (vocabulary.ts): a frequent word with the same pinyin
// (tones ignored), or one character away, that reads well in the query's context is offered.
import { fold } from "../analysis/fold.js";
import { queryTerms } from "../analysis/analyze.js";
import { isHan, pinyinKey } from "../analysis/pinyin.js";
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget, runToEnd } from "./budget.js";
import { analyzeAtom, namesOfIndex, strictMatches, verifiedOf } from "./candidates.js";
import { estimateCandidates, needleCandidates, needleInField, type Field } from "./phrase-check.js";
import { parseQuery, type Atom, type ParsedQuery } from "./query-parser.js";
import { vocabularyOf } from "./vocabulary.js";

export type SuggestionReason = "homophone" | "typo" | "pinyin" | "date";

export interface Suggestion {
  /** The whole query to run instead (or in addition, for a filter). */
  query: string;
  reason: SuggestionReason;
  /** For a filter: what it does, for people (只看 2019 年). */
  label?: string;
}

export interface Replacement {
  from: string;
  to: string;
  reason: "homophone" | "typo";
}

export interface Correction {
  query: string;
  replacements: Replacement[];
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
/** Correction candidates tried per piece of a word, the most frequent first. */
const CANDIDATES_PER_SPAN = 8;

/** Above this many candidates a piece is common: counting it exactly would cost a common phrase's time (中国: 50 ms). */
const COMMON = 4000;

/** Articles holding `text` exactly in the field, or COMMON when there are obviously many. */
export function countPhrase(snapshot: IndexSnapshot, text: string, field: Field): number {
  const atom: Atom = { kind: "phrase", text, field, start: 0, end: text.length };
  const item = analyzeAtom(atom);
  const needle = item.needles[0];
  if (needle === undefined) return 0;
  // From list lengths alone, before decoding anything: most query words stop here.
  const estimate = estimateCandidates(snapshot, needle);
  if (estimate === 0 || estimate >= COMMON) return Math.min(estimate, COMMON);
  item.candidates = needleCandidates(snapshot, needle);
  if (item.candidates.length >= COMMON) return COMMON;
  // Fewer than COMMON candidates: bounded work, not paced by the request's budget.
  return runToEnd(verifiedOf(snapshot, item, Budget.unlimited())).length;
}

/** Whether some article holds `text` in the field: stops at the first (a common word's is the first candidate). */
function occursAnywhere(snapshot: IndexSnapshot, text: string, field: Field): boolean {
  const needle = text.trim();
  if (needle === "" || estimateCandidates(snapshot, needle) === 0) return false;
  for (const doc of needleCandidates(snapshot, needle)) if (needleInField(snapshot, doc, needle, field, false)) return true;
  return false;
}

interface Span {
  start: number;
  end: number;
}

/** The jieba words of `text` with their offsets, and runs of up to three of them: the pieces a typo may be in. */
function spansOf(text: string): { words: Span[]; spans: Span[] } {
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
  return { words, spans };
}

/** Characters tried per position of a piece for a homophone typo (an input method's first candidates). */
const HOMOPHONE_CHARACTERS = 10;
/** Candidates of one query word judged against the whole query. */
const JUDGED_PER_WORD = 6;

interface Candidate extends Replacement, Span {
  /** Articles holding the corrected piece with its neighbours. */
  count: number;
}

/** Corrections of one query word that read well with the words around them, as [start, end) of its folded text → replacement. */
function candidatesFor(snapshot: IndexSnapshot, text: string, field: Field): Candidate[] {
  const vocabulary = vocabularyOf(snapshot);
  const { words, spans } = spansOf(text);
  const found: Candidate[] = [];
  for (const span of spans) {
    const piece = text.slice(span.start, span.end);
    // Judged in context: the piece with the words right before and after it.
    const before = words.findLast((word) => word.end <= span.start)?.start ?? span.start;
    const after = words.find((word) => word.start >= span.end)?.end ?? span.end;
    const original = countPhrase(snapshot, text.slice(before, after), field);
    if (original >= RARE) continue;
    // Without context, text that some article holds is taken as meant (脱壳, 守仁: rare words, not
    // 托克, 受人 mistyped); with context it may still be the wrong word (疫情防空 → 疫情防控).
    if (original > 0 && before === span.start && after === span.end) continue;
    // Homophones: words of the index read the same, and the piece with one character swapped for
    // one read the same (缓众 → 缓中: no word of jieba's, but text of the articles).
    const homophones = new Set(vocabulary.homophones(piece).map((entry) => entry.word));
    for (let at = 0; at < piece.length; at++) {
      for (const character of vocabulary.homophoneCharacters(piece[at]!).slice(0, HOMOPHONE_CHARACTERS)) homophones.add(piece.slice(0, at) + character + piece.slice(at + 1));
    }
    // Only text that no article holds is taken for a typo of another character (格茸, 守仁 and 脱壳
    // are rare words, not 格局, 守护 and 脱贫 mistyped); rare text may still be a homophone.
    const typos = original === 0 ? vocabulary.oneCharacterAway(piece).sort((a, b) => b.count - a.count).slice(0, CANDIDATES_PER_SPAN) : [];
    const tried = [...[...homophones].map((word) => ({ word, reason: "homophone" as const })), ...typos.map(({ word }) => ({ word, reason: "typo" as const }))];
    for (const { word, reason } of tried) {
      // A text that no article holds may be any homophone that some do; otherwise the correction
      // must be much more common than what was typed.
      const needed = reason === "homophone" && original === 0 ? MIN_CORRECTED : Math.max(MIN_CORRECTED, (original === 0 ? RATIO : RATIO_SEEN) * (original + 1));
      const count = countPhrase(snapshot, text.slice(before, span.start) + word + text.slice(span.end, after), field);
      if (count >= needed) found.push({ ...span, from: piece, to: word, reason, count });
    }
  }
  return found;
}

/** Articles having every required item of `text` (filters aside): how well a correction reads with the rest of the query. */
function strictCount(snapshot: IndexSnapshot, text: string): number {
  const names = namesOfIndex(snapshot);
  // Not paced by the request's budget (correctionFor has none yet): a correction is a few words.
  return runToEnd(strictMatches(snapshot, parseQuery(text).required.map((group) => group.map((atom) => analyzeAtom(atom, names))), Budget.unlimited())).length;
}

const applyEdit = (typed: string, edit: Span & { to: string }): string => typed.slice(0, edit.start) + edit.to + typed.slice(edit.end);

/**
 * A correction of the typed query when one of its words is rare and text of the index reads (almost)
 * the same; undefined otherwise. Of a word's candidates, the one the most articles have together
 * with the rest of the query wins, homophones before other typos (an input method's slip is the
 * common one). Only words outside quotes are corrected: a quoted phrase is meant as typed.
 * `found`: what the query as typed finds.
 */
export function correctionFor(snapshot: IndexSnapshot, typed: string, query: ParsedQuery, found: { total: number; relaxed: boolean }): Correction | undefined {
  // A query that finds enough is taken as meant; one that finds some looks at words no article holds
  // only (a headline typed whole is full of rare words: judging them all cost up to a second, and
  // building the vocabulary for the first of them stalled a fresh server's answers for seconds).
  if (found.total >= RARE && !found.relaxed) return undefined;
  const absentOnly = found.total > 0 && !found.relaxed;
  const edits: Candidate[] = [];
  for (const atom of query.required.flat()) {
    if (atom.kind !== "words" || atom.text.length > MAX_WORD) continue;
    const folded = fold(atom.text);
    if (!/[\u3400-\u9fff]/.test(folded)) continue;
    if (absentOnly && occursAnywhere(snapshot, folded, atom.field)) continue;
    // The word as a whole is common: nothing to correct (and no need to build the vocabulary).
    if (countPhrase(snapshot, folded, atom.field) >= RARE) continue;
    // A word's text ends where the atom ends (only phrases have a closing quote); folding keeps offsets.
    const textStart = atom.end - atom.text.length;
    const judged = candidatesFor(snapshot, folded, atom.field)
      .sort((a, b) => (a.reason === b.reason ? b.count - a.count : a.reason === "homophone" ? -1 : 1))
      .slice(0, JUDGED_PER_WORD)
      .map((candidate) => {
        const edit = { ...candidate, start: textStart + candidate.start, end: textStart + candidate.end };
        return { edit, together: strictCount(snapshot, applyEdit(typed, edit)) };
      })
      .filter(({ together }) => together > 0);
    const best = (reason: Replacement["reason"]) =>
      judged.filter(({ edit }) => edit.reason === reason).sort((a, b) => b.together - a.together || b.edit.count - a.edit.count)[0];
    const homophone = best("homophone");
    const typo = best("typo");
    const chosen = homophone && !(typo && typo.together >= RATIO * homophone.together) ? homophone : typo;
    if (chosen) edits.push(chosen.edit);
  }
  if (edits.length === 0) return undefined;
  let corrected = typed;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) corrected = applyEdit(corrected, edit);
  return { query: corrected, replacements: edits.map(({ from, to, reason }) => ({ from, to, reason })) };
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
