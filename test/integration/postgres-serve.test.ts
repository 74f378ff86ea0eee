// `npm start -- --backend postgres --workers 2` against a real cluster: the server started as a user starts it,
// beside the embedded server on the same seeds, must answer the same pages and API JSON (results,
// snippets, facets, occurrences, timeline, article pages, exports); see a new load within seconds;
// answer 501 for what it does not offer, 503 query_too_expensive past its budget, and 503
// database_unavailable (never a crash) while the database is down, recovering when it is back.
import { expect } from "chai";
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { loadPostgres } from "../../src/index/postgres-writer.js";
import { corpusRecords, removeTempDirs, tempDir, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { pauseCluster, resumeCluster, startCluster, type PostgresCluster } from "../support/postgres-cluster.js";
import { REPO, startServer, type RunningServer } from "../support/server.js";
import { expectSameAnswers, fetchText } from "../support/server-conformance.js";

describe("PostgreSQL backend: serving (real cluster, real servers)", function () {
  this.timeout(180_000);
  let cluster: PostgresCluster;
  let url: string;
  let seeds: string;
  let embedded: RunningServer;
  let database: RunningServer;

  before(async function () {
    this.timeout(240_000);
    cluster = await startCluster();
    url = await cluster.createDatabase("news");
    seeds = path.join(tempDir("pg-serve"), "seeds");
    mkdirSync(seeds);
    cpSync(path.join(REPO, "seeds"), seeds, { recursive: true });
    cpSync(path.join(REPO, "test/fixtures/records.jsonl"), path.join(seeds, "records.jsonl"));
    writeRecords(path.join(seeds, "xwlb.jsonl"), corpusRecords(0, 400));
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    [embedded, database] = await Promise.all([startServer({ seedsDir: seeds }), startServer({ seedsDir: seeds, extraArgs: ["--backend", "postgres", "--database-url", url, "--workers", "2"] })]);
  });

  after(async () => {
    await Promise.all([embedded?.stop(), database?.stop()]);
    cluster?.stop();
    removeTempDirs();
  });

  it("answers the pages and the API as the embedded server does: results, snippets, facets, occurrences, timeline, articles, exports", async () => {
    await expectSameAnswers(embedded.url, database.url, 500);
  });

  it("says which backend it is and refuses /api/analyze with 501 not_on_backend", async () => {
    const health = JSON.parse((await fetchText(database.url, "/healthz")).text) as Record<string, unknown>;
    expect(health).to.include({ status: "ok", backend: "postgres", articles: 400 + 59, generation: null });
    const analyze = await fetchText(database.url, "/api/analyze?q=%E7%96%AB%E6%83%85");
    expect(analyze.status).to.equal(501);
    expect(JSON.parse(analyze.text)).to.include({ code: "not_on_backend" });
  });

  it("shows a newly loaded seed file within seconds, not an answer cached before the load", async () => {
    const query = `/api/search?q=${encodeURIComponent('"蓝鲸跃迁计划"')}`;
    const before = JSON.parse((await fetchText(database.url, query)).text) as { total: number };
    expect(before.total).to.equal(0);
    writeRecords(path.join(seeds, "late.jsonl"), [{ id: "late-1", title: "蓝鲸跃迁计划启动", body: "蓝鲸跃迁计划今天启动。", date: "2021-05-06" }]);
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    const after = await waitUntil("the load seen by the server", 10_000, async () => {
      const answer = JSON.parse((await fetchText(database.url, query)).text) as { total: number; hits: Array<{ id: string }> };
      return answer.total > 0 ? answer : undefined;
    }, 200);
    expect(after.hits.map(({ id }) => id)).to.deep.equal(["late-1"]);
  });

  it("answers as the embedded server after a full reload, whose new tables replace those of the connections' prepared statements", async () => {
    // Each path asked once (never answered from a cache), in twelve rounds: the servers' connections prepare their statements, and some run them past the five runs after which PostgreSQL may keep a generic plan.
    const paths = (round: number): string[] => ["疫情", "防疫知识", "记者 报道"].map((query) => `/api/search?q=${encodeURIComponent(query)}&size=${round}`);
    const answer = async (server: RunningServer, query: string): Promise<string> => {
      const { status, text } = await fetchText(server.url, query);
      expect(status, `${query}: ${text}`).to.equal(200);
      const { total, hits } = JSON.parse(text) as { total: number; hits: Array<{ id: string; snippet: string }> };
      return JSON.stringify({ total, hits: hits.map(({ id, snippet }) => [id, snippet]) });
    };
    const expectSame = async (round: number): Promise<void> => {
      for (const query of paths(round)) expect(await answer(database, query), query).to.equal(await answer(embedded, query));
    };
    for (let round = 1; round <= 12; round++) await expectSame(round);
    await loadPostgres({ seeds: [seeds], databaseUrl: url, full: true });
    await expectSame(13);
  });

  it("stops a search that outlives --query-budget with 503 query_too_expensive", async () => {
    const strict = await startServer({ seedsDir: seeds, extraArgs: ["--backend", "postgres", "--database-url", url, "--query-budget", "1"] });
    try {
      const answer = await fetchText(strict.url, `/api/occurrences?q=${encodeURIComponent("中国 OR 发展 OR 的")}`);
      expect(answer.status).to.equal(503);
      expect(JSON.parse(answer.text)).to.include({ code: "query_too_expensive" });
    } finally {
      await strict.stop();
    }
  });

  it("answers 503 database_unavailable with a message while the database is down, and serves again when it is back", async () => {
    // Requests in flight when it goes down: their connections fail while checked out of the pool.
    let busy = true;
    const statuses: Array<number | string> = [];
    const inFlight = Array.from({ length: 4 }, async (_, worker) => {
      for (let i = 0; busy; i++) {
        const q = encodeURIComponent(`发展 OR 合作 OR 建设 -x${worker}y${i}`);
        statuses.push(await fetch(`${database.url}/api/occurrences?q=${q}&page=5`).then((response) => response.status, (error: Error) => error.message));
      }
    });
    await waitUntil("requests under way", 5000, () => (statuses.length >= 4 ? true : undefined));
    pauseCluster(cluster);
    busy = false;
    await Promise.all(inFlight);
    expect(statuses.filter((status) => status !== 200 && status !== 503), "answers while the database stopped").to.deep.equal([]);
    try {
      const api = await fetchText(database.url, `/api/search?q=${encodeURIComponent("合作 发展")}`);
      expect(api.status).to.equal(503);
      expect(api.headers.get("retry-after")).to.equal("5");
      const body = JSON.parse(api.text) as { error: string; code: string };
      expect(body.code).to.equal("database_unavailable");
      expect(body.error).to.match(/数据库暂时无法回答/);
      const page = await fetchText(database.url, `/?q=${encodeURIComponent("合作 发展")}`);
      expect(page.status).to.equal(503);
      expect(page.text).to.include("数据库暂时无法回答");
      const export_ = await fetchText(database.url, `/api/search?q=${encodeURIComponent("合作")}&format=csv`);
      expect(export_.status).to.equal(503);
      expect(database.output()).to.match(/no database can answer reads/);
    } finally {
      resumeCluster(cluster);
    }
    const back = await waitUntil("answers again", 20_000, async () => {
      const answer = await fetchText(database.url, `/api/search?q=${encodeURIComponent("合作 发展")}`);
      return answer.status === 200 ? answer : undefined;
    }, 200);
    expect((JSON.parse(back.text) as { total: number }).total).to.be.greaterThan(0);
  });
});
