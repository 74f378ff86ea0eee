// `npm run bench` on a 300-record slice: every scenario runs, checks its own answers and writes every
// figure. Timing targets are not asserted here (timings on a shared machine are noise).
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CORPUS_SAMPLE as CORPUS, CORPUS_SAMPLE_QUERIES as QUERIES } from "../support/index-fixtures.js";

const run = promisify(execFile);
const REPO = process.cwd();

/** The figures issue 5 asks for. */
const FIGURES = [
  "build_ratio", "build_s", "floor_s", "incremental_ratio", "incremental_s", "load_ms", "load_ratio",
  "keyword_p50_ms", "keyword_p99_ms", "phrase_p50_ms", "phrase_p99_ms", "http_ratio", "http_rps", "http_p99_ms",
  "rss_mb", "disk_ratio", "http_cache_hit_rate", "http_uncached_rps", "http_uncached_ratio", "http_uncached_p99_ms",
  "http_uncached_workers", "http_uncached_workers_rps", "http_uncached_workers_ratio", "http_uncached_workers_p99_ms",
  "suggest_p50_ms", "suggest_p99_ms",
  "facets_p50_ms", "facets_p99_ms", "timeline_ms", "timeline_articles", "export_s", "export_rows", "export_rss_growth_mb",
  "overload_cheap_p50_ms", "overload_cheap_p99_ms", "overload_cheap_requests", "overload_worst_ok", "overload_worst_503", "overload_idle_s",
];

interface Report {
  [key: string]: unknown;
  machine: { cpus: number; memory_mb: number; node: string };
  packages: Record<string, string>;
  date: string;
  checks: string[];
  targets: Record<string, { value: number | null; target: string; pass: boolean | null }>;
}

describe("bench (smoke)", function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-bench-smoke-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs every scenario on 300 records and writes every figure, checked", async () => {
    const json = path.join(dir, "bench.json");
    const index = path.join(dir, "index");
    const args = ["dist/bench/run.js", "--corpus", CORPUS, "--queries", QUERIES, "--limit", "300", "--duration", "1", "--rounds", "1", "--starts", "1", "--json", json, "--index", index, "--build"];
    const { stdout } = await run(process.execPath, args, { cwd: REPO }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`bench failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    const report = JSON.parse(readFileSync(json, "utf8")) as Report;

    for (const key of FIGURES) {
      expect(report[key], key).to.be.a("number");
      expect(Number.isFinite(report[key]), `${key} = ${String(report[key])}`).to.equal(true);
    }
    expect(report.articles).to.equal(300);
    // Each scenario checked its answers (the bench exits non-zero on a failed check).
    for (const scenario of ["jieba floor", "full build", "incremental build", "phrase ", "title ", "load floor", "server: first answer", "GET /api/search", "GET /api/search, result cache off", "GET /api/search, result cache off, ", "express hello-world", "overload, cheap query", "overload, worst queries", "facets of", "timeline of", "export of"]) {
      expect(report.checks.some((check) => check.startsWith(scenario)), `a check of "${scenario}" in ${report.checks.length} checks`).to.equal(true);
    }
    for (const [key, target] of Object.entries(report.targets)) {
      expect(target.pass, key).to.be.a("boolean");
      expect(target.value, key).to.be.a("number");
    }
    expect(Object.keys(report.targets)).to.have.members([
      "build_ratio", "incremental_ratio", "load_ms", "load_ratio", "keyword_p50_ms", "keyword_p99_ms",
      "phrase_p50_ms", "phrase_p99_ms", "suggest_p99_ms", "http_ratio", "http_p99_ms", "overload_cheap_p99_ms", "overload_idle_s", "rss_mb", "disk_ratio",
      "facets_p99_ms", "timeline_ms", "export_s", "export_rss_growth_mb",
    ]);
    expect(report.machine.cpus).to.be.greaterThan(0);
    expect(report.machine.node).to.equal(process.version);
    expect(report.packages).to.have.keys("nodejieba", "flexsearch", "express", "autocannon");
    expect(report).to.have.property("commit");
    expect(Date.parse(report.date)).to.be.a("number").and.not.NaN;
    expect(stdout).to.match(/build_ratio/).and.match(/[✓✗]/);
    // Progress and time of every step, in the output and the JSON.
    const steps = ["build", "queries", "workbench", "start", "export", "http", "http-uncached", "hello", "overload"];
    steps.forEach((step, i) => expect(stdout).to.match(new RegExp(`^· \\[${i + 1}/9\\] ${step}: .* \\(at [\\d.]+ s, load [\\d.]+\\)$`, "m")));
    expect(stdout).to.match(/^time: [\d.]+ s in all; build [\d.]+ s, queries /m);
    const records = (report as unknown as { steps: Array<{ step: string; outcome: string; seconds: number }> }).steps;
    expect(records.map(({ step, outcome }) => [step, outcome])).to.deep.equal(steps.map((step) => [step, "done"]));
    expect(report.total_s).to.be.a("number").and.greaterThan(0);

    // --only reruns some steps on that index; the others are not measured.
    const onlyJson = path.join(dir, "only.json");
    const only = [...args.slice(0, args.indexOf("--json")), "--json", onlyJson, "--index", index, "--only", "queries,hello"];
    const second = await run(process.execPath, only, { cwd: REPO });
    const partial = JSON.parse(readFileSync(onlyJson, "utf8")) as Report;
    expect([partial.keyword_p50_ms, partial.hello_rps].map((value) => typeof value)).to.deep.equal(["number", "number"]);
    expect([partial.build_s, partial.http_rps, partial.overload_cheap_p99_ms]).to.deep.equal([null, null, null]);
    expect(second.stdout).to.match(/^· \[1\/2\] queries: /m).and.match(/^· \[2\/2\] hello: /m).and.match(/full build \(build_ratio\) +not measured/);
  });

  it("--only without build needs --index, and names the steps it knows", async () => {
    const base = ["dist/bench/run.js", "--corpus", CORPUS, "--queries", QUERIES];
    const failed = (args: string[]): Promise<string> =>
      run(process.execPath, [...base, ...args], { cwd: REPO }).then(
        () => "",
        (error: Error & { stderr?: string }) => error.stderr ?? "",
      );
    expect(await failed(["--only", "hello"])).to.include("error: --only without build needs --index <dir> holding an index of this corpus");
    expect(await failed(["--only", "hullo"])).to.include("unknown step hullo; the steps are build, queries, workbench, start, export, http, http-uncached, hello, overload");
  });
});
