import { expect } from "chai";
import { fold } from "../../src/analysis/fold.js";
import { FACET_FIELDS } from "../../src/index/schema.js";
import { FACET_TOP, OTHER, countFacets } from "../../src/search/facets.js";
import { parseQuery } from "../../src/search/query-parser.js";
import { QueryTooExpensiveError } from "../../src/errors.js";
import { Budget, runInSlices, runToEnd, type Steps } from "../../src/search/budget.js";
import { allMatches, allMatchesSteps, listOccurrences, search } from "../../src/search/search.js";
import { periodsBetween, timeline, timelineSteps } from "../../src/search/timeline.js";
import { indexOfRecords, type FixtureRecord } from "../support/temp-index.js";

// Facets and timelines against a brute-force count over a generated archive: 300 stories over three
// years, 30 authors (more than a facet lists), four sources, some undated; bodies repeat the words.

const AUTHORS = Array.from({ length: 30 }, (_, i) => `记者${String.fromCharCode(0x4e00 + i * 7)}`);
const SOURCES = ["cctv-xwlb", "人民日报", "qilu", "新华社"];
const WORDS = ["乡村振兴", "精准扶贫", "疫情防控", "复工复产", "人类命运共同体"];

/** A deterministic generator (mulberry32), so that a failure can be reproduced. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const random = generator(20190427);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const RECORDS: FixtureRecord[] = Array.from({ length: 300 }, (_, i) => {
  const words = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(WORDS));
  const month = 1 + Math.floor(random() * 12);
  const record: FixtureRecord = {
    id: `w${String(i).padStart(3, "0")}`,
    title: `${pick(WORDS).slice(0, 2)}新闻第${i}条`,
    body: `${words.join("，")}。各地扎实推进${pick(WORDS)}工作。`,
    source: pick(SOURCES),
    authors: random() < 0.2 ? [] : [pick(AUTHORS), ...(random() < 0.3 ? [pick(AUTHORS)] : [])].filter((a, k, all) => all.indexOf(a) === k),
  };
  if (random() > 0.1) record.date = `${2018 + Math.floor(random() * 3)}-${String(month).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
  return record;
});

/** The records a query matches, by brute force: every word's text in title or body, and the filters. */
function bruteMatches(query: string): FixtureRecord[] {
  const parsed = parseQuery(query);
  return RECORDS.filter((record) => {
    const text = fold(`${record.title}\n${record.body}`);
    if (!parsed.required.every((group) => group.some((atom) => text.includes(fold(atom.text))))) return false;
    if (parsed.filters.source.length > 0 && !parsed.filters.source.includes(record.source)) return false;
    if (parsed.filters.author.length > 0 && !(record.authors ?? []).some((author) => parsed.filters.author.includes(author))) return false;
    const date = parsed.filters.date;
    return !date || (record.date !== undefined && record.date >= date.from && record.date <= date.to);
  });
}

function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

const QUERIES = ['"乡村振兴"', '"精准扶贫" date:2019', '"疫情防控" source:qilu', "date:2020", "author:" + AUTHORS[3], '"人类命运共同体" date:2018-03..2019-06'];

describe("workbench: facets and timelines against a brute-force count", function () {
  this.timeout(60_000);
  const snapshot = indexOfRecords(RECORDS);

  for (const query of QUERIES) {
    it(`facets of ${query}: the top ${FACET_TOP} values, exactly counted, then ${OTHER}; single-valued ones sum to the dated or all matches`, () => {
      const matched = bruteMatches(query);
      const { facets, total } = search(snapshot(), { query, page: 1, size: 1, sort: "relevance", facets: [...FACET_FIELDS] });
      expect(total).to.equal(matched.length);
      const valuesOf: Record<string, (record: FixtureRecord) => string[]> = {
        year: (record) => (record.date ? [record.date.slice(0, 4)] : []),
        month: (record) => (record.date ? [record.date.slice(0, 7)] : []),
        source: (record) => [record.source],
        author: (record) => record.authors ?? [],
      };
      for (const name of FACET_FIELDS) {
        const counts = new Map<string, number>();
        for (const record of matched) for (const value of valuesOf[name]!(record)) counts.set(value, (counts.get(value) ?? 0) + 1);
        const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        const listed = facets![name]!;
        const top = listed.filter((item) => !item.other);
        expect(top.map(({ value, count }) => [value, count]), name).to.deep.equal(expected.slice(0, FACET_TOP));
        const topValues = new Set(top.map((item) => item.value));
        const other = matched.filter((record) => valuesOf[name]!(record).some((value) => !topValues.has(value))).length;
        if (expected.length > FACET_TOP) expect(listed.at(-1), name).to.deep.equal({ value: OTHER, count: other, other: true });
        else expect(listed, name).to.have.length(expected.length);
        if (name !== "author") {
          const sum = listed.reduce((total, item) => total + item.count, 0);
          expect(sum, `${name} sums to the matches that have one`).to.equal(matched.filter((record) => valuesOf[name]!(record).length > 0).length);
        }
        // A click on a value narrows the query to exactly its count; an author: query offers no second author: (filters of a field match any value).
        const narrows = !(name === "author" && query.includes("author:")) && !(name === "source" && query.includes("source:"));
        for (const item of top) {
          if (!narrows) expect(item, `${name} in ${query}`).to.not.have.property("filter");
          else expect(search(snapshot(), { query: `${query} ${item.filter}`, page: 1, size: 1, sort: "relevance" }).total, `${name}: ${item.filter}`).to.equal(item.count);
        }
      }
    });

    for (const by of ["year", "month"] as const) {
      it(`timeline of ${query} by ${by}: articles and occurrences per period as counted by hand, summing to the totals`, () => {
        const matched = bruteMatches(query);
        const line = timeline(snapshot(), query, by);
        const needles = parseQuery(query).required.flat().map((atom) => fold(atom.text));
        const occurrencesOf = (record: FixtureRecord): number => needles.reduce((sum, needle) => sum + countOf(fold(`${record.title}\n${record.body}`), needle), 0);
        const expected = new Map<string, { articles: number; occurrences: number }>();
        for (const record of matched.filter((one) => one.date)) {
          const period = record.date!.slice(0, by === "year" ? 4 : 7);
          const tally = expected.get(period) ?? { articles: 0, occurrences: 0 };
          tally.articles++;
          tally.occurrences += occurrencesOf(record);
          expected.set(period, tally);
        }
        const periods = periodsBetween([...expected.keys()], by);
        expect(line.buckets).to.deep.equal(periods.map((period) => ({ period, ...(expected.get(period) ?? { articles: 0, occurrences: 0 }) })));
        const undated = matched.filter((one) => !one.date);
        expect(line.undated).to.deep.equal({ articles: undated.length, occurrences: undated.reduce((sum, record) => sum + occurrencesOf(record), 0) });
        const listed = listOccurrences(snapshot(), { query, page: 1, size: 1, sort: "relevance" });
        expect(line.total).to.deep.equal({ articles: listed.articles, occurrences: listed.total });
        const sum = line.buckets.reduce((tally, bucket) => ({ articles: tally.articles + bucket.articles, occurrences: tally.occurrences + bucket.occurrences }), line.undated);
        expect(sum).to.deep.equal(line.total);
      });
    }
  }

  it("lists every period between the first and the last, across a year's end", () => {
    expect(periodsBetween(["2019-11", "2020-02"], "month")).to.deep.equal(["2019-11", "2019-12", "2020-01", "2020-02"]);
    expect(periodsBetween(["2020", "2018"], "year")).to.deep.equal(["2018", "2019", "2020"]);
    expect(periodsBetween([], "year")).to.deep.equal([]);
  });

  it("exports every match in the requested order, and every occurrence the concordance lists", () => {
    for (const query of QUERIES) {
      for (const sort of ["relevance", "newest", "oldest"] as const) {
        const all = allMatches(snapshot(), query, sort);
        const paged = search(snapshot(), { query, page: 1, size: 1000, sort }).hits.map((hit) => hit.doc);
        expect(all.docs, `${query} ${sort}`).to.deep.equal(paged);
        const occurrences = all.docs.reduce((sum, doc) => sum + all.occurrencesOf(doc).length, 0);
        expect(occurrences, query).to.equal(listOccurrences(snapshot(), { query, page: 1, size: 1, sort }).total);
      }
    }
  });

  it("counts timelines and finds an export's matches in slices, as in one run, and stops them when out of time", async () => {
    /** The result in slices of 0 ms (a pause at every clock read) and how many pauses it made. */
    const sliced = async <T>(steps: (budget: Budget) => Steps<T>): Promise<{ value: T; pauses: number }> => {
      const budget = new Budget(Infinity, 16);
      const inner = steps(budget);
      let pauses = 0;
      const counting = (function* (): Steps<T> {
        for (;;) {
          const step = inner.next();
          if (step.done) return step.value;
          pauses++;
          yield;
        }
      })();
      return { value: await runInSlices(counting, budget, 0), pauses };
    };
    for (const query of QUERIES) {
      const line = await sliced((budget) => timelineSteps(snapshot(), query, "month", budget));
      expect(line.value, query).to.deep.equal(timeline(snapshot(), query, "month"));
      expect(line.pauses, `${query}: the timeline pauses as it counts`).to.be.above(0);
      const matches = await sliced((budget) => allMatchesSteps(snapshot(), query, "oldest", budget));
      expect(matches.value.docs, query).to.deep.equal(allMatches(snapshot(), query, "oldest").docs);
      expect(() => runToEnd(timelineSteps(snapshot(), query, "year", new Budget(-1, 1))), query).to.throw(QueryTooExpensiveError);
    }
  });

  it("counts facets over an empty set as empty lists", () => {
    expect(countFacets(snapshot(), new Uint32Array(0), ["year", "author"])).to.deep.equal({ year: [], author: [] });
  });
});
