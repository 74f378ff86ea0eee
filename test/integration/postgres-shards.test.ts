// Date-range shards behind a PL/Proxy database, on real clusters (two shards and a proxy, each its
// own server, test/support/postgres-cluster.ts): the loader routes each article to the shard of its
// date, the shards number articles as one database would, the proxy's RUN ON ALL function answers
// the match stage with the embedded engine's article sets, counts and ranked pages, a new seed file
// becomes visible, and a stopped shard makes queries fail with an error naming it. `npm start` over
// the proxy answers every page and API request as the embedded server does, and 503 with a shard down.
import { expect } from "chai";
import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ShardUnavailableError } from "../../src/errors.js";
import { fold } from "../../src/analysis/fold.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";
import { setUpProxy } from "../../src/index/postgres-proxy.js";
import { loadPostgres } from "../../src/index/postgres-writer.js";
import { parseShardMap, type ShardMap } from "../../src/index/shard-map.js";
import { matchInPostgres, searchPostgres } from "../../src/search/postgres-match.js";
import { ProxyDatabase } from "../../src/search/postgres-shards.js";
import { corpusRecords, removeTempDirs, runBuildCli, tempDir, waitUntil, writeRecords, type SeedRecordJson } from "../support/index-fixtures.js";
import { pauseCluster, resumeCluster, startShardedClusters, type ShardedClusters } from "../support/postgres-cluster.js";
import { expectSameMatches, expectSamePhrases, expectSameRanking } from "../support/postgres-conformance.js";
import { startServer, type RunningServer } from "../support/server.js";
import { expectSameAnswers, fetchText } from "../support/server-conformance.js";

/** The fixture's stories are of July 2012: the shards split the month. */
const SPLIT = { first: "..2012-07-13", second: "2012-07-14.." };
/** Two files; three stories of the second are undated (they belong to the first shard). */
const FIRST = corpusRecords(0, 200);
const SECOND: SeedRecordJson[] = corpusRecords(200, 400).map((record, i) => (i < 3 ? { ...record, date: undefined } : record));

describe("PostgreSQL backend: date-range shards through PL/Proxy (real clusters)", function () {
  this.timeout(120_000);
  let clusters: ShardedClusters;
  let map: ShardMap;
  let seeds: string;
  let snapshot: IndexSnapshot;
  let proxyClient: pg.Client;
  let proxy: ProxyDatabase;
  let loaded: { code: number | null; stdout: string; stderr: string };
  let embedded: RunningServer;
  let sharded: RunningServer;

  before(async function () {
    this.timeout(240_000);
    clusters = await startShardedClusters(2);
    const root = tempDir("pg-shards");
    seeds = path.join(root, "seeds");
    mkdirSync(seeds);
    writeRecords(path.join(seeds, "a.jsonl"), FIRST);
    writeRecords(path.join(seeds, "b.jsonl"), SECOND);
    await buildIndex({ seeds: [seeds], indexDir: path.join(root, "index") });
    snapshot = await openIndex(path.join(root, "index"));
    const shardArgs = [`${clusters.shards[0]!.url}=${SPLIT.first}`, `${clusters.shards[1]!.url}=${SPLIT.second}`];
    map = parseShardMap(shardArgs);
    loaded = await runBuildCli(["--backend", "postgres", ...shardArgs.flatMap((spec) => ["--shard", spec]), "--proxy-url", clusters.proxy.url, "--seeds", seeds]);
    proxyClient = new pg.Client({ connectionString: clusters.proxy.url });
    await proxyClient.connect();
    proxy = new ProxyDatabase(proxyClient);
    // `npm start` over the proxy, as an operator starts it, beside the embedded server on the same seeds.
    [embedded, sharded] = await Promise.all([startServer({ seedsDir: seeds }), startServer({ seedsDir: seeds, extraArgs: ["--backend", "postgres", "--database-url", clusters.proxy.url] })]);
  });

  after(async () => {
    await Promise.all([embedded?.stop(), sharded?.stop()]);
    await proxyClient?.end().catch(() => {});
    clusters?.stop();
    removeTempDirs();
  });

  const shardRows = async <Row extends pg.QueryResultRow>(shard: number, sql: string): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: clusters.shards[shard]!.url });
    await client.connect();
    try {
      return (await client.query<Row>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it("loads from the command line (--shard URL=DATES … --proxy-url) and reports each shard", () => {
    expect(loaded.stderr).to.equal("");
    expect(loaded.code).to.equal(0);
    expect(loaded.stdout).to.contain("shards loaded");
    expect(loaded.stdout).to.contain("articles 400");
    expect(loaded.stdout).to.match(/shard news_s1 \(\.\.2012-07-13\): \d+ articles/);
    expect(loaded.stdout).to.match(/shard news_s2 \(2012-07-14\.\.\): \d+ articles/);
  });

  it("routes each article to the shard of its date (undated ones to the first) and numbers them as one database would", async () => {
    const first = await shardRows<{ doc: number; id: string; date: string }>(0, "SELECT doc, id, date FROM articles");
    const second = await shardRows<{ doc: number; id: string; date: string }>(1, "SELECT doc, id, date FROM articles");
    expect(first.length).to.be.greaterThan(100);
    expect(second.length).to.be.greaterThan(100);
    expect(first.every(({ date }) => date === "" || date.slice(0, 10) <= "2012-07-13")).to.equal(true);
    expect(second.every(({ date }) => date.slice(0, 10) >= "2012-07-14")).to.equal(true);
    expect(first.filter(({ date }) => date === "").map(({ id }) => id).sort()).to.deep.equal(SECOND.slice(0, 3).map(({ id }) => id).sort());
    // Loading order across the shards is the embedded index's: ties rank alike.
    const order = [...first, ...second].sort((a, b) => a.doc - b.doc).map(({ id }) => id);
    expect(order).to.deep.equal(Array.from({ length: snapshot.size }, (_, doc) => snapshot.id(doc)));
  });

  it("keeps BM25's statistics per shard that add up to the embedded index's", async () => {
    const df = new Map<string, number>();
    for (const shard of [0, 1]) {
      for (const { term, df: count } of await shardRows<{ term: string; df: number }>(shard, "SELECT term, df FROM term_stats WHERE field = 'body'")) df.set(term, (df.get(term) ?? 0) + count);
    }
    expect(df).to.deep.equal(snapshot.termFrequencies());
  });

  it("finds sampled phrases through the proxy in exactly the embedded engine's articles, with its occurrence counts", async () => {
    await expectSamePhrases(proxy, snapshot);
  });

  it("matches queries through the proxy as the embedded engine does (AND, OR, -, title:, filters, relaxed fallback, counts)", async () => {
    await expectSameMatches(proxy, snapshot);
  });

  it("ranks, sorts and pages through the proxy as the embedded engine does: same ids, order and scores", async () => {
    await expectSameRanking(proxy, snapshot);
  });

  it("serves every page and API answer over the shards as the embedded server does: summed totals and facets, merged timelines, exports in order, articles of either shard", async () => {
    await expectSameAnswers(embedded.url, sharded.url, 500);
  });

  it("says in /healthz that it reads through the proxy, and over which shards", async () => {
    const health = JSON.parse((await fetchText(sharded.url, "/healthz")).text) as { backend: string; articles: number; databases: { shards: Array<{ name: string; dates: string }> } };
    expect(health).to.include({ backend: "postgres", articles: 400 });
    expect(health.databases.shards).to.deep.equal([
      { name: "news_s1", dates: SPLIT.first },
      { name: "news_s2", dates: SPLIT.second },
    ]);
    expect(sharded.output()).to.match(/400 articles in 2 shards \(news_s1 \.\.2012-07-13, news_s2 2012-07-14\.\.\) through the proxy/);
  });

  it("makes a new seed file visible through the proxy, each of its stories in the shard of its date", async () => {
    const marker = "分片新文件测试标记";
    const extra = corpusRecords(400, 404).map((record, i) => ({ ...record, title: `${marker}${record.title}`, date: i % 2 === 0 ? "2012-07-02" : "2012-07-20" }));
    writeRecords(path.join(seeds, "c.jsonl"), extra);
    const summary = await loadPostgres({ seeds: [seeds], shards: map });
    await setUpProxy(clusters.proxy.url, map);
    expect(summary.added).to.deep.equal(["c.jsonl"]);
    expect(summary.articles).to.equal(404);
    expect(summary.shards.map(({ articles }) => articles).reduce((a, b) => a + b)).to.equal(404);
    expect((await matchInPostgres(proxy, `title:"${marker}"`)).ids).to.deep.equal(extra.map(({ id }) => id));
    const { total } = await searchPostgres(proxy, { query: `"${marker}"`, page: 1, size: 10, sort: "newest" });
    expect(total).to.equal(4);
    expect((await shardRows<{ n: number }>(0, `SELECT count(*)::int AS n FROM articles WHERE title LIKE '${marker}%'`))[0]!.n).to.equal(2);
    // The server sees the load of every shard within seconds (it polls their seed files through the proxy).
    const seen = await waitUntil("the load seen by the server", 10_000, async () => {
      const answer = JSON.parse((await fetchText(sharded.url, `/api/search?q=${encodeURIComponent(`"${marker}"`)}&sort=oldest&facets=month`)).text) as { total: number; hits: Array<{ id: string }>; facets: { month: Array<{ value: string; count: number }> } };
      return answer.total > 0 ? answer : undefined;
    }, 200);
    expect(seen.total).to.equal(4);
    expect(seen.facets.month).to.deep.equal([{ value: "2012-07", count: 4, filter: "date:2012-07" }]);
  });

  /** The shard (0 or 1) that holds a record of this date. */
  const shardOfDate = (date: string | undefined): number => (date === undefined || date.slice(0, 10) <= "2012-07-13" ? 0 : 1);
  const shardsHolding = async (id: string): Promise<number[]> => {
    const held: number[] = [];
    for (const shard of [0, 1]) if ((await shardRows(shard, `SELECT 1 FROM articles WHERE id = ${pg.escapeLiteral(id)}`)).length > 0) held.push(shard);
    return held;
  };

  it("moves an article whose date changed to the shard of its new date (a changed seed file), never loading it twice", async () => {
    const moved = FIRST.findIndex((record) => shardOfDate(record.date) === 0);
    const record = FIRST[moved]!;
    expect(await shardsHolding(record.id)).to.deep.equal([0]);
    writeRecords(path.join(seeds, "a.jsonl"), FIRST.map((other, i) => (i === moved ? { ...other, date: "2012-07-25" } : other)));
    const summary = await loadPostgres({ seeds: [seeds], shards: map });
    expect(summary.changed).to.deep.equal(["a.jsonl"]);
    expect(summary.problems.map(String)).to.deep.equal([]);
    expect(summary.articles).to.equal(404);
    expect(await shardsHolding(record.id)).to.deep.equal([1]);
    const article = await waitUntil("the move seen by the server", 10_000, async () => {
      const answer = JSON.parse((await fetchText(sharded.url, `/api/articles/${encodeURIComponent(record.id)}`)).text) as { date?: string };
      return answer.date?.startsWith("2012-07-25") ? answer : undefined;
    }, 200);
    expect(article.date).to.match(/^2012-07-25/);
  });

  it("refuses an id that another file would load into another shard, naming the shard that holds it", async () => {
    const held = SECOND.find((record, i) => i >= 3 && shardOfDate(record.date) === 1)!;
    writeRecords(path.join(seeds, "d.jsonl"), [{ ...held, title: `重复编号${held.title}`, date: "2012-07-02" }]);
    const summary = await loadPostgres({ seeds: [seeds], shards: map });
    expect(summary.added).to.deep.equal(["d.jsonl"]);
    expect(summary.articles).to.equal(404);
    expect(summary.problems.map(String)).to.deep.equal([
      `SeedFormatError: d.jsonl:1: duplicate article id "${held.id}" (already loaded in shard news_s2 (2012-07-14..) from b.jsonl; the date of this line would put it in another shard); skipped`,
    ]);
    expect(await shardsHolding(held.id)).to.deep.equal([1]);
    // A full load keeps the first file's, as the embedded build does, and says so again.
    const full = await loadPostgres({ seeds: [seeds], shards: map, full: true });
    expect(full.articles).to.equal(404);
    expect(full.problems.map(String)).to.deep.equal(summary.problems.map(String));
    expect(await shardsHolding(held.id)).to.deep.equal([1]);
  });

  it("counts an id on two shards once (as while a load moves it): totals, facets, pages and the article page", async () => {
    const record = SECOND.find((other, i) => i >= 3 && shardOfDate(other.date) === 1)!;
    const columns = (await shardRows<{ name: string }>(1, "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'articles' AND is_generated = 'NEVER' ORDER BY ordinal_position")).map(({ name }) => `"${name}"`);
    const [row] = await shardRows<{ row: Record<string, unknown> }>(1, `SELECT row_to_json(a) AS row FROM articles a WHERE id = ${pg.escapeLiteral(record.id)}`);
    // The copy a move inserts first: a later loading number, on the other shard.
    const copy = JSON.stringify({ ...row!.row, doc: 1_000_000 });
    await shardRows(0, `INSERT INTO articles (${columns.join(", ")}) SELECT ${columns.join(", ")} FROM json_populate_record(NULL::articles, ${pg.escapeLiteral(copy)})`);
    try {
      expect(await shardsHolding(record.id)).to.deep.equal([0, 1]);
      const query = `"${fold(record.title)}"`;
      const matches = await matchInPostgres(proxy, query);
      expect(matches.ids.filter((id) => id === record.id)).to.have.length(1);
      const answer = JSON.parse((await fetchText(sharded.url, `/api/search?q=${encodeURIComponent(query)}&facets=month`)).text) as { total: number; hits: Array<{ id: string }>; facets: { month: Array<{ count: number }> } };
      expect(answer.total).to.equal(matches.total);
      expect(answer.hits.filter(({ id }) => id === record.id)).to.have.length(1);
      expect(answer.facets.month.reduce((sum, { count }) => sum + count, 0)).to.equal(answer.total);
      const csv = (await fetchText(sharded.url, `/api/search?q=${encodeURIComponent(query)}&format=csv`)).text;
      expect(csv.split("\n").filter((line) => line.includes(record.id))).to.have.length(1);
      expect((await fetchText(sharded.url, `/api/articles/${encodeURIComponent(record.id)}`)).status).to.equal(200);
    } finally {
      await shardRows(0, `DELETE FROM articles WHERE id = ${pg.escapeLiteral(record.id)}`);
    }
  });

  it("serves the shards right away when the proxy comes up after the server started (never reading the proxy as if it held the articles)", async () => {
    const expected = JSON.parse((await fetchText(sharded.url, `/api/search?q=${encodeURIComponent("会议")}&facets=year`)).text) as { total: number };
    await proxyClient.end();
    pauseCluster(clusters.proxy.cluster);
    let early: RunningServer | undefined;
    try {
      early = await startServer({ seedsDir: seeds, extraArgs: ["--backend", "postgres", "--database-url", clusters.proxy.url] });
      expect(early.output()).to.match(/cannot read the database yet/);
      const down = await fetchText(early.url, `/api/search?q=${encodeURIComponent("会议")}`);
      expect(down.status).to.equal(503);
      resumeCluster(clusters.proxy.cluster);
      // Before the server's next look at the database (every 2 s): the request itself finds the shards.
      const answer = await fetchText(early.url, `/api/search?q=${encodeURIComponent("会议")}&facets=year`);
      expect(answer.status, answer.text).to.equal(200);
      expect((JSON.parse(answer.text) as { total: number }).total).to.equal(expected.total);
    } finally {
      await early?.stop();
      proxyClient = new pg.Client({ connectionString: clusters.proxy.url });
      await proxyClient.connect();
      proxy = new ProxyDatabase(proxyClient);
    }
  });

  it("refuses an answer when a shard is down, naming the shard (never a smaller count)", async () => {
    clusters.shards[1]!.cluster.stop();
    let failure: unknown;
    try {
      await matchInPostgres(proxy, "中国");
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(ShardUnavailableError);
    expect((failure as ShardUnavailableError).message, (failure as ShardUnavailableError).reason).to.contain("news_s2（2012-07-14..）");
    expect((failure as ShardUnavailableError).code).to.equal("shard_unavailable");
    // The server: every answer that would miss the shard's articles is a 503 naming it, none a smaller count.
    const id = FIRST[0]!.id; // on the first shard, which still answers: but is it on the second too?
    for (const request of [
      `/api/search?q=${encodeURIComponent("中国")}&facets=year,month`,
      `/?q=${encodeURIComponent("中国")}`,
      `/api/occurrences?q=${encodeURIComponent("中国")}`,
      `/api/timeline?q=${encodeURIComponent("中国")}&by=month`,
      `/api/search?q=${encodeURIComponent("中国")}&format=csv`,
      `/api/articles/${encodeURIComponent(id)}`,
    ]) {
      const answer = await fetchText(sharded.url, request);
      expect(answer.status, request).to.equal(503);
      expect(answer.text, request).to.contain("news_s2（2012-07-14..）");
      if (request.startsWith("/api/") && !request.includes("format=csv")) expect(JSON.parse(answer.text), request).to.include({ code: "shard_unavailable" });
    }
  });
});
