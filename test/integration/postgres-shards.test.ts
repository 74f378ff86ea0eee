// Date-range shards behind a PL/Proxy database, on real clusters (two shards and a proxy, each its
// own server, test/support/postgres-cluster.ts): the loader routes each article to the shard of its
// date, the shards number articles as one database would, the proxy's RUN ON ALL function answers
// the match stage with the embedded engine's article sets, counts and ranked pages, a new seed file
// becomes visible, and a stopped shard makes queries fail with an error naming it.
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
import { matchInPostgres, phraseMatches, searchPostgres } from "../../src/search/postgres-match.js";
import { ProxyDatabase } from "../../src/search/postgres-shards.js";
import { corpusRecords, removeTempDirs, runBuildCli, tempDir, writeRecords, type SeedRecordJson } from "../support/index-fixtures.js";
import { startShardedClusters, type ShardedClusters } from "../support/postgres-cluster.js";
import { expectSameMatches, expectSamePhrases, expectSameRanking } from "../support/postgres-conformance.js";

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
  });

  after(async () => {
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

  it("makes a new seed file visible through the proxy, each of its stories in the shard of its date", async () => {
    const marker = "分片新文件测试标记";
    const extra = corpusRecords(400, 404).map((record, i) => ({ ...record, title: `${marker}${record.title}`, date: i % 2 === 0 ? "2012-07-02" : "2012-07-20" }));
    writeRecords(path.join(seeds, "c.jsonl"), extra);
    const summary = await loadPostgres({ seeds: [seeds], shards: map });
    await setUpProxy(clusters.proxy.url, map);
    expect(summary.added).to.deep.equal(["c.jsonl"]);
    expect(summary.articles).to.equal(404);
    expect(summary.shards.map(({ articles }) => articles).reduce((a, b) => a + b)).to.equal(404);
    expect((await phraseMatches(proxy, fold(marker), "title")).map(({ id }) => id)).to.deep.equal(extra.map(({ id }) => id));
    const { total } = await searchPostgres(proxy, { query: `"${marker}"`, page: 1, size: 10, sort: "newest" });
    expect(total).to.equal(4);
    expect((await shardRows<{ n: number }>(0, `SELECT count(*)::int AS n FROM articles WHERE title LIKE '${marker}%'`))[0]!.n).to.equal(2);
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
  });
});
