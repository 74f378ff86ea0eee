// `npm start`: makes sure index/ matches the seeds (building what is missing or stale), then serves
// the search page and API, picking up generations committed by other builds without a restart.
import { InvalidArgumentError, Option } from "commander";
import type { Server } from "node:http";
import os from "node:os";
import { IndexUnusableError, ioError, SearchError } from "../errors.js";
import { LiveIndex } from "../index/live-index.js";
import { segmenterReady, useUserDictionary } from "../analysis/jieba.js";
import { findBesideSeeds, SYNONYM_FILE, userDictionaryOf } from "../analysis/user-dictionary.js";
import type { ReaderSource } from "../search/backend.js";
import { embeddedSource } from "../search/embedded-backend.js";
import { PostgresSource } from "../search/postgres-backend.js";
import { useSynonyms } from "../search/synonyms.js";
import { warmUp } from "../search/warm-up.js";
import { createApp, DEFAULT_RESULT_CACHE_ENTRIES } from "../web/app.js";
import { createHttpServer } from "../web/http-server.js";
import { DEFAULT_SCHEDULER } from "../web/query-scheduler.js";
import { buildAndReport, describe, watchSeeds } from "./report.js";
import { isWorker, reportToPrimary, superviseWorkers } from "./serve-workers.js";
import { addBackendOptions, commonCommand, resolveBackend, resolveCommon, type BackendOptions, type CommonOptions } from "./options.js";

const RELOAD_POLL_MS = 2000;

function parseCacheEntries(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("give a whole number of answers (0 turns the cache off).");
  return Number(value);
}

function parseBudget(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("give a whole number of milliseconds, at least 1.");
  return Number(value);
}

function parseQueueLength(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("give a whole number of queries (0 refuses every search that needs more than one slice).");
  return Number(value);
}

/** Worker processes: a number, or `auto` for one per core the machine offers. */
function parseWorkers(value: string): number {
  if (value === "auto") return os.availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("give a whole number of processes, at least 1, or auto (one per core).");
  return Number(value);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError("give a whole number from 0 to 65535 (0 picks a free port).");
  return port;
}

/**
 * Brings the index up to date with the seeds; an index that cannot be read is rebuilt rather than
 * served. Serving never needs the build lock: when the build cannot run (another build holds the
 * lock, a read-only directory, a full disk, a refused shrink), a valid index already there is served
 * as it is, and followed when another process commits a new generation.
 */
async function prepareIndex(options: CommonOptions): Promise<LiveIndex> {
  try {
    // Fix: the incremental build is inside the try as well: it reads the segments it keeps, and a
    // damaged one (IndexUnusableError naming the file) used to stop the server instead of a rebuild.
    await buildAndReport(options);
    return await LiveIndex.open(options.index, { verifyChecksums: true });
  } catch (error) {
    if (error instanceof IndexUnusableError) {
      console.error(`${describe(error, options.debug)}\nrebuilding the index from the seeds`);
      await buildAndReport(options, true);
      return LiveIndex.open(options.index, { verifyChecksums: true });
    }
    const existing = await LiveIndex.open(options.index, { verifyChecksums: true }).catch(() => undefined);
    if (!existing) throw error;
    console.error(`${describe(error, options.debug)}\nserving the index already there (generation ${existing.current().manifest.generation}) without updating it`);
    return existing;
  }
}

/** What the server reads, and how to let go of it at the end. */
interface Serving {
  source: ReaderSource;
  describe(): Promise<string>;
  /** Builds what requests would otherwise build on first use (search/warm-up.ts), once listening. */
  warmUp?(): Promise<void>;
  /** Stops rebuilding on seed changes (--watch), first thing at shutdown. */
  stopWatching?(): void;
  close(): Promise<void>;
}

/** Brings the index up to date (and starts --watch): the index, opened, and how to stop watching. */
async function prepareAndWatch(options: CommonOptions): Promise<{ live: LiveIndex; stopWatching: () => void }> {
  const watcher = options.watch ? await watchSeeds(options) : undefined;
  const live = watcher ? await watcher.buildFirst(() => prepareIndex(options)) : await prepareIndex(options);
  return { live, stopWatching: () => watcher?.close() };
}

/**
 * The embedded index, brought up to date and followed as other builds commit generations. A worker
 * of --workers only opens it: its primary builds and watches.
 */
async function serveEmbedded(options: CommonOptions, segmenter: Promise<void>): Promise<Serving> {
  const { live, stopWatching } = isWorker()
    ? { live: await LiveIndex.open(options.index, { verifyChecksums: true }), stopWatching: () => {} }
    : await prepareAndWatch(options);
  await segmenter;
  live.watch(RELOAD_POLL_MS, ({ generation, error }) => {
    // Each worker of --workers follows on its own: its lines say which one it is.
    const who = isWorker() ? `worker ${process.pid} ` : "";
    if (error) console.error(`${who}kept serving the previous index: ${describe(error, options.debug)}`);
    else if (generation !== undefined) console.log(`${who}now serving generation ${generation}`);
  });
  return {
    source: embeddedSource(live),
    describe: async () => `${live.current().size} articles, generation ${live.current().manifest.generation}`,
    warmUp: () => live.prepareWith(warmUp),
    stopWatching,
    close: async () => live.close(),
  };
}

/** --watch builds, and app servers over PostgreSQL never do (so neither does the primary of their --workers). */
function refuseWatchOverPostgres(options: CommonOptions): void {
  if (options.watch) {
    throw new SearchError(
      "--watch is not for `npm start -- --backend postgres`: app servers only read, the loader writes",
      "leave --watch out here, and keep the database up to date with `npm run index -- --backend postgres --database-url … --watch` (or --shard-map … --proxy-url … --watch); every server sees each load within seconds",
    );
  }
}

/** A PostgreSQL database loaded by `npm run index -- --backend postgres` (and its standbys): nothing is built here. */
async function servePostgres(options: CommonOptions, backend: BackendOptions, segmenter: Promise<void>): Promise<Serving> {
  refuseWatchOverPostgres(options);
  await segmenter; // the database's identity names the analyzer, user dictionary included
  const source = await PostgresSource.open({ databaseUrl: backend.databaseUrl!, readUrls: backend.readUrls, size: backend.poolSize, pollMs: RELOAD_POLL_MS });
  return {
    source,
    describe: async () => {
      const { primary, standbys } = source.pools.describe();
      const status = await source.current().status().catch(() => undefined);
      const shards = status?.databases?.shards;
      const articles = status ? `${status.articles} articles` : "database not reachable yet";
      const where = shards ? ` in ${shards.length} shards (${shards.map(({ name, dates }) => `${name} ${dates}`).join(", ")}) through the proxy` : " in PostgreSQL";
      return `${articles}${where} ${primary}${standbys.length > 0 ? `, reads from ${standbys.map(({ url }) => url).join(", ")}` : ""}`;
    },
    close: () => source.close(),
  };
}

async function main(): Promise<void> {
  const command = commonCommand("start", "Serve the search page and JSON API (builds the index first if it is missing or stale).")
    .addOption(new Option("--port <n>", "port to listen on").env("PORT").default(3000).argParser(parsePort))
    .addOption(
      new Option("--result-cache <n>", "answers to repeated queries kept per kind (search, occurrences) for each index generation; 0 = off")
        .default(DEFAULT_RESULT_CACHE_ENTRIES)
        .argParser(parseCacheEntries),
    )
    .addOption(
      new Option("--query-budget <ms>", "time one search may take, waiting included; a longer one is stopped with 503 query_too_expensive")
        .default(DEFAULT_SCHEDULER.budgetMs)
        .argParser(parseBudget),
    )
    .addOption(
      new Option("--expensive-queries <n>", "searches longer than a slice that may take turns at once; one more gets 503 server_busy with Retry-After")
        .default(DEFAULT_SCHEDULER.expensiveQueries)
        .argParser(parseQueueLength),
    )
    .addOption(
      new Option("--workers <n>", "processes answering requests, each with its own copy of the index in memory (auto: one per core)")
        .default(1)
        .argParser(parseWorkers),
    );
  addBackendOptions(command, true);
  command.parse();
  const raw = command.opts<{ port: number; resultCache: number; queryBudget: number; expensiveQueries: number; workers: number }>();
  const options = resolveCommon(command.opts());
  const backend = resolveBackend(command.opts());
  if (raw.workers > 1 && !isWorker()) {
    // The primary answers nothing: it makes the index ready once (and watches), then its workers serve it.
    let stopWatching = (): void => {};
    if (backend.backend === "postgres") refuseWatchOverPostgres(options);
    else {
      // Opening it here reads the index once more than the workers do, but only the builder may
      // rebuild a damaged index (prepareIndex), and a worker that found one would stop them all.
      const prepared = await prepareAndWatch(options);
      prepared.live.close();
      stopWatching = prepared.stopWatching;
    }
    superviseWorkers(raw.workers, stopWatching);
    return;
  }
  // The operator's words and synonyms beside the seeds, before jieba loads (a build sets the same words).
  await useUserDictionary(userDictionaryOf(options.seeds));
  useSynonyms(findBesideSeeds(options.seeds, SYNONYM_FILE));
  // Jieba's dictionaries load on another thread while the index is checked, read and decoded here.
  const segmenter = segmenterReady();
  const serving = backend.backend === "postgres" ? await servePostgres(options, backend, segmenter) : await serveEmbedded(options, segmenter);
  const app = createApp(serving.source, { resultCacheEntries: raw.resultCache, scheduling: { budgetMs: raw.queryBudget, expensiveQueries: raw.expensiveQueries } });
  const server: Server = createHttpServer(app).listen(raw.port, async () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : raw.port;
    const description = await serving.describe();
    // A worker's primary speaks for all of them (serve-workers.ts).
    if (isWorker()) reportToPrimary({ kind: "listening", port, description });
    else {
      console.log(`zh-news-search: ${description}`);
      console.log(`listening on http://localhost:${port}`);
    }
    if (!serving.warmUp) return;
    const started = performance.now();
    await serving.warmUp();
    const ms = Math.round(performance.now() - started);
    if (isWorker()) reportToPrimary({ kind: "warm", ms });
    else console.log(`warmed up in ${ms} ms`);
  });
  server.on("error", (error) => {
    console.error(describe(ioError(`cannot listen on port ${raw.port}`, error), options.debug));
    process.exit(1);
  });
  const shutdown = (): void => {
    serving.stopWatching?.();
    server.close(() => void serving.close().finally(() => process.exit(0)));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(describe(error, process.argv.includes("--debug")));
  process.exitCode = 1;
});
