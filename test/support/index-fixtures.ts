// Helpers for the index lifecycle tests: small seed sets in temporary directories, records from the
// corpus sample in test/fixtures, the build CLI as a child process, and a comparable "signature" of an index
// (article ids and the output of many searches) to prove two indexes answer identically.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { IndexSnapshot } from "../../src/index/index-reader.js";
import { search } from "../../src/search/search.js";
import { SORT_ORDERS, type SortOrder } from "../../src/search/rank.js";
import { REPO } from "./server.js";

/** The first 400 records of the xwlb corpus (gzipped JSONL), so that tests need nothing outside the repository. */
export const CORPUS_SAMPLE = path.join(REPO, "test/fixtures/xwlb-400.jsonl.gz");
/** The dev known-item queries whose targets are in CORPUS_SAMPLE. */
export const CORPUS_SAMPLE_QUERIES = path.join(REPO, "test/fixtures/xwlb-400-queries.jsonl");
export const BUILD_CLI = path.join(REPO, "dist/src/cli/build-index.js");
export const SERVE_CLI = path.join(REPO, "dist/src/cli/serve.js");
export const PAGE_FILES = readdirSync(path.join(REPO, "seeds")).filter((name) => name.endsWith(".txt")).sort();

export interface SeedRecordJson {
  id: string;
  title: string;
  body: string;
  source?: string;
  date?: string;
  authors?: string[];
}

let corpus: SeedRecordJson[] | undefined;

/**
 * Records [from, to) of an endless sequence made of the corpus sample (copies: callers may edit them).
 * Past the sample's end it starts again with new ids (`<id>-r<round>`), so a test can ask for more
 * distinct articles than the sample holds.
 */
export function corpusRecords(from: number, to: number): SeedRecordJson[] {
  const sample = (corpus ??= gunzipSync(readFileSync(CORPUS_SAMPLE))
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SeedRecordJson));
  const records: SeedRecordJson[] = [];
  for (let n = from; n < to; n++) {
    const record = sample[n % sample.length]!;
    const round = Math.floor(n / sample.length);
    records.push(round === 0 ? { ...record } : { ...record, id: `${record.id}-r${round}` });
  }
  return records;
}

export function toJsonl(records: readonly SeedRecordJson[]): string {
  return records.map((record) => JSON.stringify(record)).join("\n") + "\n";
}

export function writeRecords(file: string, records: readonly SeedRecordJson[]): void {
  writeFileSync(file, toJsonl(records));
}

const created: string[] = [];

/** A new temporary directory, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `zh-news-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir() made (call after the processes using them are stopped). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A new temporary seeds directory holding copies of the five bundled pages. */
export function pagesDir(): string {
  const dir = tempDir("seeds");
  for (const name of PAGE_FILES) cpSync(path.join(REPO, "seeds", name), path.join(dir, name));
  return dir;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The pid of a process that has exited (nothing else is likely to get it during a test). */
export function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid;
}

/** A live process that does nothing (kill it when done). */
export function spawnIdle(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
}

/** A child process of the build CLI (stdout and stderr are pipes, so not a TTY). */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `prefix`: a command that runs node (e.g. as another user), see unprivilegedPrefix(). */
  constructor(args: readonly string[], script = BUILD_CLI, prefix: readonly string[] = []) {
    const [command, ...rest] = [...prefix, process.execPath, script, ...args];
    this.child = spawn(command!, rest, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once("close", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves once stdout+stderr match `pattern`; rejects if the process exits first or after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    const what = `${pattern} in the output of ${this.child.spawnargs.join(" ")}`;
    try {
      return await waitUntil(what, timeoutMs, () => {
        const match = pattern.exec(this.output);
        if (match) return match;
        if (exited) throw new Error(`process exited before printing ${pattern}:\n${this.output}`);
        return undefined;
      }, 20);
    } catch (error) {
      // What it did print instead is what a failure in CI needs to be understood.
      if (exited) throw error;
      throw new Error(`${(error as Error).message}; it printed:\n${this.output}`);
    }
  }

  /** Kills the process (if still running) and waits for it. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** Runs `node dist/src/cli/build-index.js …args` (or another `script`) to the end (after `prefix`, see unprivilegedPrefix()). */
export async function runBuildCli(args: readonly string[], prefix: readonly string[] = [], script = BUILD_CLI): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const cli = new CliProcess(args, script, prefix);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr, pid: cli.pid };
}

/** Words, phrases (across jieba boundaries), OR, exclusion, fields and filters, over pages and xwlb records. */
export const QUERIES: readonly string[] = [
  "疫情防控",
  "复工复产",
  '"防疫知识"',
  "科普 宣传",
  "习近平",
  "新闻联播",
  "经济 发展",
  '"一带一路"',
  "改革 OR 创新",
  "农村 -扶贫",
  "title:会议",
  "source:cctv-xwlb 经济",
  "date:2012-07 会议",
  '"中国特色社会主义"',
  "国务院 常务会议",
  "总书记",
  "合作",
  "建设",
  "人民 群众",
  "记者",
  "学生",
  "医院",
  '"新冠肺炎"',
  "抗疫",
  "海南",
  '"海南自由贸易港"',
  "疫情 author:王尚磊",
  "科技 创新",
  '"稳就业"',
  "政府工作报告",
  "COVID",
  "吐鲁番 OR 长白山",
  '"走基层"',
  "title:快讯",
  "奥运",
  '"新增的一段文字"',
];

export interface SearchSignature {
  query: string;
  sort: SortOrder;
  total: number;
  relaxed: boolean;
  phrases: Array<{ phrase: string; field: string; articles: number; occurrences: number }>;
  hits: Array<{ id: string; score: number }>;
}

export interface IndexSignature {
  /** Every article, sorted by id, with the fields that show where it came from. */
  articles: Array<{ id: string; title: string; file: string; lineStart: number; lineEnd: number; bodyLength: number }>;
  searches: SearchSignature[];
}

/** Everything an index answers, for comparison with another index of the same seeds. */
export function indexSignature(snapshot: IndexSnapshot, queries: readonly string[], size = 100): IndexSignature {
  const articles: IndexSignature["articles"] = [];
  for (let doc = 0; doc < snapshot.size; doc++) {
    const meta = snapshot.meta(doc);
    articles.push({ id: meta.id, title: meta.title, file: meta.file, lineStart: meta.lineStart, lineEnd: meta.lineEnd, bodyLength: snapshot.body(doc).length });
  }
  articles.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const searches: SearchSignature[] = [];
  for (const query of queries) {
    for (const sort of SORT_ORDERS) {
      const result = search(snapshot, { query, page: 1, size, sort });
      searches.push({
        query,
        sort,
        total: result.total,
        relaxed: result.relaxed,
        phrases: result.phrases.map(({ phrase, field, articles, occurrences }) => ({ phrase, field, articles, occurrences })),
        hits: result.hits.map((hit) => ({ id: hit.article.id, score: hit.score })),
      });
    }
  }
  return { articles, searches };
}

/**
 * Differences between two signatures (empty when they are the same): article lists must be equal,
 * searches equal in total, phrases, hit ids and order, scores within `epsilon`.
 */
export function signatureDifferences(actual: IndexSignature, expected: IndexSignature, epsilon = 1e-9): string[] {
  const differences: string[] = [];
  const actualIds = new Set(actual.articles.map((a) => a.id));
  const expectedIds = new Set(expected.articles.map((a) => a.id));
  for (const id of expectedIds) if (!actualIds.has(id)) differences.push(`article ${id} missing`);
  for (const id of actualIds) if (!expectedIds.has(id)) differences.push(`article ${id} not expected`);
  const expectedById = new Map(expected.articles.map((a) => [a.id, a]));
  for (const article of actual.articles) {
    const other = expectedById.get(article.id);
    if (other && JSON.stringify(other) !== JSON.stringify(article)) differences.push(`article ${article.id}: ${JSON.stringify(article)} != ${JSON.stringify(other)}`);
  }
  if (actual.searches.length !== expected.searches.length) differences.push(`${actual.searches.length} searches != ${expected.searches.length}`);
  actual.searches.forEach((got, i) => {
    const want = expected.searches[i]!;
    const label = `${want.query} (${want.sort})`;
    if (got.total !== want.total || got.relaxed !== want.relaxed) differences.push(`${label}: total ${got.total}/${got.relaxed}, expected ${want.total}/${want.relaxed}`);
    if (JSON.stringify(got.phrases) !== JSON.stringify(want.phrases)) differences.push(`${label}: phrases ${JSON.stringify(got.phrases)} != ${JSON.stringify(want.phrases)}`);
    const gotIds = got.hits.map((hit) => hit.id).join(",");
    const wantIds = want.hits.map((hit) => hit.id).join(",");
    if (gotIds !== wantIds) differences.push(`${label}: hits [${gotIds.slice(0, 200)}] != [${wantIds.slice(0, 200)}]`);
    else {
      got.hits.forEach((hit, k) => {
        if (Math.abs(hit.score - want.hits[k]!.score) > epsilon) differences.push(`${label}: score of ${hit.id} ${hit.score} != ${want.hits[k]!.score}`);
      });
    }
  });
  return differences;
}

/**
 * What runs a command as a user whom file modes apply to (root reads a file of mode 000): nothing
 * when the tests do not run as root; `setpriv` to nobody when they do and nobody can run the build
 * CLI from this checkout; undefined otherwise (the caller skips). Directories that user must
 * reach need modes that let it (tempDir() makes them 0700).
 */
export function unprivilegedPrefix(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  const prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, BUILD_CLI, "--help"], { cwd: REPO, encoding: "utf8" });
  return probe.status === 0 ? prefix : undefined;
}

/**
 * A seeds folder and an index path (in a folder of its own) that the user of unprivilegedPrefix()
 * can use, and the build command's prefix; undefined where there is no such user (the caller skips).
 */
export function unprivilegedBuild(): { prefix: string[]; seeds: string; index: string } | undefined {
  const prefix = unprivilegedPrefix();
  if (prefix === undefined) return undefined;
  const seeds = tempDir("seeds");
  const indexParent = tempDir("index");
  chmodSync(seeds, 0o755);
  chmodSync(indexParent, 0o777);
  return { prefix, seeds, index: path.join(indexParent, "index") };
}
