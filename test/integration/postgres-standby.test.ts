// `npm start -- --backend postgres --read-url …` against a real primary and a streaming hot standby
// made with pg_basebackup -R: reads go to the standby, a load on the primary becomes visible through
// it, and when the standby stops the server warns and reads from the primary (README: Readers).
import { expect } from "chai";
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { loadPostgres } from "../../src/index/postgres-writer.js";
import { removeTempDirs, tempDir, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { pauseCluster, startCluster, startStandby, waitForReplay, type PostgresCluster } from "../support/postgres-cluster.js";
import { getJson, REPO, startServer, type RunningServer } from "../support/server.js";

/** Client connections to the `news` database of a cluster (the server's pool keeps its connections open a while). */
async function connectionsTo(cluster: PostgresCluster): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.url("postgres") });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'news' AND backend_type = 'client backend'");
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe("PostgreSQL backend: reads from a streaming standby (real primary and standby)", function () {
  this.timeout(180_000);
  let primary: PostgresCluster;
  let standby: PostgresCluster;
  let url: string;
  let seeds: string;
  let server: RunningServer;

  before(async function () {
    this.timeout(240_000);
    primary = await startCluster();
    url = await primary.createDatabase("news");
    standby = await startStandby(primary);
    seeds = path.join(tempDir("pg-standby"), "seeds");
    mkdirSync(seeds);
    cpSync(path.join(REPO, "seeds"), seeds, { recursive: true });
    // Loaded after the standby was made: what it serves came by streaming replication.
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    await waitForReplay(primary, standby);
    server = await startServer({ seedsDir: seeds, extraArgs: ["--backend", "postgres", "--database-url", url, "--read-url", standby.url("news")] });
  });

  after(async () => {
    await server?.stop();
    standby?.stop();
    primary?.stop();
    removeTempDirs();
  });

  it("serves reads from the standby, not the primary", async () => {
    const found = await getJson(`${server.url}/api/search?q=${encodeURIComponent('"防疫知识"')}`);
    expect(found.status).to.equal(200);
    expect(found.body.total).to.equal(3);
    expect(await connectionsTo(standby), "the server's connections on the standby").to.be.greaterThan(0);
    expect(await connectionsTo(primary), "the server's connections on the primary").to.equal(0);
  });

  it("sees a seed file loaded on the primary through the standby", async () => {
    writeRecords(path.join(seeds, "late.jsonl"), [{ id: "late-1", title: "蓝鲸跃迁计划启动", body: "蓝鲸跃迁计划今天启动。", date: "2021-05-06" }]);
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    await waitForReplay(primary, standby);
    const after = await waitUntil("the load seen through the standby", 10_000, async () => {
      const answer = await getJson(`${server.url}/api/search?q=${encodeURIComponent('"蓝鲸跃迁计划"')}`);
      return answer.body.total === 1 ? answer : undefined;
    }, 200);
    expect((after.body.hits as Array<{ id: string }>).map(({ id }) => id)).to.deep.equal(["late-1"]);
    expect(await connectionsTo(primary)).to.equal(0);
  });

  it("reads from the primary, with a warning, when the standby stops", async () => {
    pauseCluster(standby);
    const answer = await getJson(`${server.url}/api/search?q=${encodeURIComponent("疫情 防控")}`);
    expect(answer.status).to.equal(200);
    expect(answer.body.total).to.be.greaterThan(0);
    expect(server.output()).to.match(/standby postgres:\/\/postgres@127\.0\.0\.1:\d+\/news cannot be reached .*reading from the others \(the primary\)/);
    expect(await connectionsTo(primary)).to.be.greaterThan(0);
    const health = await getJson(`${server.url}/healthz`);
    expect(health.body.databases).to.deep.equal({ primary: url, standbys: [{ url: standby.url("news"), up: false }] });
  });
});
