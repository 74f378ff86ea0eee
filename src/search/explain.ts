// How a query is understood, for `GET /api/analyze`: what the parser read, how each word was folded
// and cut by jieba, what must occur in the text, which synonyms and pinyin readings were added,
// which filters apply, and what correction or suggestion the search would make.
import type { IndexSnapshot } from "../index/index-reader.js";
import { analyzeAtom, namesOfIndex } from "./candidates.js";
import { bylineSuggestions, correctionFor, dateSuggestions, type Correction, type Suggestion } from "./did-you-mean.js";
import { expandQuery, type Expansion } from "./query-expansion.js";
import { parseQuery, type Atom, type QueryFilters, type QueryNote } from "./query-parser.js";
import { searchSteps } from "./search.js";
import type { Budget, Steps } from "./budget.js";

export interface ItemExplanation {
  /** As typed (the words of a pinyin run joined by spaces). */
  text: string;
  kind: Atom["kind"];
  field: Atom["field"];
  /** Folded (width, script, case) and without spaces. */
  folded: string;
  /** jieba's terms, which BM25 ranks by. */
  terms: string[];
  /** What the text must contain, all of it (Latin words on word boundaries when `whole_words`). */
  needles: string[];
  whole_words: boolean;
  /** Set for what the query did not literally say. */
  added_as?: Expansion["reason"];
}

export interface QueryExplanation {
  query: string;
  /** Every entry must match; the items of an entry are alternatives (OR). */
  required: ItemExplanation[][];
  excluded: ItemExplanation[];
  filters: QueryFilters;
  notes: QueryNote[];
  expansions: Expansion[];
  /** The query search would run instead when this one finds nothing or only relaxes. */
  correction: Correction | null;
  suggestions: Suggestion[];
}

/** Within the request's budget: it searches the query, and may judge corrections of its words. */
export function* explainQuerySteps(snapshot: IndexSnapshot, text: string, budget: Budget): Steps<QueryExplanation> {
  const query = parseQuery(text);
  const names = namesOfIndex(snapshot);
  const explain = (atom: Atom, addedAs?: Expansion["reason"]): ItemExplanation => {
    const item = analyzeAtom(atom, names);
    return {
      text: atom.text,
      kind: atom.kind,
      field: atom.field,
      folded: item.joined,
      terms: item.terms,
      needles: item.needles,
      whole_words: item.wholeWords,
      ...(addedAs ? { added_as: addedAs } : {}),
    };
  };
  const { groups, expansions } = expandQuery(snapshot, query);
  const reasonOf = (atom: Atom): Expansion["reason"] | undefined =>
    expansions.find((expansion) => expansion.to.includes(atom.text))?.reason;
  // As search would: the correction depends on what the query as typed finds.
  const found = yield* searchSteps(snapshot, { query: text, page: 1, size: 1, sort: "relevance", correct: false }, budget);
  const correction = (yield* correctionFor(snapshot, text, query, found, budget)) ?? null;
  return {
    query: text,
    required: groups.map((group) => group.map(({ atom, expansion }) => explain(atom, expansion ? reasonOf(atom) : undefined))),
    excluded: query.excluded.map((atom) => explain(atom)),
    filters: query.filters,
    notes: query.notes,
    expansions,
    correction,
    suggestions: [...(correction ? [{ query: correction.query, reason: correction.replacements[0]!.reason }] : []), ...bylineSuggestions(text, query, names), ...dateSuggestions(text, query)],
  };
}
