// `npm run bench -- --corpus <jsonl[.gz]> --queries <jsonl> [--json <file>]`: the performance
// figures of issue 5, each beside a floor measured in the same run, each checked for correct answers.
import { Command, InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe } from "../src/cli/report.js";
import { openIndex } from "../src/index/index-reader.js";
import { listSeedFiles } from "../src/ingest/read-seeds.js";
import { EXTRA_ARTICLES, measureBuilds, type BuildFigures } from "./build.js";
import { CheckFailed, Checks, UsageError } from "./checks.js";
import { extraRecords, readCorpus, writeSeeds, type Corpus } from "./corpus.js";
import { cacheHitRate, CONNECTIONS, measureHelloFloor, measureHttp, measureUncachedHttp, type HttpRun } from "./http.js";
import { currentGenerationBytes, currentManifest } from "./index-files.js";
import { queryText, readQueries, type EvalQuery } from "./known-item.js";
import { measureStarts, type Probe } from "./load.js";
import { measureOverload, WORST_CLIENTS } from "./overload.js";
import { measureQueries, WARM_PASSES, type SlowQuery } from "./query.js";
import { EXPORT_QUERY, measureExport, measureFacets, measureTimeline, TIMELINE_QUERY } from "./workbench.js";
import { environment, formatTable, judge, rounded, type Figures } from "./report.js";

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
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return number;
}

const HELP = `
Scenarios, in order: jieba floor, full build and jieba floor again (their mean is the floor), incremental build (+${EXTRA_ARTICLES} articles,
then removed again), disk size, in-process queries, server start (alternating with its floor,
--starts times) and RSS, HTTP load against an Express hello-world, overload (${WORST_CLIENTS} clients sending the
worst queries to a server with its cache off while one sends 北京). A wrong answer anywhere (article counts, a title query missing its story,
a phrase count that differs from the query set's relevant list, a non-2xx HTTP answer) stops
the bench with exit code 1. Missed targets are marked ✗ but do not change the exit code.

--index <dir> reuses an index of the same corpus (and --limit) built earlier, e.g. by
  npm run index -- --seeds ../shared/corpus/xwlb.jsonl.gz --index /tmp/xwlb-index
and skips the build figures (reported as "not measured"). With --build as well, the index is
rebuilt in <dir> and every figure is measured; <dir> then holds the full index for later runs.
Without --index, everything happens in a temporary directory that is removed at the end.

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
    .option("--duration <s>", "seconds of HTTP load per server", positiveInteger, 10)
    .option("--rounds <n>", `timed passes over the queries (after ${WARM_PASSES} untimed ones)`, positiveInteger, 5)
    .option("--starts <n>", "server starts (each after a floor run); medians are reported", positiveInteger, 3)
    .addHelpText("after", HELP)
    .showHelpAfterError()
    .parse();
  const options = command.opts<Options>();
  for (const file of [options.corpus, options.queries]) if (!existsSync(file)) command.error(`error: no such file: ${file}`);
  if (options.build && !options.index) command.error("error: --build only applies with --index (without --index every run builds)");

  const env = environment();
  const work = await mkdtemp(path.join(os.tmpdir(), "zh-news-bench-"));
  try {
    const { figures, checks, slowest } = await runScenarios(options, work);
    const targets = judge(figures);
    const load = os.loadavg()[0]!.toFixed(1);
    console.log(`\n${figures.articles} articles, ${figures.keyword_queries + figures.phrase_queries} queries, ${os.cpus().length} cpus (load average ${load} now), node ${process.version}\n`);
    console.log(formatTable(figures, targets));
    console.log(
      `\nGET /api/search answers ${(figures.http_cache_hit_rate * 100).toFixed(1)}% from its result cache here (${figures.keyword_queries + figures.phrase_queries} distinct queries in turn);` +
        ` with the cache off: ${Math.round(figures.http_uncached_rps)} req/s, ratio ${figures.http_uncached_ratio.toFixed(2)}, p99 ${figures.http_uncached_p99_ms.toFixed(0)} ms`,
    );
    console.log(
      `\noverload: while ${WORST_CLIENTS} clients sent the worst queries (${figures.overload_worst_ok} answered, ${figures.overload_worst_503} stopped or refused with 503),` +
        ` 北京 took p50 ${figures.overload_cheap_p50_ms.toFixed(0)} ms, p99 ${figures.overload_cheap_p99_ms.toFixed(0)} ms (${figures.overload_cheap_requests} answers);` +
        ` the server was idle ${figures.overload_idle_s.toFixed(2)} s after they stopped`,
    );
    console.log(`\nslowest queries (median): ${slowest.map((query) => `${query.qid} ${query.median_ms.toFixed(2)} ms`).join(", ")}`);
    if (options.json) {
      const report = { ...env, options: { ...options, connections: CONNECTIONS }, ...rounded(figures), slowest_queries: slowest, checks, targets };
      await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${options.json}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const step = (text: string): void => console.log(`· ${text}`);

async function runScenarios(options: Options, work: string): Promise<{ figures: Figures; checks: string[]; slowest: SlowQuery[] }> {
  const checks = new Checks();
  const seedsDir = path.join(work, "seeds");
  const indexDir = options.index ? path.resolve(options.index) : path.join(work, "index");
  const queries = readQueries(options.queries);
  step(`reading ${options.corpus}${options.limit ? ` (first ${options.limit} records)` : ""}`);
  const corpus = await readCorpus(options.corpus, options.limit);
  await writeSeeds(seedsDir, options.corpus, corpus, options.limit);

  let builds: BuildFigures | null = null;
  if (!options.index || options.build) {
    step(`jieba floor, full build, jieba floor again, incremental build into ${indexDir}`);
    const relevant = new Set(queries.flatMap((query) => query.relevant));
    builds = await measureBuilds(seedsDir, indexDir, corpus, extraRecords(corpus, EXTRA_ARTICLES, relevant), checks);
  } else {
    await checkReusable(indexDir, seedsDir, corpus, checks);
  }
  const indexBytes = await currentGenerationBytes(indexDir);

  step(`queries: ${WARM_PASSES} untimed + ${options.rounds} timed passes`);
  const snapshot = await openIndex(indexDir);
  checks.expect(snapshot.size === corpus.records.length, `opened index: ${snapshot.size} articles, expected ${corpus.records.length} (the corpus records)`);
  const { figures: query, slowest } = measureQueries(snapshot, queries, options.rounds, checks);
  step(`workbench: facets of every query, the timeline of ${TIMELINE_QUERY}`);
  const facets = measureFacets(snapshot, queries, checks);
  const line = measureTimeline(snapshot, checks);

  step(`server start: ${options.starts} times, each after the floor`);
  const { server, figures: load } = await measureStarts(seedsDir, indexDir, indexBytes, probeOf(queries, corpus), options.starts, checks);
  step(`workbench: every occurrence of ${EXPORT_QUERY} as CSV from the server`);
  let exported: Awaited<ReturnType<typeof measureExport>>;
  try {
    exported = await measureExport(snapshot, server, checks);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const paths = queries.map((item) => `/api/search?q=${encodeURIComponent(queryText(item))}`);
  step(`HTTP: ${CONNECTIONS} connections, ${options.duration} s per server`);
  let http: HttpRun;
  let hitRate: number;
  try {
    http = await measureHttp("GET /api/search", server.url, paths, options.duration, checks);
    hitRate = await cacheHitRate(server.url);
  } finally {
    await server.stop();
  }
  const uncached = await measureUncachedHttp(seedsDir, indexDir, paths, options.duration, checks);
  const hello = await measureHelloFloor(paths, options.duration, checks);
  step(`overload: ${WORST_CLIENTS} clients sending the worst queries, one sending 北京, result cache off`);
  const overload = await measureOverload(seedsDir, indexDir, options.duration, checks);

  const figures: Figures = {
    articles: corpus.records.length,
    raw_bytes: corpus.rawBytes,
    index_bytes: indexBytes,
    disk_ratio: indexBytes / corpus.rawBytes,
    floor_s: builds?.floor_s ?? null,
    floor_before_s: builds?.floor_before_s ?? null,
    floor_after_s: builds?.floor_after_s ?? null,
    build_s: builds?.build_s ?? null,
    build_ratio: builds ? builds.build_s / builds.floor_s : null,
    incremental_s: builds?.incremental_s ?? null,
    incremental_ratio: builds ? builds.incremental_s / builds.build_s : null,
    load_ms: load.load_ms,
    load_floor_ms: load.load_floor_ms,
    load_ratio: load.load_ms / load.load_floor_ms,
    rss_mb: load.rss_mb,
    ...query,
    http_rps: http.rps,
    http_p99_ms: http.p99_ms,
    http_requests: http.requests,
    hello_rps: hello.rps,
    hello_p99_ms: hello.p99_ms,
    http_ratio: http.rps / hello.rps,
    http_cache_hit_rate: hitRate,
    http_uncached_rps: uncached.rps,
    http_uncached_p99_ms: uncached.p99_ms,
    http_uncached_ratio: uncached.rps / hello.rps,
    facets_p50_ms: facets.p50,
    facets_p99_ms: facets.p99,
    timeline_ms: line.ms,
    timeline_articles: line.articles,
    export_s: exported.s,
    export_rows: exported.rows,
    export_rss_growth_mb: exported.rssGrowthMb,
    ...overload,
  };
  return { figures, checks: checks.passed, slowest };
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
