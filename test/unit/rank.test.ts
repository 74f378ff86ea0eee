import { expect } from "chai";
import { dateSortKey } from "../../src/index/article-store.js";
import { QueryTooExpensiveError } from "../../src/errors.js";
import { Budget, runSlice, runToEnd } from "../../src/search/budget.js";
import { compareRanked as compareRankedBy, SORT_ORDERS, topK, topKSteps, type Ranked, type SortOrder } from "../../src/search/rank.js";
import { BASE_SEED, forAll, Random } from "../support/random.js";

/** Entries carry article numbers; the comparator asks this table for their ids (several may share one). */
const idByDoc: string[] = [];
const idOf = (doc: number): string => idByDoc[doc]!;
const compareRanked = (order: SortOrder): ((a: Ranked, b: Ranked) => number) => compareRankedBy(order, idOf);

function ranked(id: string, score: number, date = "", tier = 1): Ranked {
  const doc = idByDoc.push(id) - 1;
  return { doc, tier, score, date: dateSortKey(date || undefined) };
}

const ids = (items: readonly Ranked[]): string[] => items.map((item) => idOf(item.doc));

/** Entries with few distinct scores and dates, so ties are frequent. */
function randomEntries(random: Random, count: number): Ranked[] {
  const dates = ["", "2019-12-31", "2020-03-01", "2020-03-01T08:00:00+08:00", "2020-05-22"];
  return Array.from({ length: count }, () => ranked(`a-${random.int(0, 40).toString().padStart(2, "0")}`, random.int(0, 4) / 2, random.pick(dates)));
}

describe("rank", () => {
  describe("compareRanked", () => {
    it("relevance: higher score first, then newer, then smaller id", () => {
      const items = [
        ranked("c", 1, "2020-03-01"),
        ranked("b", 1, "2020-03-01"),
        ranked("d", 1, "2020-05-22"),
        ranked("a", 2, "2019-01-01"),
        ranked("e", 1, ""),
      ];
      expect(ids([...items].sort(compareRanked("relevance")))).to.deep.equal(["a", "d", "b", "c", "e"]);
    });

    it("relevance: more matched items (tier) first, whatever the score", () => {
      const fewer = ranked("a", 100, "2021-01-01", 1);
      const more = ranked("b", 1, "2020-01-01", 2);
      expect(ids([fewer, more].sort(compareRanked("relevance")))).to.deep.equal(["b", "a"]);
    });

    it("newest: newer first, then higher score, then smaller id; undated last", () => {
      const items = [
        ranked("a", 9, ""),
        ranked("c", 1, "2020-03-01"),
        ranked("b", 1, "2020-03-01"),
        ranked("d", 2, "2020-03-01"),
        ranked("e", 0, "2020-05-22"),
      ];
      expect(ids([...items].sort(compareRanked("newest")))).to.deep.equal(["e", "d", "b", "c", "a"]);
    });

    it("oldest: the first mention first, then higher score, then smaller id; undated last", () => {
      const items = [
        ranked("a", 9, ""),
        ranked("c", 1, "2020-03-01"),
        ranked("b", 1, "2020-03-01"),
        ranked("d", 2, "2020-03-01"),
        ranked("e", 0, "2019-05-22"),
      ];
      expect(ids([...items].sort(compareRanked("oldest")))).to.deep.equal(["e", "d", "b", "c", "a"]);
    });

    it("is a total order: 0 only for the same id, score and date, and antisymmetric", () => {
      forAll(200, (random) => {
        const [a, b] = randomEntries(random, 2) as [Ranked, Ranked];
        for (const order of SORT_ORDERS) {
          const compare = compareRanked(order);
          expect(Math.sign(compare(a, b))).to.equal(-Math.sign(compare(b, a)));
          expect(compare(a, b) === 0).to.equal(idOf(a.doc) === idOf(b.doc) && a.score === b.score && a.date === b.date);
        }
      });
    });
  });

  describe("topK", () => {
    it("returns the first k in order, and everything when k exceeds the count", () => {
      const items = [ranked("b", 1), ranked("a", 3), ranked("c", 2)];
      expect(ids(topK(items, 2, compareRanked("relevance")))).to.deep.equal(["a", "c"]);
      expect(ids(topK(items, 10, compareRanked("relevance")))).to.deep.equal(["a", "c", "b"]);
      expect(topK([], 3, compareRanked("relevance"))).to.deep.equal([]);
    });

    it("returns nothing for k = 0, on the short and on the windowed path", () => {
      expect(topK([ranked("a", 1)], 0, compareRanked("relevance"))).to.deep.equal([]);
      const many = Array.from({ length: 50 }, (_, i) => ranked(`a-${i}`, i % 7));
      expect(topK(many, 0, compareRanked("relevance"))).to.deep.equal([]);
    });

    it("does not reorder its input", () => {
      const items = [ranked("b", 1), ranked("a", 3), ranked("c", 2), ranked("d", 0), ranked("e", 5)];
      topK(items, 1, compareRanked("relevance"));
      expect(ids(items)).to.deep.equal(["b", "a", "c", "d", "e"]);
    });

    it("equals a stable sort + slice, ties included, on both paths (small and large inputs)", () => {
      forAll(400, (random) => {
        const items = randomEntries(random, random.pick([0, 1, 5, 40, 300]));
        const k = random.pick([1, 2, 3, 10, 75, 400]);
        for (const order of SORT_ORDERS) {
          const compare = compareRanked(order);
          expect(topK(items, k, compare)).to.deep.equal([...items].sort(compare).slice(0, k));
        }
      });
    });

    it("pauses whenever the slice is over and still answers as a stable sort + slice, on inputs of many runs", () => {
      forAll(30, (random) => {
        const items = randomEntries(random, random.int(1, 5000));
        const k = random.pick([1, 10, 200, 2000, 6000]);
        const compare = compareRanked(random.pick(SORT_ORDERS));
        // The clock is read every 64 items and every slice is already over: it pauses at every read.
        const budget = new Budget(Infinity, 64);
        const steps = topKSteps(items, k, compare, budget);
        let pauses = 0;
        let done: { value: Ranked[] } | undefined;
        while (!(done = runSlice(steps, budget, -1))) pauses++;
        expect(done.value).to.deep.equal([...items].sort(compare).slice(0, k));
        if (items.length > 1000) expect(pauses, `${items.length} items, k = ${k}`).to.be.greaterThan(items.length / 1000);
      });
    });

    it("stops with QueryTooExpensiveError when the budget runs out midway", () => {
      const items = randomEntries(new Random(BASE_SEED), 3000);
      expect(() => runToEnd(topKSteps(items, 3000, compareRanked("newest"), new Budget(-1, 64)))).to.throw(QueryTooExpensiveError);
    });

    it("keeps the earlier of two items that compare equal, like a stable sort", () => {
      forAll(100, (random) => {
        const items = Array.from({ length: random.int(1, 200) }, (_, doc) => ({ doc, key: random.int(0, 3) }));
        const k = random.int(1, 20);
        const byKey = (a: { key: number }, b: { key: number }): number => a.key - b.key;
        expect(topK(items, k, byKey)).to.deep.equal([...items].sort(byKey).slice(0, k));
      });
    });
  });
});
