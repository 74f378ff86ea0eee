// `npm run bench -- --corpus <jsonl[.gz]> --queries <jsonl> [--json <file>]`: the performance
// figures of issue 5, each beside a floor measured in the same run, each checked for correct answers.
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe } from "../src/cli/report.js";
import { openIndex } from "../src/index/index-reader.js";
import { listSeedFiles } from "../src/ingest/read-seeds.js";
import { EXTRA_ARTICLES, measureBuilds } from "./build.js";
import { CheckFailed, Checks, UsageError } from "./checks.js";
import { extraRecords, readCorpus, writeSeeds, type Corpus } from "./corpus.js";
import { loadStretch, spawnListening, stopChildren, type ListeningChild } from "./child.js";
import { cacheHitRate, CONNECTIONS, measureHelloFloor, measureHttp, measureUncachedHttp } from "./http.js";
import { currentGenerationBytes, currentManifest } from "./index-files.js";
import { queryText, readQueries, type EvalQuery } from "./known-item.js";
import { measureStarts, type Probe } from "./load.js";
import { measureOverload, WORST_CLIENTS } from "./overload.js";
import { formatPostgres, measurePostgres } from "./postgres.js";
import { measureQueries, WARM_PASSES, type SlowQuery } from "./query.js";
import { EXPORT_QUERY, measureExport, measureFacets, measureTimeline, TIMELINE_QUERY } from "./workbench.js";
import { environment, FIGURE_KEYS, formatTable, judge, rounded, type Figures } from "./report.js";

/** The scenarios in the order they run; `--only` picks some (an index is then needed, see HELP). */
const STEPS = ["build", "queries", "workbench", "start", "export", "http", "http-uncached", "hello", "overload"] as const;
type Step = (typeof STEPS)[number];

interface Options {
  corpus: string;
  queries: string;
  json?: string;
  limit?: number;
  index?: string;
  build: boolean;
  duration: number;
  rounds: number;
  starts: number;
  only?: Step[];
  backend: "embedded" | "postgres";
  shards?: number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return number;
}

/** PL/Proxy spreads a cluster's rows over 2, 4, 8… partitions. */
function shardCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 2 || (number & (number - 1)) !== 0) throw new InvalidArgumentError(`expected 2, 4, 8… shards (PL/Proxy's partitions are a power of two), got "${value}"`);
  return number;
}

function stepList(value: string): Step[] {
  const steps = value.split(",").map((name) => name.trim());
  const unknown = steps.filter((name) => !(STEPS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown step ${unknown.join(", ")}; the steps are ${STEPS.join(", ")}`);
  return steps as Step[];
}

const HELP = `
Steps, in order (names for --only): build (jieba floor, full build and jieba floor again: their mean
is the floor; incremental build +${EXTRA_ARTICLES} articles, then removed again; disk size), queries
(in-process), workbench (facets, timeline), start (server start alternating with its floor, --starts
times, and RSS), export (CSV from the server), http (load against the server), http-uncached (the
same with the result cache off), hello (the Express hello-world floor of both), overload
(${WORST_CLIENTS} clients sending the worst queries to a server with its cache off while one sends 北京).

Every step checks its answers (article counts, a title query missing its story, a phrase count
that differs from the query set's relevant list, a non-2xx HTTP answer). A step that fails is
reported with its reason and the bench goes on with the steps that do not need what it failed to
make; the table then shows what was measured, and the exit code is 1. Missed targets are marked ✗
but do not change the exit code. A step that waits on a server is stopped after a time that
scales with --duration and the machine's load (its servers too), so that a run always ends.

--index <dir> reuses an index of the same corpus (and --limit) built earlier, e.g. by
  npm run index -- --seeds ../shared/corpus/xwlb.jsonl.gz --index /tmp/xwlb-index
and skips the build figures (reported as "not measured"). With --build as well, the index is
rebuilt in <dir> and every figure is measured; <dir> then holds the full index for later runs.
Without --index, everything happens in a temporary directory that is removed at the end.

--only <steps> runs only those steps (comma-separated), e.g. to repeat one that failed:
  npm run bench -- --corpus … --queries … --index /tmp/xwlb-index --only http-uncached,hello
Without build among them it needs --index with an index of this corpus.

--limit <n> uses the first n records (smoke runs). Phrase counts are then checked against the
part of each relevant list that lies within those records.`;

async function main(): Promise<void> {
  const command = new Command("bench")
    .description("Measure build, load, query and HTTP performance against floors measured in the same run")
    .requiredOption("--corpus <file>", "JSONL(.gz) corpus, e.g. ../shared/corpus/xwlb.jsonl.gz")
    .requiredOption("--queries <file>", "known-item query set, e.g. ../shared/eval/dev-known-item.jsonl")
    .option("--json <file>", "also write the figures, checks and targets as JSON")
    .option("--limit <n>", "use only the first n corpus records", positiveInteger)
    .option("--index <dir>", "reuse the index in <dir> (see below)")
    .option("--build", "with --index: rebuild it there and measure the builds too", false)
    .option("--only <steps>", `run only these steps (comma-separated: ${STEPS.join(", ")})`, stepList)
    .option("--duration <s>", "seconds of HTTP load per server", positiveInteger, 10)
    .option("--rounds <n>", `timed passes over the queries (after ${WARM_PASSES} untimed ones)`, positiveInteger, 5)
    .option("--starts <n>", "server starts (each after a floor run); medians are reported", positiveInteger, 3)
    .addOption(new Option("--backend <name>", "postgres: the PostgreSQL backend beside the embedded engine instead (load, disk, search in-process and over HTTP)").choices(["embedded", "postgres"]).default("embedded"))
    .option("--shards <n>", "with --backend postgres: also load the corpus into n date-range shards behind a PL/Proxy proxy (2, 4, 8…; a cluster each, on this machine) and search through it", shardCount)
    .addHelpText("after", HELP)
    .showHelpAfterError()
    .parse();
  const options = command.opts<Options>();
  for (const file of [options.corpus, options.queries]) if (!existsSync(file)) command.error(`error: no such file: ${file}`);
  // Before the run, not after minutes of it: the folder of --json (bench/results/ is not in a clone).
  if (options.json) {
    const folder = path.dirname(path.resolve(options.json));
    await mkdir(folder, { recursive: true }).catch((error: Error) => command.error(`error: cannot create ${folder} for --json: ${error.message}`));
  }
  if (options.shards !== undefined && options.backend !== "postgres") command.error("error: --shards only applies with --backend postgres");
  if (options.build && !options.index) command.error("error: --build only applies with --index (without --index every run builds)");
  if (options.only && !options.only.includes("build") && !options.index) command.error("error: --only without build needs --index <dir> holding an index of this corpus");
  if (options.only?.includes("build") && options.index && !options.build) command.error("error: --only build with --index needs --build too (it rebuilds the index there)");

  const env = environment();
  const work = await mkdtemp(path.join(os.tmpdir(), "zh-news-bench-"));
  const run = new StepRunner(options.only ?? STEPS);
  try {
    if (options.backend === "postgres") {
      await runPostgres(options, work);
      return;
    }
    const { figures, checks, slowest } = await runScenarios(options, work, run);
    const targets = judge(figures);
    const load = os.loadavg()[0]!.toFixed(1);
    const queryCount = readQueries(options.queries).length;
    console.log(`\n${figures.articles} articles, ${queryCount} queries, ${os.cpus().length} cpus (load average ${load} now), node ${process.version}\n`);
    console.log(formatTable(figures, targets));
    const { http_cache_hit_rate: hitRate, http_uncached_rps: uncachedRps, http_uncached_ratio: uncachedRatio, http_uncached_p99_ms: uncachedP99 } = figures;
    if (hitRate !== null) console.log(`\nGET /api/search answers ${(hitRate * 100).toFixed(1)}% from its result cache here (${queryCount} distinct queries in turn)`);
    if (uncachedRps !== null) {
      console.log(`with the cache off: ${Math.round(uncachedRps)} req/s, ratio ${uncachedRatio === null ? "— (no hello floor)" : uncachedRatio.toFixed(2)}, p99 ${uncachedP99!.toFixed(0)} ms`);
    }
    const { http_uncached_workers: workers, http_uncached_workers_rps: workersRps, http_uncached_workers_ratio: workersRatio, http_uncached_workers_p99_ms: workersP99 } = figures;
    if (workersRps !== null) {
      console.log(`with the cache off, --workers ${workers}: ${Math.round(workersRps)} req/s, ratio ${workersRatio === null ? "— (no hello floor)" : workersRatio.toFixed(2)}, p99 ${workersP99!.toFixed(0)} ms`);
    }
    if (figures.overload_cheap_p99_ms !== null) {
      console.log(
        `\noverload: while ${WORST_CLIENTS} clients sent the worst queries (${figures.overload_worst_ok} answered, ${figures.overload_worst_503} stopped or refused with 503),` +
          ` 北京 took p50 ${figures.overload_cheap_p50_ms!.toFixed(0)} ms, p99 ${figures.overload_cheap_p99_ms.toFixed(0)} ms (${figures.overload_cheap_requests} answers);` +
          ` the server was idle ${figures.overload_idle_s!.toFixed(2)} s after they stopped`,
      );
    }
    if (slowest.length > 0) console.log(`\nslowest queries (median): ${slowest.map((query) => `${query.qid} ${query.median_ms.toFixed(2)} ms`).join(", ")}`);
    console.log(`\n${run.timings()}`);
    if (run.failures.length > 0) {
      console.log(`\n${run.failures.length} step${run.failures.length === 1 ? "" : "s"} failed (the figures above are those of the others):\n${run.failures.map(({ step, message }) => `  ${step}: ${message}`).join("\n")}`);
      console.log(`rerun ${run.failures.length === 1 ? "it" : "them"} alone with --index <dir> --only ${run.failures.map(({ step }) => step).join(",")}`);
      process.exitCode = 1;
    }
    if (options.json) {
      const report = {
        ...env,
        options: { ...options, connections: CONNECTIONS },
        ...rounded(figures),
        slowest_queries: slowest,
        checks,
        targets,
        steps: run.records,
        total_s: run.totalSeconds(),
        loadavg_at_end: os.loadavg().map((value) => Math.round(value * 100) / 100),
      };
      await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${options.json}`);
    }
  } finally {
    await stopChildren();
    await rm(work, { recursive: true, force: true });
  }
}

interface StepRecord {
  step: Step;
  /** null when not run. */
  seconds: number | null;
  outcome: "done" | "failed" | "not run";
  message?: string;
}

/**
 * Runs the chosen steps in order with a line of progress each (its number, the time into the run,
 * the load average) and its time when done; a step that throws is recorded as failed and the run
 * goes on. A step that waits on servers is given a deadline: past it the step fails (and the
 * servers are stopped) instead of the run hanging.
 */
class StepRunner {
  readonly records: StepRecord[] = [];
  private readonly started = performance.now();

  constructor(private readonly chosen: readonly Step[]) {}

  get failures(): Array<{ step: Step; message: string }> {
    return this.records.filter((record) => record.outcome === "failed").map(({ step, message }) => ({ step, message: message ?? "" }));
  }

  wants(step: Step): boolean {
    return this.chosen.includes(step);
  }

  /** The step's result, or undefined when it is not chosen, cannot run (`missing` says what it lacks) or failed. */
  async run<T>(step: Step, what: string, work: () => Promise<T> | T, options: { missing?: string; deadlineS?: number } = {}): Promise<T | undefined> {
    if (!this.wants(step)) return undefined;
    if (options.missing) {
      console.log(`· ${step}: not run (${options.missing})`);
      this.records.push({ step, seconds: null, outcome: "not run", message: options.missing });
      return undefined;
    }
    const number = this.chosen.filter((name) => STEPS.indexOf(name) <= STEPS.indexOf(step)).length;
    console.log(`· [${number}/${this.chosen.length}] ${step}: ${what} (at ${clock(this.totalSeconds())}, load ${os.loadavg()[0]!.toFixed(1)})`);
    const began = performance.now();
    try {
      const result = await (options.deadlineS === undefined ? work() : withDeadline(Promise.resolve().then(work), options.deadlineS));
      const seconds = (performance.now() - began) / 1000;
      console.log(`  ${step} done in ${clock(seconds)}`);
      this.records.push({ step, seconds, outcome: "done" });
      return result;
    } catch (error) {
      const seconds = (performance.now() - began) / 1000;
      const message = error instanceof CheckFailed || error instanceof UsageError || error instanceof StepTimeout ? error.message : describe(error).replace(/^error: /, "");
      console.log(`  ✗ ${step} failed after ${clock(seconds)}: ${message}`);
      this.records.push({ step, seconds, outcome: "failed", message });
      await stopChildren();
      return undefined;
    }
  }

  totalSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  timings(): string {
    const steps = this.records.map(({ step, seconds, outcome }) => `${step} ${seconds === null ? "—" : clock(seconds)}${outcome === "done" ? "" : ` (${outcome})`}`);
    return `time: ${clock(this.totalSeconds())} in all; ${steps.join(", ")}`;
  }
}

class StepTimeout extends Error {}

/** `1m05s`, `12.3 s`. */
function clock(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds - minutes * 60)).padStart(2, "0")}s`;
}

async function withDeadline<T>(work: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`did not finish within ${clock(seconds)} (its limit on this run; --duration and the load average set it)`)), seconds * 1000);
  });
  // Work abandoned at its deadline fails later, when the caller stops its servers: that is expected.
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Worker processes of the second cache-off run: one per core, and at least two (so that it measures --workers at all). */
const uncachedWorkers = (): number => Math.max(2, os.availableParallelism());

/** How long a step that loads servers may take: its seconds of load, a minute per server start and one to spare, stretched by loadStretch(). */
function deadlineS(loadSeconds: number, starts: number): number {
  return Math.round((loadSeconds * 2 + starts * 60 + 60) * loadStretch());
}

async function runPostgres(options: Options, work: string): Promise<void> {
  const checks = new Checks();
  console.log(`· reading ${options.corpus}${options.limit ? ` (first ${options.limit} records)` : ""}`);
  const corpus = await readCorpus(options.corpus, options.limit);
  const seedsDir = path.join(work, "seeds");
  await writeSeeds(seedsDir, options.corpus, corpus, options.limit);
  const figures = await measurePostgres(seedsDir, path.join(work, "index"), corpus, readQueries(options.queries), options, checks);
  console.log(`\n${corpus.records.length} articles\n${formatPostgres(figures)}`);
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify({ ...environment(), options, ...figures, checks: checks.passed }, null, 2)}\n`);
    console.log(`\nwrote ${options.json}`);
  }
}

async function runScenarios(options: Options, work: string, run: StepRunner): Promise<{ figures: Figures; checks: string[]; slowest: SlowQuery[] }> {
  const checks = new Checks();
  const seedsDir = path.join(work, "seeds");
  const indexDir = options.index ? path.resolve(options.index) : path.join(work, "index");
  const queries = readQueries(options.queries);
  console.log(`· reading ${options.corpus}${options.limit ? ` (first ${options.limit} records)` : ""}`);
  const corpus = await readCorpus(options.corpus, options.limit);
  await writeSeeds(seedsDir, options.corpus, corpus, options.limit);

  const figures = emptyFigures(corpus);
  let indexReady: string | undefined;
  if (!options.index || options.build) {
    const relevant = new Set(queries.flatMap((query) => query.relevant));
    const builds = await run.run("build", `jieba floor, full build, jieba floor again, incremental build into ${indexDir}`, () =>
      measureBuilds(seedsDir, indexDir, corpus, extraRecords(corpus, EXTRA_ARTICLES, relevant), checks),
    );
    if (builds) {
      Object.assign(figures, builds, { build_ratio: builds.build_s / builds.floor_s, incremental_ratio: builds.incremental_s / builds.build_s });
    } else indexReady = run.wants("build") ? "the build failed" : "no index (--only without build)";
  } else {
    await checkReusable(indexDir, seedsDir, corpus, checks);
  }
  if (indexReady === undefined) {
    figures.index_bytes = await currentGenerationBytes(indexDir);
    figures.disk_ratio = figures.index_bytes / corpus.rawBytes;
  }

  let slowest: SlowQuery[] = [];
  const needsSnapshot = run.wants("queries") || run.wants("workbench") || run.wants("export");
  const snapshot = indexReady === undefined && needsSnapshot ? await openIndex(indexDir) : undefined;
  if (snapshot) checks.expect(snapshot.size === corpus.records.length, `opened index: ${snapshot.size} articles, expected ${corpus.records.length} (the corpus records)`);
  const query = await run.run("queries", `${WARM_PASSES} untimed + ${options.rounds} timed passes`, () => measureQueries(snapshot!, queries, options.rounds, checks), { missing: indexReady });
  if (query) {
    Object.assign(figures, query.figures);
    slowest = query.slowest;
  }
  await run.run(
    "workbench",
    `facets of every query, the timeline of ${TIMELINE_QUERY}`,
    () => {
      const facets = measureFacets(snapshot!, queries, checks);
      const line = measureTimeline(snapshot!, checks);
      Object.assign(figures, { facets_p50_ms: facets.p50, facets_p99_ms: facets.p99, timeline_ms: line.ms, timeline_articles: line.articles });
    },
    { missing: indexReady },
  );

  // The server of the start step serves the export and the cached HTTP load; without that step, one is started unmeasured.
  let server: ListeningChild | undefined;
  const probe = probeOf(queries, corpus);
  await run.run(
    "start",
    `${options.starts} times, each after the floor`,
    async () => {
      const started = await measureStarts(seedsDir, indexDir, figures.index_bytes!, probe, options.starts, checks);
      server = started.server;
      Object.assign(figures, started.figures, { load_ratio: started.figures.load_ms / started.figures.load_floor_ms });
    },
    { missing: indexReady, deadlineS: deadlineS(0, options.starts * 2) },
  );
  const serverFor = async (): Promise<ListeningChild> => {
    // A failed step stops every server, this one too.
    if (server?.child.exitCode !== null || server.child.signalCode !== null) server = await spawnListening("dist/src/cli/serve.js", ["--seeds", seedsDir, "--index", indexDir, "--port", "0"]);
    await server.warm;
    return server;
  };
  await run.run(
    "export",
    `every occurrence of ${EXPORT_QUERY} as CSV from the server`,
    async () => {
      const exported = await measureExport(snapshot!, await serverFor(), checks);
      Object.assign(figures, { export_s: exported.s, export_rows: exported.rows, export_rss_growth_mb: exported.rssGrowthMb });
    },
    { missing: indexReady, deadlineS: deadlineS(60, 1) },
  );
  const paths = queries.map((item) => `/api/search?q=${encodeURIComponent(queryText(item))}`);
  await run.run(
    "http",
    `${CONNECTIONS} connections for ${options.duration} s`,
    async () => {
      const url = (await serverFor()).url;
      const http = await measureHttp("GET /api/search", url, paths, options.duration, checks);
      Object.assign(figures, { http_rps: http.rps, http_p99_ms: http.p99_ms, http_requests: http.requests, http_cache_hit_rate: await cacheHitRate(url) });
    },
    { missing: indexReady, deadlineS: deadlineS(options.duration, 1) },
  );
  await server?.stop();
  await run.run(
    "http-uncached",
    `${CONNECTIONS} connections for ${options.duration} s, result cache off: one process, then --workers ${uncachedWorkers()}`,
    async () => {
      const uncached = await measureUncachedHttp(seedsDir, indexDir, paths, options.duration, checks);
      Object.assign(figures, { http_uncached_rps: uncached.rps, http_uncached_p99_ms: uncached.p99_ms });
      const workers = uncachedWorkers();
      const spread = await measureUncachedHttp(seedsDir, indexDir, paths, options.duration, checks, workers);
      Object.assign(figures, { http_uncached_workers: workers, http_uncached_workers_rps: spread.rps, http_uncached_workers_p99_ms: spread.p99_ms });
    },
    { missing: indexReady, deadlineS: deadlineS(options.duration * 2, 2) },
  );
  await run.run(
    "hello",
    `Express hello-world, ${CONNECTIONS} connections for ${options.duration} s`,
    async () => {
      const hello = await measureHelloFloor(paths, options.duration, checks);
      Object.assign(figures, { hello_rps: hello.rps, hello_p99_ms: hello.p99_ms });
    },
    { deadlineS: deadlineS(options.duration, 1) },
  );
  if (figures.hello_rps !== null) {
    if (figures.http_rps !== null) figures.http_ratio = figures.http_rps / figures.hello_rps;
    if (figures.http_uncached_rps !== null) figures.http_uncached_ratio = figures.http_uncached_rps / figures.hello_rps;
    if (figures.http_uncached_workers_rps !== null) figures.http_uncached_workers_ratio = figures.http_uncached_workers_rps / figures.hello_rps;
  }
  await run.run(
    "overload",
    `${WORST_CLIENTS} clients sending the worst queries, one sending 北京, result cache off`,
    async () => Object.assign(figures, await measureOverload(seedsDir, indexDir, options.duration, checks)),
    { missing: indexReady, deadlineS: deadlineS(options.duration * 2, 1) },
  );
  return { figures, checks: checks.passed, slowest };
}

/** Every figure not measured (yet): the table shows what a run measured, whatever failed. */
function emptyFigures(corpus: Corpus): Figures {
  const figures = Object.fromEntries(FIGURE_KEYS.map((key) => [key, null])) as Figures;
  return { ...figures, articles: corpus.records.length, raw_bytes: corpus.rawBytes };
}

/** The first title query whose story is in the corpus slice: the server's first answer must find it. */
function probeOf(queries: readonly EvalQuery[], corpus: Corpus): Probe {
  const probe = queries.find((query) => query.type === "title" && corpus.ids.has(query.relevant[0] ?? ""));
  if (!probe) throw new UsageError("no title query's target is among the corpus records used: raise --limit");
  return { query: probe.query, target: probe.relevant[0]! };
}

/** A reused index must be of exactly these seeds, or the server would rebuild it and the load figure would time a build. */
async function checkReusable(indexDir: string, seedsDir: string, corpus: Corpus, checks: Checks): Promise<void> {
  const manifest = await currentManifest(indexDir).catch((error: Error) => {
    throw new UsageError(`--index ${indexDir}: no usable index there (${error.message}); add --build to build one`);
  });
  const want = (await listSeedFiles([seedsDir])).files.map((seed) => `${seed.file} ${seed.sha256}`).join();
  const have = manifest.seeds.map((seed) => `${seed.file} ${seed.sha256}`).join();
  if (want !== have) {
    throw new UsageError(`--index ${indexDir} was built from other seeds (${manifest.seeds.map((seed) => seed.file).join(", ")}): add --build to rebuild it from this corpus${corpus.lines ? " and --limit" : ""}`);
  }
  checks.expect(manifest.counts.articles === corpus.records.length, `reused index: ${manifest.counts.articles} articles, expected ${corpus.records.length} (the corpus records)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof CheckFailed || error instanceof UsageError ? error.message : describe(error));
  process.exitCode = 1;
});
