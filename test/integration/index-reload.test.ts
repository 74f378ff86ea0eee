// Zero-downtime reload (issue 4): a running server (the real process) picks up generations that a
// separate `build-index` process commits, within seconds and without a restart, while requests
// keep coming; /healthz reports the generation, build time and article count it serves.
import { expect } from "chai";
import { rmSync } from "node:fs";
import path from "node:path";
import { readCurrentManifest } from "../../src/index/index-reader.js";
import { corpusRecords, pagesDir, removeTempDirs, runBuildCli, sleep, tempDir, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { getJson, startServer, type RunningServer } from "../support/server.js";

interface Health {
  status: string;
  generation: number;
  articles: number;
  built_at: string;
  result_cache: Record<"search" | "occurrences", { entries: number; hits: number; misses: number }>;
}

interface LoadReport {
  requests: number;
  failures: string[];
  generations: number[];
}

/**
 * Requests from `workers` loops (loopback only, bounded by `maxPerWorker`, a pause after each) until `stop()`; every
 * answer must be a 200, searches must find something, and /healthz generations must never go back.
 */
function loadLoop(server: RunningServer, workers: number, maxPerWorker: number, pauseMs: number): { stop: () => Promise<LoadReport> } {
  const report: LoadReport = { requests: 0, failures: [], generations: [] };
  let stopping = false;
  const queries = ["疫情防控", '"防疫知识"', "经济 发展", "科普 OR 宣传"];
  const loops = Array.from({ length: workers }, async (_, w) => {
    let lastGeneration = 0;
    for (let i = 0; i < maxPerWorker && !stopping; i++) {
      const query = queries[(i + w) % queries.length]!;
      try {
        const search = await getJson(`${server.url}/api/search?q=${encodeURIComponent(query)}`);
        report.requests++;
        const hits = search.body.hits as unknown[] | undefined;
        if (search.status !== 200 || !hits || hits.length === 0 || (search.body.total as number) < 1) {
          report.failures.push(`${query}: ${search.status} ${JSON.stringify(search.body).slice(0, 200)}`);
        }
        const health = await getJson(`${server.url}/healthz`);
        report.requests++;
        const generation = (health.body as unknown as Health).generation;
        if (health.status !== 200 || generation < lastGeneration) report.failures.push(`/healthz: ${health.status} generation ${generation} after ${lastGeneration}`);
        lastGeneration = generation;
        report.generations.push(generation);
      } catch (error) {
        report.failures.push(`${query}: ${(error as Error).message}`);
      }
      await sleep(pauseMs); // leave the 2 shared cores to the builds as well
    }
  });
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return report;
    },
  };
}

describe("index reload by a running server (integration)", function () {
  this.timeout(90_000);
  let server: RunningServer;
  let seeds: string;
  let index: string;

  before(async () => {
    seeds = pagesDir();
    index = path.join(tempDir("index"), "index");
    writeRecords(path.join(seeds, "small.jsonl"), corpusRecords(0, 20));
    server = await startServer({ seedsDir: seeds, indexDir: index });
  });
  after(async () => {
    await server?.stop();
    removeTempDirs();
  });

  const health = async (): Promise<Health> => (await getJson(`${server.url}/healthz`)).body as unknown as Health;
  /** Ids found for the words all live-k articles share; `cached` is what the answer must say, when given. */
  const liveIds = async (cached?: boolean): Promise<string[]> => {
    const { body } = await getJson(`${server.url}/api/search?q=${encodeURIComponent("重载测试")}&size=50`);
    if (cached !== undefined) expect(body.cached, "cached").to.equal(cached);
    return (body.hits as Array<{ id: string }>).map((hit) => hit.id);
  };

  it("/healthz reports the generation, build time and article count being served", async () => {
    const manifest = await readCurrentManifest(index);
    const { result_cache, ...served } = await health();
    expect(served).to.deep.equal({ status: "ok", backend: "embedded", pid: server.pid, generation: manifest.generation, built_at: manifest.builtAt, articles: manifest.counts.articles });
    expect(result_cache.search).to.have.all.keys("entries", "hits", "misses");
  });

  it("picks up generations committed by separate build processes within seconds, with no failed or empty answer meanwhile", async () => {
    const load = loadLoop(server, 3, 2_000, 40);
    const seen: Health[] = [await health()];
    try {
      for (let k = 1; k <= 3; k++) {
        // The result cache now holds this query's answer for the generation being served.
        expect(await liveIds(), "before rebuild").to.not.include(`live-${k}`);
        // Each rebuild adds an article with a phrase found nowhere else.
        writeRecords(path.join(seeds, `live-${k}.jsonl`), [{ id: `live-${k}`, title: `重载测试第${k}批`, body: `蓝鲸跃迁计划${k}号今天启动。` }]);
        const build = await runBuildCli(["--seeds", seeds, "--index", index]);
        expect(build.code, build.stderr).to.equal(0);
        const generation = Number(/generation (\d+) committed/.exec(build.stdout)?.[1]);
        const committedAt = Date.now();
        const now = await waitUntil(`server on generation ${generation}`, 10_000, async () => {
          const current = await health();
          return current.generation >= generation ? current : undefined;
        });
        const seconds = (Date.now() - committedAt) / 1000;
        expect(seconds, "reload delay (polled every 2 s)").to.be.lessThan(5);
        expect(now.generation).to.equal(generation);
        expect(now.articles).to.equal(seen.at(-1)!.articles + 1);
        expect(Date.parse(now.built_at)).to.be.greaterThan(Date.parse(seen.at(-1)!.built_at));
        seen.push(now);
        const found = await getJson(`${server.url}/api/search?q=${encodeURIComponent(`"蓝鲸跃迁计划${k}号"`)}`);
        expect((found.body.hits as Array<{ id: string }>).map((hit) => hit.id)).to.deep.equal([`live-${k}`]);
        // No cached answer outlives its generation; the new one is cached in turn.
        expect(await liveIds(false), "after reload").to.include(`live-${k}`);
        expect(await liveIds(true), "repeated").to.include(`live-${k}`);
      }
    } finally {
      const report = await load.stop();
      expect(report.failures, report.failures.slice(0, 5).join("\n")).to.deep.equal([]);
      expect(report.requests).to.be.greaterThan(50);
      expect(new Set(report.generations).size, "generations seen by the load").to.be.at.least(3);
    }
    expect(seen.map((h) => h.generation)).to.deep.equal([...seen.map((h) => h.generation)].sort((a, b) => a - b));
    expect(new Set(seen.map((h) => h.generation)).size).to.equal(4);
    expect(server.output()).to.not.include("kept serving the previous index");
  });
});

describe("`npm start -- --watch` (integration)", function () {
  this.timeout(90_000);
  let server: RunningServer;
  let seeds: string;

  before(async () => {
    seeds = pagesDir();
    server = await startServer({ seedsDir: seeds, indexDir: path.join(tempDir("index"), "index"), extraArgs: ["--watch"] });
  });
  after(async () => {
    await server?.stop();
    removeTempDirs();
  });

  const health = async (): Promise<Health> => (await getJson(`${server.url}/healthz`)).body as unknown as Health;
  const ids = async (query: string): Promise<string[]> =>
    ((await getJson(`${server.url}/api/search?q=${encodeURIComponent(query)}`)).body.hits as Array<{ id: string }>).map((hit) => hit.id);
  /** Waits until the server serves a generation newer than `after`, and returns its health. */
  const nextGeneration = (after: Health): Promise<Health> =>
    waitUntil(`a generation after ${after.generation}`, 15_000, async () => {
      const now = await health();
      return now.generation > after.generation ? now : undefined;
    }, 100);

  it("rebuilds and serves the result when a seed file appears, changes and disappears", async () => {
    const start = await health();
    const file = path.join(seeds, "watched.jsonl");
    writeRecords(file, [{ id: "w-1", title: "监视模式第一版", body: "白鹭归巢行动今天开始。" }]);
    const added = await nextGeneration(start);
    expect(added.articles).to.equal(start.articles + 1);
    expect(await ids('"白鹭归巢行动"')).to.deep.equal(["w-1"]);

    writeRecords(file, [{ id: "w-1", title: "监视模式第二版", body: "灰鹤南迁计划今天开始。" }, { id: "w-2", title: "又一条", body: "灰鹤南迁计划的第二条消息。" }]);
    const changed = await nextGeneration(added);
    expect(changed.articles).to.equal(start.articles + 2);
    expect(await ids('"白鹭归巢行动"')).to.deep.equal([]);
    expect(await ids('"灰鹤南迁计划"')).to.have.members(["w-1", "w-2"]);

    rmSync(file);
    const removed = await nextGeneration(changed);
    expect(removed.articles).to.equal(start.articles);
    expect(await ids('"灰鹤南迁计划"')).to.deep.equal([]);
    expect(server.output()).to.not.match(/^error:/m);
  });
});
