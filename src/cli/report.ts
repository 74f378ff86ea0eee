// What the command-line tools print: build progress, the build summary, and errors with their hints.
import { Presets, SingleBar } from "cli-progress";
import { ioReason, SearchError, type SkippedSeedError } from "../errors.js";
import { buildIndex, type BuildProgress, type BuildSummary } from "../index/index-writer.js";
import { setUpProxy } from "../index/postgres-proxy.js";
import { loadPostgres, type LoadSummary } from "../index/postgres-writer.js";
import type { ShardMap } from "../index/shard-map.js";
import { SeedWatcher } from "../index/seed-watcher.js";
import type { CommonOptions } from "./options.js";

/** A progress bar on a terminal; a line every few seconds otherwise (CI logs). */
function progressReporter(stream: NodeJS.WriteStream = process.stdout): { update: (event: BuildProgress) => void; stop: () => void } {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: "{phase} [{bar}] {value}/{total} articles | {rate}/s | ETA {eta_formatted}", stream, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    const startedAt = performance.now();
    return {
      update(event) {
        if (event.phase !== "analyze") return;
        if (!started) bar.start(event.total, 0, { phase: event.phase, rate: 0 });
        started = true;
        bar.update(event.done, { phase: event.phase, rate: Math.round(event.done / ((performance.now() - startedAt) / 1000)) });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  const startedAt = performance.now();
  return {
    update(event) {
      const now = performance.now();
      if (now - last < 3000 && event.done !== event.total) return;
      last = now;
      const rate = Math.round(event.done / Math.max(0.001, (now - startedAt) / 1000));
      stream.write(`${event.phase}: ${event.done}/${event.total} (${rate}/s)\n`);
    },
    stop: () => {},
  };
}

type FileSummary = Pick<BuildSummary, "added" | "changed" | "removed" | "skipped" | "problems">;

/**
 * The seed files by what the build did with them. A skipped file is neither added nor changed, even
 * where a writer lists it so (the PostgreSQL loader does); one an earlier generation had articles
 * of is `kept` (it keeps them), the others are `skipped`.
 */
function fileOutcomes(summary: FileSummary): { added: string[]; changed: string[]; removed: string[]; kept: SkippedSeedError[]; skipped: SkippedSeedError[] } {
  const left = new Set(summary.skipped.map((error) => error.file));
  return {
    added: summary.added.filter((file) => !left.has(file)),
    changed: summary.changed.filter((file) => !left.has(file)),
    removed: summary.removed,
    kept: summary.skipped.filter((error) => error.kept),
    skipped: summary.skipped.filter((error) => !error.kept),
  };
}

/** How many files were added, changed, removed, kept and skipped. */
function countLine(summary: FileSummary): string {
  const files = fileOutcomes(summary);
  return `added ${files.added.length}, changed ${files.changed.length}, removed ${files.removed.length}, kept ${files.kept.length}, skipped ${files.skipped.length} files`;
}

/** The files of each outcome, listed (the operator asked for the list; long lists are cut), and how many lines had problems. */
function changeLines(summary: FileSummary): string[] {
  const files = fileOutcomes(summary);
  const list = (names: readonly string[]): string => `${names.slice(0, 10).join(", ")}${names.length > 10 ? `, … and ${names.length - 10} more` : ""}`;
  const lines: string[] = [];
  for (const [label, names] of [["added", files.added], ["changed", files.changed], ["removed", files.removed]] as const) {
    if (names.length > 0) lines.push(`  ${label}: ${list(names)}`);
  }
  if (files.kept.length > 0) {
    const kept = files.kept.map((error) => `${error.file} (${error.kept!.articles} articles of generation ${error.kept!.generation})`);
    lines.push(`  kept, unreadable now: ${list(kept)} (why on stderr)`);
  }
  if (files.skipped.length > 0) lines.push(`  skipped: ${list(files.skipped.map((error) => error.file))} (why on stderr)`);
  if (summary.problems.length > 0) lines.push(`  ${summary.problems.length} problem${summary.problems.length === 1 ? "" : "s"} in lines of the seeds (listed on stderr)`);
  return lines;
}

export function formatSummary(summary: BuildSummary): string {
  const mb = (summary.bytes / 1024 / 1024).toFixed(1);
  const lines = [
    summary.upToDate
      ? `index is up to date (generation ${summary.generation})`
      : `generation ${summary.generation} committed`,
    `  files ${summary.files}, articles ${summary.articles}, distinct terms ${summary.distinctTerms}, ${summary.seconds.toFixed(1)} s, ${mb} MiB on disk`,
    `  ${countLine(summary)}; analyzed ${summary.articlesAnalyzed} articles, dropped ${summary.articlesRemoved}${summary.segmentsMerged > 0 ? `; merged ${summary.segmentsMerged} small segments` : ""}`,
  ];
  lines.push(...changeLines(summary));
  return lines.join("\n");
}

/** Skipped files and lines, and old files left behind, for stderr: each says where, why and what to do. */
function formatWarnings(summary: Pick<BuildSummary, "skipped" | "problems"> & Partial<Pick<BuildSummary, "leftovers">>): string {
  const lines: string[] = [];
  const leftovers = summary.leftovers ?? [];
  if (leftovers.length > 0) {
    lines.push(`warning: ${leftovers.length} file${leftovers.length === 1 ? "" : "s"} of replaced generations could not be deleted (the new generation is committed; the next build tries again, or delete them once the cause is fixed):`);
    for (const leftover of leftovers.slice(0, 20)) lines.push(`  ${leftover}`);
    if (leftovers.length > 20) lines.push(`  … and ${leftovers.length - 20} more`);
  }
  if (summary.skipped.length > 0) {
    lines.push(`skipped ${summary.skipped.length} seed file${summary.skipped.length === 1 ? "" : "s"} (the rest is indexed; a file indexed before keeps its articles until it is readable again or gone):`);
  }
  for (const skipped of summary.skipped.slice(0, 50)) lines.push(`  ${skipped.message}`);
  if (summary.skipped.length > 50) lines.push(`  … and ${summary.skipped.length - 50} more files`);
  for (const problem of summary.problems.slice(0, 20)) lines.push(`warning: ${problem.message}`);
  if (summary.problems.length > 20) lines.push(`warning: … and ${summary.problems.length - 20} more problems`);
  return lines.join("\n");
}

/**
 * An error as a sentence and its hint. A program error (not one of ours) shows its stack only with
 * --debug: an operator needs what failed, a developer where.
 */
export function describe(error: unknown, debug = false): string {
  if (error instanceof SearchError) return `error: ${error.message}${error.hint ? `\n  ${error.hint}` : ""}${debug && error.stack ? `\n${error.stack}` : ""}`;
  if (debug) return `error: ${(error as Error).stack ?? String(error)}`;
  const { what, hint } = ioReason(error);
  return `error: ${what}\n  ${hint ?? "run again with --debug to see where it happened"}`;
}

/** Runs a build or load with progress on stdout, then prints its summary (and warnings on stderr). */
async function runAndReport<S extends Pick<BuildSummary, "skipped" | "problems">>(run: (progress: (event: BuildProgress) => void) => Promise<S>, format: (summary: S) => string): Promise<S> {
  const progress = progressReporter();
  try {
    const summary = await run(progress.update);
    progress.stop();
    console.log(format(summary));
    const warnings = formatWarnings(summary);
    if (warnings) console.error(warnings);
    return summary;
  } catch (error) {
    progress.stop();
    throw error;
  }
}

/** Builds (incrementally unless `full`) with progress on stdout, then prints the summary (and warnings on stderr). */
export function buildAndReport(options: CommonOptions, full = options.full): Promise<BuildSummary> {
  return runAndReport(
    (progress) => buildIndex({ seeds: options.seeds, indexDir: options.index, full, strict: options.strict, allowShrink: options.allowShrink, progress }),
    formatSummary,
  );
}

/**
 * `--backend postgres`: loads the seeds into the database or the shards (only new and changed files
 * unless `full`), reported as a build is; then sets up the shards' proxy.
 */
/** One database, or the shards of a shard map and the proxy the app servers query. */
type LoadTarget = { databaseUrl: string } | { shards: ShardMap; proxyUrl: string };

export function loadAndReport(options: CommonOptions, target: LoadTarget): Promise<LoadSummary> {
  return runAndReport(
    async (progress) => {
      const summary = await loadPostgres({ seeds: options.seeds, ...target, full: options.full, strict: options.strict, progress });
      if ("proxyUrl" in target) await setUpProxy(target.proxyUrl, target.shards);
      return summary;
    },
    formatLoadSummary,
  );
}

export function formatLoadSummary(summary: LoadSummary): string {
  const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const sharded = summary.shards.length > 0;
  return [
    summary.upToDate ? `${sharded ? "shards are" : "database is"} up to date` : `${sharded ? "shards" : "database"} loaded`,
    `  files ${summary.files}, articles ${summary.articles}, distinct terms ${summary.distinctTerms}, ${summary.seconds.toFixed(1)} s, ${mib(summary.bytes)} in the database${sharded ? "s" : ""}`,
    ...summary.shards.map((shard) => `  shard ${shard.name} (${shard.dates}): ${shard.articles} articles, ${mib(shard.bytes)}`),
    `  ${countLine(summary)}; loaded ${summary.articlesLoaded} articles`,
    ...changeLines(summary),
  ].join("\n");
}

/**
 * `--watch`: incremental rebuilds (`rebuild`: the embedded build by default, or a database load) as
 * seed files change, each reported like the first; failures are printed and retried.
 */
export function watchSeeds(options: CommonOptions, rebuild: () => Promise<unknown> = () => buildAndReport(options, false)): Promise<SeedWatcher> {
  return SeedWatcher.start({ roots: options.seeds, rebuild: () => rebuild().then(() => {}), onError: (error) => console.error(describe(error, options.debug)) });
}
