// Scenario `npm run bench -- --backend postgres`: the PostgreSQL backend beside the embedded engine,
// in one run. The embedded full build and the load into a fresh cluster (test/support/postgres-cluster.ts,
// started and stopped here) are timed one after the other; then disk (pg_database_size against the
// index generation), in-process search (match, BM25, re-rank, page: what searchPostgres answers)
// against the embedded engine's, every total checked equal; then HTTP on two app servers over the
// database (`npm start --backend postgres`) at 50 connections in all, with the result cache (the
// servers' default) and without it (every request reaches the database); without it, also at steady
// rates below the servers' peak (steady-rate.ts), the latency readers see at that rate; and the CPU
// each party spent per answer (app servers, database, load generator; from /proc). Two embedded
// servers over the same corpus are loaded the same way in the same run: the baseline the machine
// allows, so a missed target reads as the backend's cost or the machine's. With `--shards N`, the
// corpus is also loaded into N date-range shards behind a PL/Proxy proxy (a cluster each, on this
// machine) and searched through it the same way, beside the one database.
import autocannon from "autocannon";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { buildIndex } from "../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../src/index/index-reader.js";
import { readOptions } from "../src/index/postgres-schema.js";
import { setUpProxy } from "../src/index/postgres-proxy.js";
import { loadPostgres } from "../src/index/postgres-writer.js";
import { dayAfter, parseShardMap } from "../src/index/shard-map.js";
import { Catalog, searchPostgres } from "../src/search/postgres-match.js";
import type { Queryable } from "../src/search/postgres-pools.js";
import { ProxyDatabase } from "../src/search/postgres-shards.js";
import { search } from "../src/search/search.js";
import { startCluster, startShardedClusters, type PostgresCluster } from "../test/support/postgres-cluster.js";
import { UsageError, type Checks } from "./checks.js";
import { cpuSeconds, processFamily, spawnListening, type ListeningChild } from "./child.js";
import type { Corpus } from "./corpus.js";
import { CONNECTIONS } from "./http.js";
import { currentGenerationBytes } from "./index-files.js";
import { firstRelevantRank, queryText, type EvalQuery } from "./known-item.js";
import { percentile } from "./stats.js";
import { steadyLoad, type SteadyFigures } from "./steady-rate.js";

/** App servers over the one database: the readers of issue 14's deployment picture. */
const APP_SERVERS = 2;
const PAGE = { page: 1, size: 10, sort: "relevance", correct: false } as const;

export interface PostgresFigures {
  build_s: number;
  load_s: number;
  load_ratio: number;
  index_bytes: number;
  database_bytes: number;
  /** First pages (relevance) compared with the embedded engine's, and the queries whose page differs. */
  pages: { compared: number; differing: string[] };
  /** MRR@10 of the keyword queries on each backend (issue 14: within 0.01). */
  keywords_mrr10: { embedded: number; postgres: number };
  embedded: LatencyFigures;
  postgres: LatencyFigures;
  /** null when the app servers could not be started over the database (the reason is printed). */
  http: { keyword: HttpFigures; phrase: HttpFigures } | null;
  /** The same with `--result-cache 0`: every request searches the database. */
  http_uncached: { keyword: HttpFigures; phrase: HttpFigures } | null;
  http_skipped?: string;
  /** Two embedded servers over the built index, loaded the same way (cache on, then off). */
  embedded_http: { keyword: HttpFigures; phrase: HttpFigures } | null;
  embedded_http_uncached: { keyword: HttpFigures; phrase: HttpFigures } | null;
  /** With `--shards N`: the same corpus in N date-range shards, searched through their proxy. */
  sharded?: ShardedFigures;
}

/** The corpus loaded into date-range shards and searched through the PL/Proxy proxy over them. */
export interface ShardedFigures {
  /** The loads into every shard and the proxy's set-up, one after the other as `npm run index` runs them. */
  load_s: number;
  shards: Array<{ name: string; dates: string; articles: number; bytes: number }>;
  pages: PostgresFigures["pages"];
  latency: LatencyFigures;
  http: { keyword: HttpFigures; phrase: HttpFigures } | null;
  http_uncached: { keyword: HttpFigures; phrase: HttpFigures } | null;
  http_skipped?: string;
}

interface LatencyFigures {
  keyword_p50_ms: number;
  keyword_p99_ms: number;
  phrase_p50_ms: number;
  phrase_p99_ms: number;
}

interface HttpFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Answers that were not 2xx (503 when a query ran out of its budget or found the pool busy), errors and timeouts. */
  failed: number;
  /** Open-loop runs at fractions of `rps` (STEADY_FRACTIONS), cache off only: what a reader waits at that rate. */
  steady?: SteadyFigures[];
  /**
   * CPU per 2xx answer in the closed-loop run, by who spent it (/proc; none elsewhere): on one
   * machine the parties share its cores, apart each needs its own, the deployment picture's sizes.
   */
  cpu_ms_per_answer?: CpuShares;
}

interface CpuShares {
  app_servers: number;
  /** The PostgreSQL server's processes (0 for embedded servers). */
  database: number;
  /** autocannon, in this process. */
  load_generator: number;
}

/** The steady rates tried after a closed-loop run with the cache off, as fractions of its answers per second. */
const STEADY_FRACTIONS = [0.25, 0.5, 0.75] as const;

const step = (text: string): void => console.log(`· ${text}`);

export async function measurePostgres(
  seedsDir: string,
  indexDir: string,
  corpus: Corpus,
  queries: readonly EvalQuery[],
  options: { rounds: number; duration: number; shards?: number },
  checks: Checks,
): Promise<PostgresFigures> {
  step("embedded: full build");
  let started = performance.now();
  const built = await buildIndex({ seeds: [seedsDir], indexDir, full: true });
  const build_s = (performance.now() - started) / 1000;
  checks.expect(built.articles === corpus.records.length, `embedded build: ${built.articles} articles, expected ${corpus.records.length}`);

  step("PostgreSQL: a fresh cluster, then the full load");
  const cluster = await startCluster();
  try {
    const url = await cluster.createDatabase("news");
    started = performance.now();
    const loaded = await loadPostgres({ seeds: [seedsDir], databaseUrl: url, full: true });
    const load_s = (performance.now() - started) / 1000;
    checks.expect(loaded.articles === corpus.records.length && loaded.problems.length === 0, `postgres load: ${loaded.articles} articles and ${loaded.problems.length} problems, expected ${corpus.records.length} and 0`);

    step(`in-process search, both backends: 1 untimed + ${options.rounds} timed passes`);
    const snapshot = await openIndex(indexDir);
    const embedded = await latencies(queries, options.rounds, async (q) => search(snapshot, { query: q, ...PAGE }).total);
    const { latency: postgres, pages, reciprocal } = await compareInProcess(url, (pool) => pool, snapshot, queries, options.rounds, checks, "postgres");

    const overDatabase = { name: "over the database", args: ["--backend", "postgres", "--database-url", url], warmsUp: false, database: () => databaseProcesses([cluster]) };
    const http = await measureAppServers(overDatabase, queries, options.duration, []);
    const uncached = await measureAppServers(overDatabase, queries, options.duration, ["--result-cache", "0"], STEADY_FRACTIONS);
    const overIndex = { name: "embedded, over index/", args: ["--seeds", seedsDir, "--index", indexDir], warmsUp: true };
    const embeddedHttp = await measureAppServers(overIndex, queries, options.duration, []);
    const embeddedUncached = await measureAppServers(overIndex, queries, options.duration, ["--result-cache", "0"], STEADY_FRACTIONS);
    const sharded = options.shards ? await measureShards(options.shards, seedsDir, corpus, snapshot, queries, options, checks) : undefined;
    const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
    const keywords_mrr10 = { embedded: mean(reciprocal.embedded), postgres: mean(reciprocal.postgres) };
    checks.expect(Math.abs(keywords_mrr10.postgres - keywords_mrr10.embedded) <= 0.01, `keywords MRR@10: postgres ${keywords_mrr10.postgres.toFixed(3)}, embedded ${keywords_mrr10.embedded.toFixed(3)} (at most 0.01 apart)`);
    return {
      build_s,
      load_s,
      load_ratio: load_s / build_s,
      index_bytes: await currentGenerationBytes(indexDir),
      database_bytes: loaded.bytes,
      pages,
      keywords_mrr10,
      embedded,
      postgres,
      http: http.http,
      http_uncached: uncached.http,
      ...(http.http_skipped === undefined ? {} : { http_skipped: http.http_skipped }),
      embedded_http: embeddedHttp.http,
      embedded_http_uncached: embeddedUncached.http,
      ...(sharded ? { sharded } : {}),
    };
  } finally {
    cluster.stop();
  }
}

/**
 * The database at `url` (or the proxy over it: `reader` wraps the pool) searched in-process as the
 * embedded engine is: p50/p99, every total checked equal to the embedded engine's, the first pages
 * compared, and the keyword queries' reciprocal ranks on both.
 */
async function compareInProcess(
  url: string,
  reader: (pool: pg.Pool) => Queryable,
  snapshot: IndexSnapshot,
  queries: readonly EvalQuery[],
  rounds: number,
  checks: Checks,
  name: string,
): Promise<{ latency: LatencyFigures; pages: PostgresFigures["pages"]; reciprocal: { embedded: number[]; postgres: number[] } }> {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: readOptions() });
  const db = reader(pool);
  // What a server keeps per state of the data (filter values, byline names): read once, not per query.
  const catalog = new Catalog();
  const pages = { compared: 0, differing: [] as string[] };
  const reciprocal = { embedded: [] as number[], postgres: [] as number[] };
  try {
    const latency = await latencies(queries, rounds, async (q) => (await searchPostgres(db, { query: q, ...PAGE }, catalog)).total);
    for (const query of queries) {
      const q = queryText(query);
      const want = search(snapshot, { query: q, ...PAGE });
      if (want.expansions.some(({ reason }) => reason === "pinyin")) continue; // pinyin readings: the embedded engine's only
      const got = await searchPostgres(db, { query: q, ...PAGE }, catalog);
      checks.expect(got.total === want.total, `${query.qid} ${q}: ${name} ${got.total} hits, embedded ${want.total}`);
      if (query.type === "keywords") {
        const reciprocalRank = (ids: readonly string[]): number => {
          const rank = firstRelevantRank(ids, query.relevant);
          return rank > 0 ? 1 / rank : 0;
        };
        reciprocal.embedded.push(reciprocalRank(want.hits.map((hit) => hit.article.id)));
        reciprocal.postgres.push(reciprocalRank(got.pageIds));
      }
      // The first page is reported, not enforced: a difference shows which query to look at.
      pages.compared++;
      if (got.pageIds.join() !== want.hits.map((hit) => hit.article.id).join()) pages.differing.push(query.qid);
    }
    return { latency, pages, reciprocal };
  } finally {
    await pool.end();
  }
}

/** The processes of these clusters' PostgreSQL servers (postmaster and backends), whose CPU the answers cost too. */
function databaseProcesses(clusters: readonly PostgresCluster[]): number[] {
  return clusters.flatMap((cluster) => processFamily(Number(readFileSync(path.join(cluster.root, "data", "postmaster.pid"), "utf8").split("\n")[0])));
}

/**
 * The corpus in `count` date-range shards (a cluster each) behind a proxy (a cluster too), loaded
 * as `npm run index -- --shard … --proxy-url …` does, then searched through the proxy in-process and
 * over HTTP (cache on, then off; no steady rates) like the one database.
 */
async function measureShards(count: number, seedsDir: string, corpus: Corpus, snapshot: IndexSnapshot, queries: readonly EvalQuery[], options: { rounds: number; duration: number }, checks: Checks): Promise<ShardedFigures> {
  const ranges = evenDateRanges(corpus.records.map((record) => record.date), count);
  step(`PostgreSQL: ${count} date-range shards (${ranges.join(", ")}) and a PL/Proxy proxy, each a fresh cluster, then the full load`);
  const clusters = await startShardedClusters(count);
  try {
    const map = parseShardMap(clusters.shards.map(({ url }, i) => `${url}=${ranges[i]}`));
    const started = performance.now();
    const loaded = await loadPostgres({ seeds: [seedsDir], shards: map, full: true });
    await setUpProxy(clusters.proxy.url, map);
    const load_s = (performance.now() - started) / 1000;
    checks.expect(loaded.articles === corpus.records.length && loaded.problems.length === 0, `sharded load: ${loaded.articles} articles and ${loaded.problems.length} problems, expected ${corpus.records.length} and 0`);

    step(`in-process search through the proxy: 1 untimed + ${options.rounds} timed passes`);
    const { latency, pages } = await compareInProcess(clusters.proxy.url, (pool) => new ProxyDatabase(pool), snapshot, queries, options.rounds, checks, "proxy");
    const all = [...clusters.shards.map(({ cluster }) => cluster), clusters.proxy.cluster];
    const overProxy = { name: "through the proxy", args: ["--backend", "postgres", "--database-url", clusters.proxy.url], warmsUp: false, database: () => databaseProcesses(all) };
    const http = await measureAppServers(overProxy, queries, options.duration, []);
    const uncached = await measureAppServers(overProxy, queries, options.duration, ["--result-cache", "0"]);
    return {
      load_s,
      shards: loaded.shards,
      pages,
      latency,
      http: http.http,
      http_uncached: uncached.http,
      ...(http.http_skipped === undefined ? {} : { http_skipped: http.http_skipped }),
    };
  } finally {
    clusters.stop();
  }
}

/**
 * `count` shard ranges (shard-map.ts DATES) that split the records into parts of about equal size
 * by day, each starting the day after the previous ends, the first and last open (undated records
 * go to the first shard, as the loader routes them). A day is never split between two shards.
 */
export function evenDateRanges(dates: ReadonlyArray<string | undefined>, count: number): string[] {
  const days = dates.flatMap((date) => (date ? [date.slice(0, 10)] : [])).sort();
  const ends = Array.from({ length: count - 1 }, (_, part) => days[Math.floor(((part + 1) * days.length) / count) - 1]);
  if (ends.some((end, i) => end === undefined || end >= days[days.length - 1]! || (i > 0 && end <= ends[i - 1]!))) {
    throw new UsageError(`--shards ${count}: the corpus's dates (${days.length} dated records) cannot be split into ${count} date ranges; use fewer shards or more records`);
  }
  return Array.from({ length: count }, (_, part) => `${part === 0 ? "" : dayAfter(ends[part - 1]!)}..${part === count - 1 ? "" : ends[part]!}`);
}

/** p50/p99 of title and keyword queries apart from phrases, over `rounds` passes after one untimed pass. */
async function latencies(queries: readonly EvalQuery[], rounds: number, ask: (q: string) => Promise<number>): Promise<LatencyFigures> {
  for (const query of queries) await ask(queryText(query));
  const times = { keyword: [] as number[], phrase: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const query of queries) {
      const started = performance.now();
      await ask(queryText(query));
      times[query.type === "phrase" ? "phrase" : "keyword"].push(performance.now() - started);
    }
  }
  return {
    keyword_p50_ms: percentile(times.keyword, 50),
    keyword_p99_ms: percentile(times.keyword, 99),
    phrase_p50_ms: percentile(times.phrase, 50),
    phrase_p99_ms: percentile(times.phrase, 99),
  };
}

/** Which app servers to start: `npm start` with these arguments. */
interface AppServers {
  name: string;
  args: readonly string[];
  /** An embedded server listens before its warm-up, whose work would be timed as its answers: wait for it. */
  warmsUp: boolean;
  /** The database server's processes, whose CPU the answers cost too. */
  database?: () => number[];
}

/**
 * Keyword, then phrase queries over HTTP, spread over APP_SERVERS servers (CONNECTIONS in all). The
 * p99 is the worse of the servers' (their latencies are not pooled by autocannon).
 */
async function measureAppServers(target: AppServers, queries: readonly EvalQuery[], seconds: number, serverOptions: readonly string[], steadyFractions: readonly number[] = []): Promise<Pick<PostgresFigures, "http" | "http_skipped">> {
  step(`HTTP: ${APP_SERVERS} app servers ${target.name}${serverOptions.length > 0 ? ` (${serverOptions.join(" ")})` : ""}, ${CONNECTIONS} connections in all, ${seconds} s per query kind`);
  const servers: ListeningChild[] = [];
  try {
    for (let i = 0; i < APP_SERVERS; i++) servers.push(await spawnListening("dist/src/cli/serve.js", [...target.args, "--port", "0", ...serverOptions], { untilWarm: target.warmsUp }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    const reason = (error as Error).message.split("\n").slice(0, 3).join(" ");
    console.log(`  not measured: the app server did not start ${target.name} (${reason})`);
    return { http: null, http_skipped: reason };
  }
  try {
    const paths = (kind: "keyword" | "phrase"): string[] =>
      queries.filter((query) => (query.type === "phrase") === (kind === "phrase")).map((query) => `/api/search?q=${encodeURIComponent(queryText(query))}`);
    const run = async (kind: "keyword" | "phrase"): Promise<HttpFigures> => {
      const list = paths(kind);
      const load = (duration: number): Promise<autocannon.Result[]> =>
        Promise.all(
          servers.map((server, i) => {
            let next = i;
            return autocannon({ url: server.url, connections: CONNECTIONS / APP_SERVERS, duration, requests: [{ setupRequest: (request) => ({ ...request, path: list[next++ % list.length]! }) }] });
          }),
        );
      // Each server answers every query once first (untimed), as the embedded server's warm-up
      // second does: two servers with a cache each need 2 × the queries, more than one second of
      // uncached answers, and the misses left over would be measured as the cached figure's tail.
      await Promise.all(servers.map(async (server) => {
        for (const path of list) await (await fetch(`${server.url}${path}`)).arrayBuffer();
      }));
      await load(1);
      const spent = cpuMeter(servers.map((server) => server.pid), target.database);
      const results = await load(seconds);
      const ok = results.reduce((sum, result) => sum + result["2xx"], 0);
      const cpu = spent(ok);
      const bad = results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0);
      const rps = ok / seconds;
      const steady: SteadyFigures[] = [];
      for (const fraction of steadyFractions) steady.push(await steadyLoad(servers.map((server) => server.url), list, { rps: Math.max(1, Math.round(rps * fraction)), seconds, connections: CONNECTIONS }));
      // Reported, not fatal: under load the servers answer 503 (budget, busy) rather than late, and the run's other figures stand.
      return {
        rps,
        p50_ms: Math.max(...results.map((result) => result.latency.p50)),
        p99_ms: Math.max(...results.map((result) => result.latency.p99)),
        requests: ok,
        failed: bad,
        ...(steady.length > 0 ? { steady } : {}),
        ...(cpu ? { cpu_ms_per_answer: cpu } : {}),
      };
    };
    return { http: { keyword: await run("keyword"), phrase: await run("phrase") } };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/**
 * Starts counting the CPU that the app servers, the database's processes (read again at the end:
 * a backend that connects meanwhile counts from zero) and this process spend; the returned function
 * gives it per answer. Undefined where /proc cannot be read.
 */
function cpuMeter(servers: readonly number[], database: (() => number[]) | undefined): (answers: number) => CpuShares | undefined {
  const total = (pids: readonly number[], since?: ReadonlyMap<number, number>): Map<number, number> => new Map(pids.map((pid) => [pid, cpuSeconds(pid) - (since?.get(pid) ?? 0)]));
  const sum = (spent: ReadonlyMap<number, number>): number => [...spent.values()].reduce((all, seconds) => all + seconds, 0);
  if (!existsSync(`/proc/${process.pid}/stat`)) return () => undefined;
  const start = { servers: total(servers), database: total(database?.() ?? []), self: process.cpuUsage() };
  return (answers) => {
    const self = process.cpuUsage(start.self);
    const perAnswer = (seconds: number): number => (seconds * 1000) / Math.max(1, answers);
    return {
      app_servers: perAnswer(sum(total(servers, start.servers))),
      database: perAnswer(sum(total(database?.() ?? [], start.database))),
      load_generator: perAnswer((self.user + self.system) / 1e6),
    };
  };
}

/** The figures with issue 14's targets (load ≤ 3× the embedded build, HTTP p99 ≤ 50 ms). */
export function formatPostgres(figures: PostgresFigures): string {
  const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  const mark = (ok: boolean): string => (ok ? "✓" : "✗");
  const rows: string[][] = [
    ["load", `${figures.load_s.toFixed(1)} s`, `embedded build ${figures.build_s.toFixed(1)} s`, `${figures.load_ratio.toFixed(2)}×`, `≤ 3× ${mark(figures.load_ratio <= 3)}`],
    ["same first page as embedded", `${figures.pages.compared - figures.pages.differing.length} / ${figures.pages.compared}`, figures.pages.differing.slice(0, 5).join(" "), "", ""],
    ["disk", mib(figures.database_bytes), `index/ ${mib(figures.index_bytes)}`, `${(figures.database_bytes / figures.index_bytes).toFixed(1)}×`, ""],
    [
      "keywords MRR@10",
      figures.keywords_mrr10.postgres.toFixed(3),
      `embedded ${figures.keywords_mrr10.embedded.toFixed(3)}`,
      "",
      `within 0.01 ${mark(Math.abs(figures.keywords_mrr10.postgres - figures.keywords_mrr10.embedded) <= 0.01)}`,
    ],
  ];
  for (const kind of ["keyword", "phrase"] as const) {
    rows.push([
      `${kind} in-process p50 / p99`,
      `${ms(figures.postgres[`${kind}_p50_ms`])} / ${ms(figures.postgres[`${kind}_p99_ms`])}`,
      `embedded ${ms(figures.embedded[`${kind}_p50_ms`])} / ${ms(figures.embedded[`${kind}_p99_ms`])}`,
      "",
      "",
    ]);
  }
  const latency = (figure: { p50_ms: number; p99_ms: number }): string => `${ms(figure.p50_ms)} / ${ms(figure.p99_ms)}`;
  type Runs = PostgresFigures["http"];
  /** The rows of HTTP runs, beside the same runs of `baselineName` (its servers' latency, CPU and steady rates). */
  const httpRows = (runs: Runs, baselineRuns: Runs, label: string, baselineName: string, skipped: string | undefined): void => {
    for (const kind of ["keyword", "phrase"] as const) {
      const http = runs?.[kind];
      const baseline = baselineRuns?.[kind];
      rows.push(
        http
          ? [
              `${kind} HTTP p50 / p99 (${APP_SERVERS} servers, ${CONNECTIONS} conn.${label})`,
              latency(http),
              `${Math.round(http.rps)} req/s 2xx, ${http.failed} not 2xx`,
              baseline ? `${baselineName} ${latency(baseline)}, ${Math.round(baseline.rps)} req/s` : "",
              `p99 ≤ 50 ms ${mark(http.p99_ms <= 50 && http.failed === 0)}`,
            ]
          : [`${kind} HTTP${label}`, "not measured", skipped ?? "", "", "p99 ≤ 50 ms"],
      );
      const cpu = http?.cpu_ms_per_answer;
      if (cpu) {
        const baselineCpu = baseline?.cpu_ms_per_answer;
        // What the machine's cores allow at that CPU per answer, and the mean wait it means for CONNECTIONS clients.
        const ceiling = (os.cpus().length * 1000) / (cpu.app_servers + cpu.database + cpu.load_generator);
        rows.push([
          "  CPU per answer",
          `app servers ${ms(cpu.app_servers)}, database ${ms(cpu.database)}`,
          `load generator ${ms(cpu.load_generator)}`,
          baselineCpu ? `${baselineName} app servers ${ms(baselineCpu.app_servers)}${baselineCpu.database > 0 ? `, database ${ms(baselineCpu.database)}` : ""}` : "",
          `${os.cpus().length} cores: ≤ ${Math.round(ceiling)} req/s, mean ≥ ${ms((CONNECTIONS / ceiling) * 1000)}`,
        ]);
      }
      const steadyBaseline = baseline?.steady ?? [];
      (http?.steady ?? []).forEach((run, i) => {
        const beside = steadyBaseline[i];
        rows.push([
          `  at a steady ${Math.round(run.offered_rps)} req/s (${Math.round((run.offered_rps / http!.rps) * 100)}%)`,
          latency(run),
          `${run.answered} 2xx, ${run.failed} not 2xx`,
          beside ? `${baselineName} at ${Math.round(beside.offered_rps)} req/s ${latency(beside)}` : "",
          `p99 ≤ 50 ms ${mark(run.p99_ms <= 50 && run.failed === 0)}`,
        ]);
      });
    }
  };
  httpRows(figures.http, figures.embedded_http, "", "embedded", figures.http_skipped);
  httpRows(figures.http_uncached, figures.embedded_http_uncached, ", cache off", "embedded", figures.http_skipped);
  const sharded = figures.sharded;
  if (sharded) {
    rows.push([`load into ${sharded.shards.length} shards and the proxy`, `${sharded.load_s.toFixed(1)} s`, `one database ${figures.load_s.toFixed(1)} s`, `${(sharded.load_s / figures.build_s).toFixed(2)}× the embedded build`, ""]);
    for (const shard of sharded.shards) rows.push([`  shard ${shard.name} (${shard.dates})`, `${shard.articles} articles`, mib(shard.bytes), "", ""]);
    rows.push(["same first page as embedded, through the proxy", `${sharded.pages.compared - sharded.pages.differing.length} / ${sharded.pages.compared}`, sharded.pages.differing.slice(0, 5).join(" "), "", ""]);
    for (const kind of ["keyword", "phrase"] as const) {
      rows.push([
        `${kind} in-process p50 / p99, through the proxy`,
        `${ms(sharded.latency[`${kind}_p50_ms`])} / ${ms(sharded.latency[`${kind}_p99_ms`])}`,
        `one database ${ms(figures.postgres[`${kind}_p50_ms`])} / ${ms(figures.postgres[`${kind}_p99_ms`])}`,
        "",
        "",
      ]);
    }
    httpRows(sharded.http, figures.http, ", proxy", "one database", sharded.http_skipped);
    httpRows(sharded.http_uncached, figures.http_uncached, ", proxy, cache off", "one database", sharded.http_skipped);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return [`PostgreSQL backend beside the embedded engine (${os.cpus().length} cpus, load average ${os.loadavg()[0]!.toFixed(1)} now)`, ...rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "))].join("\n");
}
