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
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-bench-smoke-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs every scenario on 300 records and writes every figure, checked", async () => {
    const json = path.join(dir, "bench.json");
    const args = ["dist/bench/run.js", "--corpus", CORPUS, "--queries", QUERIES, "--limit", "300", "--duration", "1", "--rounds", "1", "--starts", "1", "--json", json];
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
    for (const scenario of ["jieba floor", "full build", "incremental build", "phrase ", "title ", "load floor", "server: first answer", "GET /api/search", "GET /api/search, result cache off", "express hello-world", "overload, cheap query", "overload, worst queries", "facets of", "timeline of", "export of"]) {
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
  });
});
