// The warm-up (search/warm-up.ts): what the engine derives from a snapshot once is built before a
// new generation is served, in slices, so that the first requests after a switch build nothing
// (index/derived.ts counts the builds a reader had to finish itself).
import { expect } from "chai";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Derived, onDemandBuilds } from "../../src/index/derived.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { LiveIndex } from "../../src/index/live-index.js";
import { Budget, runSlice } from "../../src/search/budget.js";
import { embeddedReader } from "../../src/search/embedded-backend.js";
import { search } from "../../src/search/search.js";
import { complete } from "../../src/search/suggest.js";
import { timeline } from "../../src/search/timeline.js";
import { isWarm, warmUp, warmUpSteps, WARMED_UP } from "../../src/search/warm-up.js";
import { corpusRecords, removeTempDirs, tempDir, writeRecords } from "../support/index-fixtures.js";

const counts = (): number[] => WARMED_UP.map(({ name }) => onDemandBuilds(name));

describe("warm-up of a snapshot's derived structures", () => {
  describe("Derived", () => {
    const key = {};
    let built = 0;
    const squares = new Derived<object, number[]>("test squares", function* () {
      built++;
      const values: number[] = [];
      for (let i = 0; i < 10; i++) {
        values.push(i * i);
        yield;
      }
      return values;
    });

    it("is built a chunk at a time, pausing when the pace says so, and a reader meanwhile takes over the same build", () => {
      const pace = new Budget(Infinity, 1);
      const steps = squares.prepare(key, pace);
      pace.startSlice(-1); // every due() says pause
      expect(steps.next().done).to.equal(false);
      expect(squares.has(key)).to.equal(false);
      const before = onDemandBuilds("test squares");
      // A reader that cannot wait (a synchronous caller) finishes the build under way, counted.
      expect(squares.get(key)).to.deep.equal([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
      expect(onDemandBuilds("test squares")).to.equal(before + 1);
      expect(built).to.equal(1);
      // The warm-up then finds it built: the same value, no second build.
      const rest = steps.next();
      expect(rest.done).to.equal(true);
      expect(rest.value).to.equal(squares.get(key));
      expect(onDemandBuilds("test squares")).to.equal(before + 1);
    });

    it("charges neither its building nor the turns it waits to the deadline of the request that waits for it", async () => {
      const busy = (ms: number): void => {
        const until = performance.now() + ms;
        while (performance.now() < until);
      };
      const slow = new Derived<object, number>("test slow", function* () {
        busy(30);
        yield;
        busy(30);
        return 1;
      });
      const budget = new Budget(20, 1);
      const steps = slow.prepare({}, budget);
      budget.startSlice(-1);
      expect(steps.next().done).to.equal(false); // built for 30 ms, then paused
      await new Promise((resolve) => setTimeout(resolve, 30)); // other requests' turns
      budget.startSlice(10);
      expect(steps.next()).to.deep.equal({ done: true, value: 1 });
      expect(budget.remaining()).to.be.greaterThan(0);
      expect(() => budget.due()).to.not.throw();
    });
  });

  describe("a live index", function () {
    this.timeout(120_000);
    let seeds: string;
    let indexDir: string;
    let live: LiveIndex;

    before(async () => {
      const root = tempDir("warm-up");
      seeds = path.join(root, "seeds");
      indexDir = path.join(root, "index");
      mkdirSync(seeds);
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 120));
      await buildIndex({ seeds: [seeds], indexDir });
      live = await LiveIndex.open(indexDir);
    });
    after(() => {
      live.close();
      removeTempDirs();
    });

    it("warms up the generation in use when asked, in slices of about the given length", async () => {
      const snapshot = live.current();
      expect(isWarm(snapshot)).to.equal(false);
      const budget = Budget.unlimited();
      const steps = warmUpSteps(snapshot, budget);
      let slices = 1;
      while (!runSlice(steps, budget, 0)) slices++;
      // Every chunk of every structure is a pause point: far more than one slice.
      expect(slices).to.be.greaterThan(WARMED_UP.length);
      expect(isWarm(snapshot)).to.equal(true);
    });

    it("prepares a new generation before serving it: the first requests on it build nothing", async () => {
      const first = live.current();
      let served: number | undefined;
      await live.prepareWith(async (snapshot) => {
        // While the new generation is being prepared, the old one is still the one served.
        served = live.current().manifest.generation;
        await warmUp(snapshot, 1);
      });
      served = undefined;
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(120, 160));
      await buildIndex({ seeds: [seeds], indexDir });
      const before = counts();
      const { generation } = await live.reloadIfChanged();
      const next = live.current();
      expect(generation).to.equal(first.manifest.generation + 1);
      expect(served).to.equal(first.manifest.generation);
      expect(next).to.not.equal(first);
      expect(isWarm(next)).to.equal(true);

      // Every kind of request, as the server answers them, on the new generation.
      const reader = embeddedReader(next);
      const id = next.id(0);
      search(next, { query: "习近平 发展", page: 1, size: 10, sort: "relevance", facets: ["year", "month", "author", "source"] });
      search(next, { query: "xijinping", page: 1, size: 10, sort: "relevance" });
      search(next, { query: "脱贫功坚", page: 1, size: 10, sort: "relevance" });
      timeline(next, "发展", "month");
      complete(next, "发");
      await reader.archive();
      expect(await reader.article(id)).to.not.equal(undefined);
      expect(counts(), WARMED_UP.map(({ name }) => name).join(", ")).to.deep.equal(before);
    });
  });
});
