// A query over time: its matching articles and their occurrences per year or month, from the first
// period with a match to the last (empty periods included, so that a chart's gaps are true gaps).
// Undated articles are counted apart. The counts are those of search() and listOccurrences().
import type { IndexSnapshot } from "../index/index-reader.js";
import { Budget, runToEnd, type Steps } from "./budget.js";
import { matchQuerySteps, occurrenceCounter } from "./search.js";

export const TIMELINE_UNITS = ["year", "month"] as const;
export type TimelineUnit = (typeof TIMELINE_UNITS)[number];

export interface Tally {
  articles: number;
  occurrences: number;
}

export interface TimelineBucket extends Tally {
  /** `2018` or `2018-03`. */
  period: string;
}

export interface Timeline {
  by: TimelineUnit;
  buckets: TimelineBucket[];
  undated: Tally;
  /** Over all matches: the buckets and `undated` add up to it. */
  total: Tally;
}

/** timelineSteps without a time limit (tests, bench). */
export function timeline(snapshot: IndexSnapshot, queryText: string, by: TimelineUnit): Timeline {
  return runToEnd(timelineSteps(snapshot, queryText, by, Budget.unlimited()));
}

/** The timeline of one query, paced by the request's budget as a search is (counting 中国's 129k occurrences takes tens of ms). */
export function* timelineSteps(snapshot: IndexSnapshot, queryText: string, by: TimelineUnit, budget: Budget): Steps<Timeline> {
  const { groups, matched } = yield* matchQuerySteps(snapshot, queryText, budget);
  const count = occurrenceCounter(snapshot, groups);
  // Each article's period as a number (built once per generation), so the loop below only adds.
  const { values, starts, ids } = snapshot.keywordColumn(by);
  const articles = new Uint32Array(values.length);
  const occurrences = new Float64Array(values.length);
  const undated: Tally = { articles: 0, occurrences: 0 };
  let total = 0;
  for (const doc of matched) {
    const found = groups.length === 0 ? 0 : count(doc);
    total += found;
    if (starts[doc] === starts[doc + 1]) {
      undated.articles++;
      undated.occurrences += found;
    } else {
      const id = ids[starts[doc]!]!;
      articles[id]!++;
      occurrences[id]! += found;
    }
    if (budget.due(1 + found)) yield;
  }
  const byPeriod = new Map<string, Tally>();
  values.forEach((period, id) => articles[id]! > 0 && byPeriod.set(period, { articles: articles[id]!, occurrences: occurrences[id]! }));
  const buckets = periodsBetween([...byPeriod.keys()], by).map((period) => ({ period, ...(byPeriod.get(period) ?? { articles: 0, occurrences: 0 }) }));
  return { by, buckets, undated, total: { articles: matched.length, occurrences: total } };
}

/** Every year or month from the earliest to the latest of `periods`, in order. */
export function periodsBetween(periods: readonly string[], by: TimelineUnit): string[] {
  if (periods.length === 0) return [];
  const sorted = [...periods].sort();
  const index = (period: string): number => Number(period.slice(0, 4)) * 12 + (by === "month" ? Number(period.slice(5, 7)) - 1 : 0);
  const step = by === "month" ? 1 : 12;
  const out: string[] = [];
  for (let at = index(sorted[0]!); at <= index(sorted.at(-1)!); at += step) {
    const year = String(Math.floor(at / 12)).padStart(4, "0");
    out.push(by === "month" ? `${year}-${String((at % 12) + 1).padStart(2, "0")}` : year);
  }
  return out;
}
