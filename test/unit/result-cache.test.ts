import { expect } from "chai";
import type { IndexSnapshot } from "../../src/index/index-reader.js";
import { cacheKey, ResultCache } from "../../src/web/result-cache.js";
import type { SearchParams } from "../../src/web/validate.js";

interface View {
  took_ms: number;
  answer: string;
}

/** The cache only uses a snapshot as a key: any distinct object stands for a generation. */
const generation = (): IndexSnapshot => ({}) as IndexSnapshot;
const params = (q: string, page = 1): SearchParams => ({ q, page, size: 10, sort: "relevance", correct: true, facets: [] });

describe("result-cache", () => {
  it("keys an answer by every field of the validated parameters, so none can serve another request's answer", async () => {
    const base = params("疫情");
    const changed: Record<string, unknown> = { q: "防控", page: 2, size: 20, sort: "newest", correct: false, facets: ["year"] };
    for (const name of Object.keys(base)) {
      expect(changed, `a changed value for ${name}`).to.have.property(name);
      expect(cacheKey({ ...base, [name]: changed[name] }), name).to.not.equal(cacheKey(base));
    }
    expect(cacheKey({ facets: base.facets, correct: base.correct, sort: base.sort, size: base.size, page: base.page, q: base.q }), "whatever the order of the fields").to.equal(cacheKey(base));
  });

  it("computes once per generation and parameters; repeats come from the cache, marked and timed anew", async () => {
    const cache = new ResultCache<View>(10);
    const snapshot = generation();
    let computed = 0;
    const compute = (answer: string) => () => ({ took_ms: 5, answer: `${answer}#${++computed}` });
    expect((await cache.answer(snapshot, params("疫情"), compute("a"))).view).to.deep.equal({ took_ms: 5, answer: "a#1", cached: false });
    const again = (await cache.answer(snapshot, params("疫情"), compute("a"))).view;
    expect(again).to.include({ answer: "a#1", cached: true });
    expect(again.took_ms).to.be.below(5);
    expect((await cache.answer(snapshot, params("疫情", 2), compute("b"))).view.answer, "another page").to.equal("b#2");
    expect((await cache.answer(snapshot, { ...params("疫情"), sort: "newest" }, compute("c"))).view.answer, "another order").to.equal("c#3");
    expect((await cache.answer(snapshot, { ...params("疫情"), correct: false }, compute("x"))).view.answer, "as typed").to.equal("x#4");
    expect((await cache.answer(generation(), params("疫情"), compute("d"))).view, "a new generation").to.include({ answer: "d#5", cached: false });
    expect(cache.stats()).to.deep.equal({ entries: 1, hits: 1, misses: 5 });
  });

  it("gives the same answer as JSON, with this request's took_ms and cached first, fresh or cached", async () => {
    const cache = new ResultCache<View>(10);
    const snapshot = generation();
    const compute = (): View => ({ took_ms: 5, answer: "含\"引号\"与</script>" });
    const first = (await cache.answer(snapshot, params("a"), compute));
    expect(JSON.parse(first.json())).to.deep.equal(first.view);
    expect(first.json()).to.match(/^\{"took_ms":5,"cached":false,"answer":/);
    const again = (await cache.answer(snapshot, params("a"), compute));
    expect(JSON.parse(again.json())).to.deep.equal(again.view);
    expect(JSON.parse(again.json())).to.include({ cached: true, answer: "含\"引号\"与</script>" });
    // A view with nothing but took_ms still makes an object.
    const bare = (await new ResultCache<{ took_ms: number }>(10).answer(snapshot, params("b"), () => ({ took_ms: 2 })));
    expect(JSON.parse(bare.json())).to.deep.equal({ took_ms: 2, cached: false });
  });

  it("keeps at most the given number of answers, dropping the least recently used", async () => {
    const cache = new ResultCache<View>(2);
    const snapshot = generation();
    const view = (): View => ({ took_ms: 1, answer: "x" });
    for (const q of ["a", "b", "a", "c"]) (await cache.answer(snapshot, params(q), view));
    expect((await cache.answer(snapshot, params("a"), view)).cached, "used recently").to.equal(true);
    expect((await cache.answer(snapshot, params("b"), view)).cached, "least recently used").to.equal(false);
    expect(cache.stats().entries).to.equal(2);
  });

  it("with 0 entries computes every answer", async () => {
    const cache = new ResultCache<View>(0);
    const snapshot = generation();
    let computed = 0;
    for (let i = 0; i < 3; i++) (await cache.answer(snapshot, params("a"), () => ({ took_ms: 1, answer: String(++computed) })));
    expect(computed).to.equal(3);
    expect(cache.stats()).to.deep.equal({ entries: 0, hits: 0, misses: 0 });
  });

  it("does not cache a query that fails", async () => {
    const cache = new ResultCache<View>(10);
    const snapshot = generation();
    const failed = await cache.answer(snapshot, params("\"open"), () => { throw new Error("unclosed quote"); }).catch((error: Error) => error.message);
    expect(failed).to.equal("unclosed quote");
    expect((await cache.answer(snapshot, params("\"open"), () => ({ took_ms: 1, answer: "ok" }))).cached).to.equal(false);
  });
});
