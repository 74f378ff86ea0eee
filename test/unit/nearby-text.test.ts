import { expect } from "chai";
import { QueryTooExpensiveError } from "../../src/errors.js";
import { Budget, runInSlices, runToEnd } from "../../src/search/budget.js";
import { oneCharacterAway, oneCharacterAwayIn, oneCharacterAwayInSteps, oneCharacterAwaySteps } from "../../src/search/nearby-text.js";
import { indexOfRecords } from "../support/temp-index.js";

describe("nearby text: the archive's texts one character away from a typed piece", () => {
  const snapshot = indexOfRecords([
    ...Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: `标题${i}`, body: "经济缓中趋稳。", source: "generated" })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: `b${i}`, title: `标题${i}`, body: "缓解压力，趋势向好。", source: "generated" })),
    { id: "c", title: "标题", body: "习近平讲话，学习近况。", source: "generated" },
  ]);

  it("changes one position at a time, the texts most articles hold first", () => {
    const found = oneCharacterAway(snapshot(), "缓南", 5);
    expect(found.filter((text) => text.at === 1).map(({ text, estimate }) => [text, estimate])).to.deep.equal([
      ["缓中", 6],
      ["缓解", 3],
    ]);
    // No character stands before 南 in any article: the first position has nothing to offer.
    expect(found.filter((text) => text.at === 0)).to.deep.equal([]);
  });

  it("needs both neighbours' pairs, and estimates from the chain of pairs", () => {
    const found = oneCharacterAway(snapshot(), "缓中起稳", 5);
    expect(found.map(({ text }) => text)).to.deep.equal(["缓中趋稳"]);
    // 缓中 in 6 articles, then 中趋 in all 6 that have 中, then 趋稳 in 6 of the 9 that have 趋.
    expect(found[0]!.estimate).to.equal((6 * (6 / 6) * 6) / 9);
  });

  it("says whether the new character reads like the typed one (an input method's slip)", () => {
    const [text] = oneCharacterAway(snapshot(), "习进平", 5);
    expect(text).to.deep.include({ text: "习近平", at: 1, soundsAlike: true });
    expect(oneCharacterAway(snapshot(), "缓南", 5).every((nearby) => !nearby.soundsAlike)).to.equal(true);
  });

  it("finds every such text in given articles, with how many of them hold it, however rare in the archive", () => {
    const found = oneCharacterAwayIn(snapshot(), "趋稳", [0, 1, 6, 7]);
    expect(Object.fromEntries(found)).to.deep.equal({ 趋势: { at: 1, docs: 2 } });
    expect([...oneCharacterAwayIn(snapshot(), "近况", [9]).keys()].sort()).to.deep.equal(["近平"]);
  });

  it("is paced by the request's budget: stopped when it is spent, and the same in slices as in one run", async () => {
    const spent = (): Budget => new Budget(-1, 1);
    expect(() => runToEnd(oneCharacterAwaySteps(snapshot(), "缓南", 5, 1, spent()))).to.throw(QueryTooExpensiveError);
    expect(() => runToEnd(oneCharacterAwayInSteps(snapshot(), "趋稳", [0, 1, 6, 7], spent()))).to.throw(QueryTooExpensiveError);
    // A slice that has ended before it starts ends at every clock read (here every item): many pauses, the same answers.
    let pauses = 0;
    const sliced = async <T>(steps: (budget: Budget) => Generator<void, T, void>): Promise<T> => {
      const budget = new Budget(Infinity, 1);
      const counted = function* (): Generator<void, T, void> {
        const inner = steps(budget);
        for (;;) {
          const step = inner.next();
          if (step.done) return step.value;
          pauses++;
          yield;
        }
      };
      return runInSlices(counted(), budget, -1);
    };
    expect(await sliced((budget) => oneCharacterAwaySteps(snapshot(), "缓南", 5, 1, budget))).to.deep.equal(oneCharacterAway(snapshot(), "缓南", 5));
    expect(pauses).to.be.greaterThan(3);
    pauses = 0;
    expect(await sliced((budget) => oneCharacterAwayInSteps(snapshot(), "趋稳", [0, 1, 6, 7], budget))).to.deep.equal(oneCharacterAwayIn(snapshot(), "趋稳", [0, 1, 6, 7]));
    expect(pauses).to.be.greaterThan(3);
  });
});
