import { expect } from "chai";
import { Budget, runToEnd } from "../../src/search/budget.js";
import { EMPTY, filter as filterSteps, intersect, intersectAll, union, unionAll, type DocSet } from "../../src/search/doc-sets.js";
import { forAll, type Random } from "../support/random.js";

const set = (...docs: number[]): DocSet => Uint32Array.from(docs);
const list = (docs: DocSet): number[] => [...docs];
const filter = (docs: DocSet, keep: (doc: number) => boolean): DocSet => runToEnd(filterSteps(docs, keep, Budget.unlimited()));

/** A random sorted set; sizes vary a lot so galloping takes long and short strides. */
function randomSet(random: Random): DocSet {
  const max = random.pick([5, 50, 1000, 100_000]);
  const size = random.pick([0, 1, 3, 20, 300]);
  return Uint32Array.from(random.sortedSet(max, size));
}

const oracle = {
  intersect: (sets: readonly DocSet[]): number[] => {
    const lookups = sets.map((s) => new Set(s));
    return sets.length === 0 ? [] : list(sets[0]!).filter((doc) => lookups.every((lookup) => lookup.has(doc)));
  },
  union: (sets: readonly DocSet[]): number[] => [...new Set(sets.flatMap(list))].sort((a, b) => a - b),
};

describe("doc-sets", () => {
  describe("examples", () => {
    it("intersect keeps the common members in order", () => {
      expect(list(intersect(set(1, 3, 5, 7), set(3, 4, 5, 100)))).to.deep.equal([3, 5]);
      expect(list(intersect(set(1, 2), EMPTY))).to.deep.equal([]);
      expect(list(intersect(set(0, 4_294_967_295), set(4_294_967_295)))).to.deep.equal([4_294_967_295]);
    });

    it("union merges without duplicates", () => {
      expect(list(union(set(1, 3, 5), set(2, 3, 6)))).to.deep.equal([1, 2, 3, 5, 6]);
      expect(list(union(EMPTY, set(4)))).to.deep.equal([4]);
    });

    it("intersectAll of nothing is empty (not everything), of one set is that set", () => {
      expect(list(intersectAll([]))).to.deep.equal([]);
      expect(list(intersectAll([set(2, 9)]))).to.deep.equal([2, 9]);
      expect(list(unionAll([]))).to.deep.equal([]);
    });

    it("filter keeps the members for which the test holds, in order", () => {
      expect(list(filter(set(1, 2, 3, 4, 5, 6), (doc) => doc % 2 === 0))).to.deep.equal([2, 4, 6]);
    });

    it("does not modify its inputs", () => {
      const a = set(1, 2, 3);
      const b = set(2, 3, 4);
      intersect(a, b);
      union(a, b);
      intersectAll([b, a]);
      filter(a, () => false);
      expect([list(a), list(b)]).to.deep.equal([
        [1, 2, 3],
        [2, 3, 4],
      ]);
    });
  });

  describe("properties against Set-based oracles", () => {
    it("intersect(a, b) equals the members of a that b has, in both argument orders", () => {
      forAll(500, (random) => {
        const a = randomSet(random);
        const b = randomSet(random);
        expect(list(intersect(a, b))).to.deep.equal(oracle.intersect([a, b]));
        expect(list(intersect(b, a))).to.deep.equal(oracle.intersect([a, b]));
      });
    });

    it("intersect of a set with a superset of it is the set (every gallop lands)", () => {
      forAll(200, (random) => {
        const big = Uint32Array.from(random.sortedSet(10_000, 2_000));
        const small = filter(big, () => random.bool(0.05));
        expect(list(intersect(small, big))).to.deep.equal(list(small));
      });
    });

    it("union(a, b) equals the sorted Set union", () => {
      forAll(500, (random) => {
        const a = randomSet(random);
        const b = randomSet(random);
        expect(list(union(a, b))).to.deep.equal(oracle.union([a, b]));
      });
    });

    it("intersectAll and unionAll over several sets equal the oracles", () => {
      forAll(300, (random) => {
        const sets = Array.from({ length: random.int(1, 5) }, () => randomSet(random));
        expect(list(intersectAll(sets))).to.deep.equal(oracle.intersect(sets));
        expect(list(unionAll(sets))).to.deep.equal(oracle.union(sets));
      });
    });

    it("filter equals Array.prototype.filter", () => {
      forAll(200, (random) => {
        const a = randomSet(random);
        const modulus = random.int(1, 7);
        expect(list(filter(a, (doc) => doc % modulus === 0))).to.deep.equal(list(a).filter((doc) => doc % modulus === 0));
      });
    });
  });
});
