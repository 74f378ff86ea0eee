// What a bench run produces: every figure with its floor, the targets of issue 5 with pass/fail,
// the machine and versions it ran on; printed as a table and written as JSON.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BuildFigures } from "./build.js";
import { REPO } from "./child.js";
import type { LoadFigures } from "./load.js";
import type { OverloadFigures } from "./overload.js";
import type { QueryFigures } from "./query.js";
import type { WorkbenchFigures } from "./workbench.js";

type MeasuredFigures = {
  articles: number;
  raw_bytes: number;
  index_bytes: number;
  disk_ratio: number;
  build_ratio: number;
  incremental_ratio: number;
  load_ratio: number;
  http_rps: number;
  http_p99_ms: number;
  http_requests: number;
  hello_rps: number;
  hello_p99_ms: number;
  http_ratio: number;
  /** Share of the cached server's answers (warm-up included) that came from its result cache. */
  http_cache_hit_rate: number;
  /** The same load on a server started with --result-cache 0. */
  http_uncached_rps: number;
  http_uncached_p99_ms: number;
  http_uncached_ratio: number;
  /** The same with --workers (one process per core). */
  http_uncached_workers: number;
  http_uncached_workers_rps: number;
  http_uncached_workers_p99_ms: number;
  http_uncached_workers_ratio: number;
} & BuildFigures &
  LoadFigures &
  QueryFigures &
  WorkbenchFigures &
  OverloadFigures;

/** A run's figures; null where its step was not run or failed (--index without --build, --only, a failed check). */
export type Figures = { [K in keyof MeasuredFigures]: MeasuredFigures[K] | null };

/** Every figure, so that a run starts with all of them null (a figure added to a step's interface must be added here: tsc says so). */
export const FIGURE_KEYS = [
  "articles", "raw_bytes", "index_bytes", "disk_ratio", "build_ratio", "incremental_ratio", "load_ratio",
  "http_rps", "http_p99_ms", "http_requests", "hello_rps", "hello_p99_ms", "http_ratio", "http_cache_hit_rate",
  "http_uncached_rps", "http_uncached_p99_ms", "http_uncached_ratio",
  "http_uncached_workers", "http_uncached_workers_rps", "http_uncached_workers_p99_ms", "http_uncached_workers_ratio",
  "floor_s", "floor_before_s", "floor_after_s", "build_s", "incremental_s",
  "load_ms", "load_floor_ms", "rss_mb",
  "keyword_p50_ms", "keyword_p99_ms", "phrase_p50_ms", "phrase_p99_ms", "keyword_queries", "phrase_queries", "keyword_success10",
  "suggest_p50_ms", "suggest_p99_ms", "suggest_prefixes",
  "facets_p50_ms", "facets_p99_ms", "timeline_ms", "timeline_articles", "export_s", "export_rows", "export_rss_growth_mb",
  "overload_cheap_p50_ms", "overload_cheap_p99_ms", "overload_cheap_requests", "overload_worst_ok", "overload_worst_503", "overload_idle_s",
] as const satisfies ReadonlyArray<keyof Figures>;
type UnlistedFigure = Exclude<keyof Figures, (typeof FIGURE_KEYS)[number]>;
const everyFigureListed: [UnlistedFigure] extends [never] ? true : UnlistedFigure = true;
void everyFigureListed;

type Key = keyof Figures;

interface Target {
  key: Key;
  what: string;
  /** The figure as read in the table (with its unit), and its floor. */
  shown: (f: Figures) => string;
  floor?: (f: Figures) => string;
  /** The ratio column, when the target is on a ratio. */
  ratio?: Key;
  op: "<=" | ">=";
  limit: number;
  unit?: string;
}

const seconds = (value: number | null): string => (value === null ? "—" : `${value.toFixed(value < 10 ? 2 : 1)} s`);
const ms = (value: number | null): string => (value === null ? "—" : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
const mb = (bytes: number | null): string => (bytes === null ? "—" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const mib = (value: number | null): string => (value === null ? "—" : `${value.toFixed(0)} MiB`);
const rps = (value: number | null): string => (value === null ? "—" : `${Math.round(value)} req/s`);

export const TARGETS: readonly Target[] = [
  { key: "build_ratio", what: "full build", shown: (f) => seconds(f.build_s), floor: (f) => `${seconds(f.floor_s)} jieba cut (mean)`, ratio: "build_ratio", op: "<=", limit: 1.5 },
  { key: "incremental_ratio", what: "add 15 articles", shown: (f) => seconds(f.incremental_s), floor: (f) => `${seconds(f.build_s)} full build`, ratio: "incremental_ratio", op: "<=", limit: 0.05 },
  { key: "load_ms", what: "server start", shown: (f) => ms(f.load_ms), op: "<=", limit: 1500, unit: "ms" },
  { key: "load_ratio", what: "server start", shown: (f) => ms(f.load_ms), floor: (f) => `${ms(f.load_floor_ms)} read+jieba`, ratio: "load_ratio", op: "<=", limit: 2 },
  { key: "keyword_p50_ms", what: "keyword query p50", shown: (f) => ms(f.keyword_p50_ms), op: "<=", limit: 1, unit: "ms" },
  { key: "keyword_p99_ms", what: "keyword query p99", shown: (f) => ms(f.keyword_p99_ms), op: "<=", limit: 6, unit: "ms" },
  { key: "phrase_p50_ms", what: "phrase query p50", shown: (f) => ms(f.phrase_p50_ms), op: "<=", limit: 2, unit: "ms" },
  { key: "phrase_p99_ms", what: "phrase query p99", shown: (f) => ms(f.phrase_p99_ms), op: "<=", limit: 10, unit: "ms" },
  { key: "suggest_p99_ms", what: "GET /api/suggest p99 (in-process)", shown: (f) => ms(f.suggest_p99_ms), op: "<=", limit: 5, unit: "ms" },
  { key: "http_ratio", what: "GET /api/search", shown: (f) => rps(f.http_rps), floor: (f) => `${rps(f.hello_rps)} express hello`, ratio: "http_ratio", op: ">=", limit: 0.5 },
  { key: "http_p99_ms", what: "GET /api/search p99", shown: (f) => ms(f.http_p99_ms), floor: (f) => `${ms(f.hello_p99_ms)} express hello`, op: "<=", limit: 50, unit: "ms" },
  { key: "overload_cheap_p99_ms", what: "北京 p99 under 8 worst clients", shown: (f) => ms(f.overload_cheap_p99_ms), op: "<=", limit: 250, unit: "ms" },
  { key: "overload_idle_s", what: "idle after they stop", shown: (f) => seconds(f.overload_idle_s), op: "<=", limit: 2, unit: "s" },
  { key: "rss_mb", what: "server RSS", shown: (f) => mib(f.rss_mb), op: "<=", limit: 600, unit: "MiB" },
  { key: "facets_p99_ms", what: "facets of a query p99", shown: (f) => ms(f.facets_p99_ms), op: "<=", limit: 10, unit: "ms" },
  { key: "timeline_ms", what: "timeline of 中国 by month", shown: (f) => `${ms(f.timeline_ms)} (${f.timeline_articles} articles)`, op: "<=", limit: 50, unit: "ms" },
  { key: "export_s", what: 'CSV of every "中国"', shown: (f) => `${seconds(f.export_s)} (${f.export_rows} rows)`, op: "<=", limit: 5, unit: "s" },
  { key: "export_rss_growth_mb", what: "server RSS growth in that export", shown: (f) => mib(f.export_rss_growth_mb), op: "<=", limit: 50, unit: "MiB" },
  { key: "disk_ratio", what: "index on disk", shown: (f) => mb(f.index_bytes), floor: (f) => `${mb(f.raw_bytes)} raw corpus`, ratio: "disk_ratio", op: "<=", limit: 2 },
];

export interface TargetResult {
  value: number | null;
  target: string;
  /** null when the figure was not measured. */
  pass: boolean | null;
}

/** Figures in the JSON have three decimals (timings below a microsecond are noise). */
const round = (value: number): number => Math.round(value * 1000) / 1000;

export function judge(figures: Figures): Record<string, TargetResult> {
  const results: Record<string, TargetResult> = {};
  for (const { key, op, limit, unit } of TARGETS) {
    const value = figures[key];
    const pass = value === null ? null : op === "<=" ? value <= limit : value >= limit;
    results[key] = { value: value === null ? null : round(value), target: `${op} ${limit}${unit ? ` ${unit}` : ""}`, pass };
  }
  return results;
}

export function formatTable(figures: Figures, targets: Record<string, TargetResult>): string {
  const header = ["figure", "value", "floor (same run)", "ratio", "target", ""];
  const rows = TARGETS.map((target) => {
    const result = targets[target.key]!;
    const ratio = target.ratio ? figures[target.ratio] : null;
    const skipped = result.value === null;
    return [
      `${target.what} (${target.key})`,
      skipped ? "not measured" : target.shown(figures),
      skipped || !target.floor ? "—" : target.floor(figures),
      ratio === null ? "—" : ratio.toFixed(ratio < 0.1 ? 3 : 2),
      result.target.replace("<=", "≤").replace(">=", "≥"),
      result.pass === null ? "–" : result.pass ? "✓" : "✗",
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

/** Read from the installed package.json (some packages, flexsearch among them, do not export it). */
function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(REPO, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export function environment(): Record<string, unknown> {
  const cpus = os.cpus();
  const status = git(["status", "--porcelain"]);
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "HEAD"]),
    // Uncommitted changes mean the commit alone does not say what was measured.
    dirty: status === null ? null : status !== "",
    machine: {
      cpus: cpus.length,
      cpu_model: cpus[0]?.model ?? null,
      memory_mb: Math.round(os.totalmem() / 1024 / 1024),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadavg_at_start: os.loadavg().map((load) => Math.round(load * 100) / 100),
    },
    packages: Object.fromEntries(["nodejieba", "flexsearch", "express", "autocannon"].map((name) => [name, packageVersion(name)])),
  };
}

export function rounded(figures: Figures): Record<string, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, value === null ? null : round(value)]));
}
