// The time budget of a search: the clock is read every so many items, a spent budget stops the
// search wherever it is, and a search run in slices (other work between them) answers exactly as
// one run at once. Over a small generated index, with the clock read at every item.
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { QueryTooExpensiveError } from "../../src/errors.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { Budget, runInSlices, runToEnd, type Steps } from "../../src/search/budget.js";
import { filter } from "../../src/search/doc-sets.js";
import { listOccurrences, listOccurrencesSteps, matchesInArticleSteps, search, searchSteps, type SearchRequest } from "../../src/search/search.js";
import { explainQuerySteps } from "../../src/search/explain.js";
import { completeSteps } from "../../src/search/suggest.js";

/** A spent budget that reads the clock at every item: the first check stops the work. */
const spent = (): Budget => new Budget(-1, 1);

/** Records which search function asked the budget (the nearest named frame in src/search/). */
class SpyBudget extends Budget {
  readonly askedBy = new Set<string>();

  constructor() {
    super(Infinity, 1);
  }

  override due(work?: number): boolean {
    const frames = (new Error().stack ?? "").split("\n").slice(2);
    const named = frames.map((frame) => /at (?:\w+\.)?(\w+) \(.*\/src\/search\//.exec(frame)?.[1]).find((name) => name !== undefined);
    if (named) this.askedBy.add(named);
    return super.due(work);
  }
}

const request = (query: string, page = 1, size = 10): SearchRequest => ({ query, page, size, sort: "relevance" });

/** Queries that between them run every loop the budget paces. */
const QUERIES = [
  request('"发展的道路"'), // a phrase: candidates verified on their text, occurrences counted
  request("发展 中国"), // two words: candidate checks, BM25, ranking
  request("发展 OR 改革 OR 开放"), // alternatives: unions of candidate lists
  request("发展 量子纠缠"), // no article has both: the relaxed matches
  request("发展 -改革"), // an exclusion
];

describe("budget", function () {
  this.timeout(60_000);
  let snapshot: IndexSnapshot;
  let root: string;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-budget-"));
    const seeds = path.join(root, "seeds");
    mkdirSync(seeds);
    const words = ["发展", "改革", "开放", "中国", "经济", "人民", "道路"];
    const records = Array.from({ length: 300 }, (_, i) => ({
      id: `b${i}`,
      title: `${words[i % words.length]}新闻第${i}号`,
      body: Array.from({ length: 1 + (i % 9) }, (_, k) => `${words[(i + k) % words.length]}的道路上，${words[(i * 3 + k) % words.length]}是发展的道路。`).join("\n"),
    }));
    writeFileSync(path.join(seeds, "records.jsonl"), records.map((record) => JSON.stringify(record)).join("\n"));
    await buildIndex({ seeds: [seeds], indexDir: path.join(root, "index") });
    snapshot = await openIndex(path.join(root, "index"));
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("reads the clock every checkEvery items of work, and throws QueryTooExpensiveError once it has run out", () => {
    const budget = new Budget(-1, 4);
    for (let i = 0; i < 3; i++) expect(budget.due()).to.equal(false);
    expect(() => budget.due()).to.throw(QueryTooExpensiveError, /-1 毫秒内没有完成/);
    const weighted = new Budget(-1, 100);
    expect(() => weighted.due(100), "a merge of 100 items counts as 100").to.throw(QueryTooExpensiveError);
    const unlimited = Budget.unlimited();
    for (let i = 0; i < 10_000; i++) expect(unlimited.due()).to.equal(false);
  });

  it("does not charge a one-time build (the vocabulary) to the request that happens to need it first", () => {
    const busy = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const excused = new Budget(200, 1);
    excused.excluding(() => busy(300));
    expect(() => excused.due()).to.not.throw();
    const charged = new Budget(200, 1);
    busy(300);
    expect(() => charged.due()).to.throw(QueryTooExpensiveError);
  });

  it("says a slice is over at the first clock read after it, and keeps saying so until the next slice", () => {
    const budget = new Budget(Infinity, 1);
    budget.startSlice(-1);
    expect(budget.due()).to.equal(true);
    expect(budget.due()).to.equal(true);
    budget.startSlice(60_000);
    expect(budget.due()).to.equal(false);
  });

  it("stops every kind of query, and the occurrence list, at the first check once the budget is spent", () => {
    for (const query of QUERIES) {
      expect(() => runToEnd(searchSteps(snapshot, query, spent())), query.query).to.throw(QueryTooExpensiveError);
      expect(() => runToEnd(listOccurrencesSteps(snapshot, query, spent())), query.query).to.throw(QueryTooExpensiveError);
    }
    const all = Uint32Array.from({ length: snapshot.size }, (_, i) => i);
    expect(() => runToEnd(filter(all, () => true, spent())), "a filter over the articles").to.throw(QueryTooExpensiveError);
  });

  it("stops the other work a request can make long: analysis (which searches), completions, an article's matches", () => {
    const article = snapshot.findArticle("b8")!;
    expect(() => runToEnd(explainQuerySteps(snapshot, "发展 OR 改革 OR 开放", spent())), "analyze").to.throw(QueryTooExpensiveError);
    expect(() => runToEnd(completeSteps(snapshot, "fa", spent())), "suggest").to.throw(QueryTooExpensiveError);
    expect(() => runToEnd(matchesInArticleSteps(snapshot, article, "发展 道路", spent())), "article page").to.throw(QueryTooExpensiveError);
    // With time, the same work answers.
    expect(runToEnd(completeSteps(snapshot, "fa", Budget.unlimited())).map((completion) => completion.text)).to.include("发展");
    expect(runToEnd(matchesInArticleSteps(snapshot, article, "发展 道路", Budget.unlimited())).bodyMatches).to.not.be.empty;
  });

  it("is asked inside every long loop: phrase counts, candidate checks, unions, BM25, ranking, the occurrence list", () => {
    const budget = new SpyBudget();
    for (const query of QUERIES) {
      runToEnd(searchSteps(snapshot, query, budget));
      runToEnd(listOccurrencesSteps(snapshot, { ...query, page: 2, size: 5 }, budget));
    }
    expect([...budget.askedBy].sort()).to.include.members(["addBm25", "filter", "listOccurrencesSteps", "matchQuerySteps", "rankMatches", "strictMatches"]);
  });

  it("answers the same in slices, with searches interleaved, as in one run", async () => {
    // A slice of 0 ms ends at every clock read, so the searches take turns item by item.
    const sliced = <T>(steps: (budget: Budget) => Steps<T>): Promise<T> => {
      const budget = new Budget(Infinity, 16);
      return runInSlices(steps(budget), budget, 0);
    };
    for (const query of QUERIES) {
      const deep = { ...query, page: 2, size: 7 };
      const [one, two, occurrences] = await Promise.all([
        sliced((budget) => searchSteps(snapshot, query, budget)),
        sliced((budget) => searchSteps(snapshot, deep, budget)),
        sliced((budget) => listOccurrencesSteps(snapshot, deep, budget)),
      ]);
      expect(one, query.query).to.deep.equal(search(snapshot, query));
      expect(two, `${query.query}, page 2`).to.deep.equal(search(snapshot, deep));
      expect(occurrences, `${query.query}, occurrences`).to.deep.equal(listOccurrences(snapshot, deep));
    }
  });

  it("leaves no trace of a stopped search in the next one, wherever it was stopped", () => {
    const query = request("发展 中国", 1, 50);
    const before = search(snapshot, query);
    // The first clock read comes after `work` items: in candidate checks, in BM25 scoring (which
    // leaves its score array dirty), in ranking, or never (the search ends first).
    let stopped = 0;
    for (let work = 1; work < 3000; work += 37) {
      try {
        runToEnd(searchSteps(snapshot, query, new Budget(-1, work)));
      } catch (error) {
        expect(error).to.be.instanceOf(QueryTooExpensiveError);
        stopped++;
      }
      expect(search(snapshot, query), `after a search stopped at item ${work}`).to.deep.equal(before);
    }
    expect(stopped).to.be.greaterThan(10);
  });
});
