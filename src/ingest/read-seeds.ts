// IO: finds seed files and turns each into articles. Pages (.txt, .md) go through normalize and
// split-articles; records (.jsonl, .jsonl.gz) carry their articles already.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { USER_DICTIONARY_FILE } from "../analysis/user-dictionary.js";
import { SearchError, SeedFormatError } from "../errors.js";
import type { Article } from "../types.js";
import { repairPage } from "./normalize.js";
import { splitArticles } from "./split-articles.js";

/**
 * Bump when reading, repairing or splitting may turn an unchanged seed file into other articles:
 * an index built under another version is rebuilt in full, since no seed file shows a change.
 */
export const INGEST_VERSION = 2;

const PAGE_EXTENSIONS = [".txt", ".md"];
const RECORD_EXTENSIONS = [".jsonl", ".jsonl.gz"];

export interface SeedFile {
  /** Absolute path. */
  path: string;
  /** Name relative to the seeds root it was found under (or the base name of a file given directly). */
  file: string;
  bytes: number;
  sha256: string;
  /**
   * Modification time (ns since the epoch, as a decimal string) when the file had not changed for a
   * while before it was hashed: a later listing that finds the same size and time reuses the hash.
   * Absent for a file modified just before it was hashed, which could change again within the
   * same clock tick (git's "racy" files): those are hashed again every time.
   */
  mtimeNs?: string;
}

/** What an earlier listing (a manifest's seed records) knew of a file. */
export type KnownSeed = Pick<SeedFile, "file" | "bytes" | "sha256" | "mtimeNs">;

/** A file modified less than this long before it was hashed is not trusted by its time later. */
const SETTLED_NS = 2_000_000_000n;

export interface SeedContent {
  articles: Article[];
  /** Lines that could not be read; the rest of the file is still indexed. */
  problems: SeedFormatError[];
}

/** Files of the seeds directory that configure the analyzer, not news: never read as pages. */
const CONFIGURATION_FILES: readonly string[] = [USER_DICTIONARY_FILE];

function isSeedFile(name: string): boolean {
  return [...PAGE_EXTENSIONS, ...RECORD_EXTENSIONS].some((extension) => name.endsWith(extension));
}

export interface SeedPath {
  path: string;
  file: string;
}

/** Finds the seed files under each root (a directory, searched recursively, or a single file), sorted by name. */
export async function findSeedPaths(roots: readonly string[]): Promise<SeedPath[]> {
  const found: SeedPath[] = [];
  for (const root of roots) {
    const info = await stat(root).catch(() => {
      throw new SearchError(`seeds not found: ${root}`, "pass an existing directory or file with --seeds");
    });
    if (info.isDirectory()) {
      const names = (await readdir(root, { recursive: true })).filter((name) => isSeedFile(name) && !CONFIGURATION_FILES.includes(name)).sort();
      found.push(...names.map((name) => ({ path: path.resolve(root, name), file: name })));
    } else if (isSeedFile(root)) {
      found.push({ path: path.resolve(root), file: path.basename(root) });
    } else {
      throw new SearchError(`unsupported seed file: ${root}`, `use ${[...PAGE_EXTENSIONS, ...RECORD_EXTENSIONS].join(", ")}`);
    }
  }
  const seen = new Set<string>();
  for (const { file } of found) {
    if (seen.has(file)) throw new SearchError(`two seed files are both named ${file}`, "give each --seeds root distinct file names");
    seen.add(file);
  }
  return found;
}

/**
 * The seed files with their sizes and content hashes (what decides whether a file must be analyzed
 * again). A file whose size and modification time match what `known` recorded is not read again:
 * hashing the 46 MB corpus took a tenth of a second of every server start.
 */
export async function listSeedFiles(roots: readonly string[], known: readonly KnownSeed[] = []): Promise<SeedFile[]> {
  const knownByFile = new Map(known.map((seed) => [seed.file, seed]));
  const files: SeedFile[] = [];
  for (const { path: filePath, file } of await findSeedPaths(roots)) {
    // Stat before reading: a change during the read leaves a newer time than the one recorded.
    const { size, mtimeNs } = await stat(filePath, { bigint: true });
    const before = knownByFile.get(file);
    if (before?.mtimeNs !== undefined && before.mtimeNs === String(mtimeNs) && before.bytes === Number(size)) {
      files.push({ path: filePath, file, bytes: before.bytes, sha256: before.sha256, mtimeNs: before.mtimeNs });
      continue;
    }
    const hashedAtNs = BigInt(Date.now()) * 1_000_000n;
    const content = await readFile(filePath);
    const sha256 = createHash("sha256").update(content).digest("hex");
    files.push({ path: filePath, file, bytes: content.length, sha256, ...(hashedAtNs - mtimeNs >= SETTLED_NS ? { mtimeNs: String(mtimeNs) } : {}) });
  }
  return files;
}

/** Reads one seed file into articles. Malformed records are reported in `problems` and skipped. */
export async function readSeedFile(seed: SeedFile): Promise<SeedContent> {
  if (PAGE_EXTENSIONS.some((extension) => seed.file.endsWith(extension))) {
    const raw = await readFile(seed.path, "utf8");
    return { articles: splitArticles(repairPage(raw), seed.file), problems: [] };
  }
  return readRecords(seed);
}

async function readRecords(seed: SeedFile): Promise<SeedContent> {
  let input: Readable = createReadStream(seed.path);
  if (seed.file.endsWith(".gz")) input = input.pipe(createGunzip());
  const articles: Article[] = [];
  const problems: SeedFormatError[] = [];
  const ids = new Set<string>();
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    try {
      const article = parseRecord(text, seed.file, line);
      if (ids.has(article.id)) throw new Error(`duplicate id "${article.id}"`);
      ids.add(article.id);
      articles.push(article);
    } catch (error) {
      problems.push(new SeedFormatError(seed.file, line, (error as Error).message));
    }
  }
  return { articles, problems };
}

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseRecord(text: string, file: string, line: number): Article {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("expected a JSON object {id, title, body, source?, date?}");
  const record = value as Record<string, unknown>;
  const id = typeof record.id === "number" ? String(record.id) : record.id;
  if (typeof id !== "string" || id.trim() === "") throw new Error(`"id" must be a non-empty string`);
  if (typeof record.title !== "string") throw new Error(`"title" must be a string`);
  if (typeof record.body !== "string") throw new Error(`"body" must be a string`);
  if (record.title.trim() === "" && record.body.trim() === "") throw new Error("title and body are both empty");
  if (record.source !== undefined && typeof record.source !== "string") throw new Error(`"source" must be a string when given`);
  if (record.date !== undefined && (typeof record.date !== "string" || !DATE.test(record.date))) {
    throw new Error(`"date" must look like 2020-03-25 or 2020-03-25T19:00:00+08:00`);
  }
  const authors = Array.isArray(record.authors) ? record.authors.filter((a): a is string => typeof a === "string") : [];
  return {
    id: id.trim(),
    title: record.title.trim(),
    body: record.body.replace(/\r\n?/g, "\n").toWellFormed(),
    authors,
    source: typeof record.source === "string" && record.source ? record.source : file,
    file,
    lineStart: line,
    lineEnd: line,
    ...(typeof record.date === "string" ? { date: record.date } : {}),
  };
}
