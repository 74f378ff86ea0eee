// `npm run bench -- --backend postgres --shards 2` on the 400-story sample: the PostgreSQL scenario
// runs end to end on real clusters (one database, two date shards and their proxy), checks its own
// answers against the embedded engine's (a failed check stops it) and writes every figure. Timings
// are not asserted (on a shared machine they are noise).
import { expect } from "chai";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { PostgresFigures } from "../../bench/postgres.js";
import { CORPUS_SAMPLE as CORPUS, CORPUS_SAMPLE_QUERIES as QUERIES, removeTempDirs, tempDir } from "../support/index-fixtures.js";

const run = promisify(execFile);

describe("bench --backend postgres --shards 2 (smoke, real clusters)", function () {
  this.timeout(300_000);
  after(removeTempDirs);

  it("loads and searches one database and two shards beside the embedded engine, every answer checked", async () => {
    const json = path.join(tempDir("bench-pg"), "postgres.json");
    const args = ["dist/bench/run.js", "--backend", "postgres", "--shards", "2", "--corpus", CORPUS, "--queries", QUERIES, "--duration", "1", "--rounds", "1", "--json", json];
    const { stdout } = await run(process.execPath, args, { cwd: process.cwd() }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`bench failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    const report = JSON.parse(readFileSync(json, "utf8")) as PostgresFigures & { checks: string[] };

    expect(report.pages).to.deep.equal({ compared: 6, differing: [] });
    expect(report.keywords_mrr10.postgres).to.equal(report.keywords_mrr10.embedded);
    for (const figures of [report.http, report.http_uncached, report.embedded_http, report.embedded_http_uncached]) {
      for (const kind of ["keyword", "phrase"] as const) expect(figures?.[kind].requests, kind).to.be.greaterThan(0);
    }
    expect(report.http_uncached?.phrase.cpu_ms_per_answer?.database).to.be.greaterThan(0);
    expect(report.http_uncached?.phrase.steady).to.have.length(3);

    const sharded = report.sharded!;
    expect(sharded.shards.map(({ dates }) => dates)).to.deep.equal(["..2012-07-13", "2012-07-14.."]);
    expect(sharded.shards.reduce((sum, shard) => sum + shard.articles, 0)).to.equal(400);
    expect(sharded.pages).to.deep.equal({ compared: 6, differing: [] });
    expect(sharded.load_s).to.be.greaterThan(0);
    for (const kind of ["keyword", "phrase"] as const) {
      expect(sharded.http?.[kind].requests, kind).to.be.greaterThan(0);
      expect(sharded.http_uncached?.[kind].cpu_ms_per_answer?.database, kind).to.be.greaterThan(0);
    }
    // Every total through the proxy was checked against the embedded engine's (6 queries), as on the one database.
    const totalsChecked = (name: string): number => report.checks.filter((check) => new RegExp(`: ${name} (\\d+) hits, embedded \\1$`).test(check)).length;
    expect([totalsChecked("postgres"), totalsChecked("proxy")]).to.deep.equal([6, 6]);
    expect(stdout).to.match(/^load into 2 shards and the proxy +[\d.]+ s/m).and.match(/^ {2}shard news_s2 \(2012-07-14\.\.\) +\d+ articles/m);
    expect(stdout).to.match(/^keyword HTTP p50 \/ p99 \(2 servers, 50 conn\., proxy, cache off\)/m);
  });

  it("refuses --shards without the postgres backend, and a shard count PL/Proxy cannot spread over", async () => {
    const refusal = (extra: string[]): Promise<string> =>
      run(process.execPath, ["dist/bench/run.js", "--corpus", CORPUS, "--queries", QUERIES, ...extra], { cwd: process.cwd() }).then(
        () => "",
        (error: { stderr: string }) => error.stderr,
      );
    expect(await refusal(["--shards", "2"])).to.contain("--shards only applies with --backend postgres");
    expect(await refusal(["--backend", "postgres", "--shards", "3"])).to.contain('expected 2, 4, 8… shards (PL/Proxy\'s partitions are a power of two), got "3"');
  });
});
