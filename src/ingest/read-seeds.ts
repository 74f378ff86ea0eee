// IO: finds seed files and turns each into articles. Pages (.txt, .md) go through normalize and
// split-articles; records (.jsonl, .jsonl.gz) carry their articles already.
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { SYNONYM_FILE, USER_DICTIONARY_FILE } from "../analysis/user-dictionary.js";
import { ioError, ioReason, SearchError, SeedFormatError, SkippedSeedError } from "../errors.js";
import type { Article } from "../types.js";
import { isValidIsoDate } from "./dates.js";
import { countReplaced, decodeText, looksBinary, REPLACED_WARN_SHARE, replacedShare, UNDECODABLE_SHARE, UndecodableTextError } from "./decode-text.js";
import { repairPage } from "./normalize.js";
import { splitArticles } from "./split-articles.js";

/**
 * Bump when reading, repairing or splitting may turn an unchanged seed file into other articles:
 * an index built under another version is rebuilt in full, since no seed file shows a change.
 */
export const INGEST_VERSION = 3;

const PAGE_EXTENSIONS = [".txt", ".md"];
const RECORD_EXTENSIONS = [".jsonl", ".jsonl.gz"];
/**
 * Files kept among the seeds that are not news, by name (ignored at any depth): the user dictionary
 * that configures the analyzer and the synonyms for queries.
 */
export const NON_SEED_FILES: readonly string[] = [USER_DICTIONARY_FILE, SYNONYM_FILE];
/**
 * A page is read, repaired, split and analyzed whole: the worst case, a page of this size on one
 * line (one article), took a build to 690 MB of peak RSS (8 MiB: 1.2 GB). A bigger page is refused;
 * a newspaper page is tens of kilobytes, this is a dump to split.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/**
 * JSON Lines are streamed a line at a time; a longer line (one record, in characters) is skipped
 * unkept. A record of this size took a build to 560 MB of peak RSS; the corpus's longest is 22,337.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;

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
  /** Lines that could not be read (the rest of the file is still indexed), and losses worth a warning. */
  problems: SeedFormatError[];
}

function isSeedFile(name: string): boolean {
  return [...PAGE_EXTENSIONS, ...RECORD_EXTENSIONS].some((extension) => name.endsWith(extension));
}

const isPage = (file: string): boolean => PAGE_EXTENSIONS.some((extension) => file.endsWith(extension));

/**
 * Names that are never seeds: hidden files and folders (.git, an editor's lock `.#x.txt`, vim's
 * `.x.txt.swp`), editor backups and autosaves (`x.txt~`, `#x.txt#`), office locks (`~$x.txt`),
 * and NON_SEED_FILES.
 */
function isIgnored(name: string): boolean {
  return /^[.#]|^~\$|[#~]$/u.test(name) || NON_SEED_FILES.includes(name);
}

export interface SeedPath {
  path: string;
  file: string;
}

export interface SeedPaths {
  paths: SeedPath[];
  /** Files and folders left out, each saying why and what to do. */
  skipped: SkippedSeedError[];
}

/**
 * Finds the seed files under each root (a directory, searched recursively, or a single file), sorted
 * by name. Symbolic links to files are followed, and a file reached twice (by a link and by its own
 * name) is listed once; symbolic links to directories are not followed, so a link back up the tree
 * (`sub/up -> ..`) can neither repeat articles nor loop. Whatever cannot be listed is skipped.
 */
export async function findSeedPaths(roots: readonly string[]): Promise<SeedPaths> {
  const listing: SeedPaths = { paths: [], skipped: [] };
  const reached = new Map<string, { seed: SeedPath; viaLink: boolean }>();
  const add = (seed: SeedPath, info: Stats, viaLink: boolean): void => {
    const key = `${info.dev}:${info.ino}`;
    const first = reached.get(key);
    if (first === undefined) {
      reached.set(key, { seed, viaLink });
      listing.paths.push(seed);
      return;
    }
    // Indexed once, by its own name rather than a link's (README: symlink policy).
    if (first.viaLink && !viaLink) {
      listing.paths[listing.paths.indexOf(first.seed)] = seed;
      reached.set(key, { seed, viaLink });
    }
  };
  for (const root of roots) {
    const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new SearchError(`seeds not found: ${root}`, "pass an existing directory or file with --seeds");
      throw ioError(`cannot read the seeds ${root}`, error);
    });
    if (info.isDirectory()) {
      await listDirectory(root, "", add, listing.skipped);
    } else if (!isSeedFile(root)) {
      throw new SearchError(`unsupported seed file: ${root}`, `use ${[...PAGE_EXTENSIONS, ...RECORD_EXTENSIONS].join(", ")}`);
    } else if (!info.isFile()) {
      throw new SearchError(`${root} is not a regular file`, "pass a seed file or a directory with --seeds");
    } else {
      add({ path: path.resolve(root), file: path.basename(root) }, info, false);
    }
  }
  listing.paths.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const seen = new Set<string>();
  for (const { file } of listing.paths) {
    if (seen.has(file)) throw new SearchError(`two seed files are both named ${file}`, "give each --seeds root distinct file names");
    seen.add(file);
  }
  return listing;
}

type AddSeed = (seed: SeedPath, info: Stats, viaLink: boolean) => void;

async function listDirectory(dir: string, relative: string, add: AddSeed, skipped: SkippedSeedError[]): Promise<void> {
  const shown = relative === "" ? dir : relative;
  let names: Buffer[];
  try {
    names = await readdir(dir, { encoding: "buffer" });
  } catch (error) {
    const { what, hint } = ioReason(error);
    skipped.push(new SkippedSeedError(`${shown}${path.sep}`, `cannot be listed: ${what}`, hint ?? "check the directory"));
    return;
  }
  names.sort(Buffer.compare);
  for (const raw of names) {
    const name = raw.toString("utf8");
    const file = relative === "" ? name : path.join(relative, name);
    if (!isUtf8(raw)) {
      // A path made of the decoded name would name another file (or none): it cannot be read as given.
      skipped.push(new SkippedSeedError(file, "its name is not UTF-8 (shown with �)", "rename it in UTF-8, e.g. with `convmv -f GBK -t UTF-8 --notest`"));
      continue;
    }
    if (isIgnored(name)) continue;
    const full = path.join(dir, name);
    let info: Stats;
    let viaLink = false;
    try {
      info = await lstat(full);
      viaLink = info.isSymbolicLink();
      if (viaLink) {
        info = await stat(full).catch(async (error: NodeJS.ErrnoException) => {
          throw error.code === "ENOENT" ? new SkippedSeedError(file, `a symbolic link to ${await readlink(full).catch(() => "?")}, which does not exist`, "remove the link or restore its target") : error;
        });
        if (info.isDirectory()) {
          skipped.push(new SkippedSeedError(file, "a symbolic link to a directory, which is not followed", "pass that directory with another --seeds, or link its files one by one"));
          continue;
        }
      }
    } catch (error) {
      if (!isSeedFile(name)) continue;
      if (error instanceof SkippedSeedError) skipped.push(error);
      else {
        const { what, hint } = ioReason(error);
        skipped.push(new SkippedSeedError(file, `cannot be read: ${what}`, hint ?? "check the file"));
      }
      continue;
    }
    if (info.isDirectory()) await listDirectory(full, file, add, skipped);
    else if (!isSeedFile(name)) continue;
    else if (!info.isFile()) skipped.push(new SkippedSeedError(file, "not a regular file (a pipe, socket or device)", "seeds must be regular files; remove it"));
    else add({ path: full, file }, info, viaLink);
  }
}

export interface SeedListing {
  files: SeedFile[];
  skipped: SkippedSeedError[];
}

/**
 * The seed files with their sizes and content hashes (what decides whether a file must be analyzed
 * again), and the files that had to be skipped. A file whose size and modification time match what
 * `known` recorded is not read again: hashing the 46 MB corpus took a tenth of a second of every
 * server start.
 */
export async function listSeedFiles(roots: readonly string[], known: readonly KnownSeed[] = []): Promise<SeedListing> {
  const knownByFile = new Map(known.map((seed) => [seed.file, seed]));
  const { paths, skipped } = await findSeedPaths(roots);
  const files: SeedFile[] = [];
  for (const { path: filePath, file } of paths) {
    try {
      // Stat before reading: a change during the read leaves a newer time than the one recorded.
      const { size, mtimeNs } = await stat(filePath, { bigint: true });
      if (isPage(file) && size > MAX_PAGE_BYTES) throw pageTooLarge(file, Number(size));
      const before = knownByFile.get(file);
      if (before?.mtimeNs !== undefined && before.mtimeNs === String(mtimeNs) && before.bytes === Number(size)) {
        files.push({ path: filePath, file, bytes: before.bytes, sha256: before.sha256, mtimeNs: before.mtimeNs });
        continue;
      }
      const hashedAtNs = BigInt(Date.now()) * 1_000_000n;
      const { bytes, sha256 } = await hashFile(filePath);
      files.push({ path: filePath, file, bytes, sha256, ...(hashedAtNs - mtimeNs >= SETTLED_NS ? { mtimeNs: String(mtimeNs) } : {}) });
    } catch (error) {
      skipped.push(asSkipped(file, error));
    }
  }
  return { files, skipped };
}

/**
 * Why the listing could not see `file`, a file an earlier build or load indexed: it was skipped by
 * name, or it lies in a folder that could not be listed (a root that could not be listed may have
 * held any file). Undefined when the listing would have seen it: then it is gone, and only then may
 * its articles be removed.
 */
export function unlistedReason(file: string, skipped: readonly SkippedSeedError[], roots: readonly string[]): SkippedSeedError | undefined {
  const own = skipped.find((error) => error.file === file);
  if (own) return own;
  const isRoot = (folder: string): boolean => roots.some((root) => `${root}${path.sep}` === folder);
  const folder = skipped.find((error) => error.file.endsWith(path.sep) && (isRoot(error.file) || file.startsWith(error.file)));
  return folder && new SkippedSeedError(file, `in ${folder.file}, which ${folder.reason}`, folder.hint!);
}

/** sha256 and size, read in chunks: the file is not held in memory. */
async function hashFile(filePath: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(filePath) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest("hex") };
}

function pageTooLarge(file: string, bytes: number): SkippedSeedError {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new SkippedSeedError(file, `a page of ${mib(bytes)}; pages are read whole, up to ${mib(MAX_PAGE_BYTES)}`, "split it into smaller pages, or make it JSON Lines records");
}

/** Any failure to read a file, as a skipped file with its reason. */
function asSkipped(file: string, error: unknown): SkippedSeedError {
  if (error instanceof SkippedSeedError) return error;
  if (error instanceof UndecodableTextError) return new SkippedSeedError(file, error.message, error.hint);
  const { what, hint } = ioReason(error);
  return new SkippedSeedError(file, `cannot be read: ${what}`, hint ?? "check the file, then build again");
}

/**
 * Reads one seed file into articles. Malformed records are reported in `problems` and skipped; a
 * file that cannot be read, decoded or split at all throws SkippedSeedError.
 */
export async function readSeedFile(seed: SeedFile): Promise<SeedContent> {
  try {
    return isPage(seed.file) ? await readPage(seed) : await readRecords(seed);
  } catch (error) {
    throw asSkipped(seed.file, error);
  }
}

async function readPage(seed: SeedFile): Promise<SeedContent> {
  const bytes = await readFile(seed.path);
  if (bytes.length > MAX_PAGE_BYTES) throw pageTooLarge(seed.file, bytes.length);
  const { text, replaced } = decodeText(bytes);
  let articles: Article[];
  try {
    articles = splitArticles(repairPage(text), seed.file);
  } catch (error) {
    // The file is left out, not the build: the other seeds are still indexed.
    throw new SkippedSeedError(seed.file, `could not be split into articles (${(error as Error).message})`, "report it as a bug with this file; the other seeds are indexed");
  }
  return { articles, problems: replacedWarnings(seed.file, replaced, text.length) };
}

function replacedWarnings(file: string, replaced: number, length: number): SeedFormatError[] {
  const share = replacedShare(replaced, length);
  if (share <= REPLACED_WARN_SHARE) return [];
  return [new SeedFormatError(file, undefined, `${replaced} character${replaced === 1 ? "" : "s"} (${(share * 100).toFixed(1)}%) did not decode and show as �; indexed anyway — convert the file to UTF-8 from its real encoding`)];
}

async function readRecords(seed: SeedFile): Promise<SeedContent> {
  const file = createReadStream(seed.path);
  let input: Readable = file;
  if (seed.file.endsWith(".gz")) {
    const gunzip = createGunzip();
    // pipe() does not pass the file's read errors on: the loop below would wait forever.
    file.on("error", (error) => gunzip.destroy(error));
    input = file.pipe(gunzip);
  }
  const articles: Article[] = [];
  const problems: SeedFormatError[] = [];
  const ids = new Set<string>();
  const decoded = { replaced: 0, characters: 0 };
  let line = 0;
  try {
    for await (const text of decodeLines(input as AsyncIterable<Buffer>, MAX_RECORD_CHARS, seed.file, decoded)) {
      line++;
      if (typeof text === "number") {
        problems.push(new SeedFormatError(seed.file, line, `a record of ${text} characters, over the ${MAX_RECORD_CHARS} a line may have; skipped — split it`));
        continue;
      }
      if (text.trim() === "") continue;
      try {
        const article = parseRecord(text, seed.file, line, (reason) => problems.push(new SeedFormatError(seed.file, line, reason)));
        if (ids.has(article.id)) throw new Error(`duplicate id "${article.id}"`);
        ids.add(article.id);
        articles.push(article);
      } catch (error) {
        problems.push(new SeedFormatError(seed.file, line, (error as Error).message));
      }
    }
  } catch (error) {
    if (error instanceof SkippedSeedError) throw error;
    const compressed = seed.file.endsWith(".gz") && !(error as NodeJS.ErrnoException).syscall;
    const { what, hint } = ioReason(error);
    throw new SkippedSeedError(
      seed.file,
      `cannot be read after line ${line}: ${compressed ? `the gzip data is damaged or cut short (${what})` : what}`,
      compressed ? "copy or download the file again" : (hint ?? "check the file, then build again"),
    );
  } finally {
    input.destroy();
    file.destroy();
  }
  if (replacedShare(decoded.replaced, decoded.characters) > UNDECODABLE_SHARE) {
    throw new SkippedSeedError(seed.file, `not UTF-8: ${((decoded.replaced / decoded.characters) * 100).toFixed(0)}% of its characters do not decode`, "JSON Lines must be UTF-8: convert it (iconv -f <encoding> -t UTF-8)");
  }
  return { articles, problems: [...replacedWarnings(seed.file, decoded.replaced, decoded.characters), ...problems] };
}

/** JSON Lines are UTF-8 text: a UTF-16 BOM or a NUL byte at the start means the file is something else. */
function checkRecordsStart(file: string, bytes: Buffer): void {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new SkippedSeedError(file, "UTF-16 text; JSON Lines must be UTF-8", "convert it: iconv -f UTF-16 -t UTF-8");
  }
  if (looksBinary(bytes)) throw new SkippedSeedError(file, "binary data (NUL bytes), not JSON Lines", "remove it, or give it the right extension");
}

/**
 * The lines of a UTF-8 byte stream, decoded, without their ends (LF or CRLF); the decoder drops a
 * BOM at the start (which once cost the first record). A line longer than `maxChars` comes as its
 * length instead, and is not kept: memory stays bounded whatever the input. Counts the characters
 * and the replaced bytes into `decoded`.
 */
async function* decodeLines(input: AsyncIterable<Buffer>, maxChars: number, file: string, decoded: { replaced: number; characters: number }): AsyncGenerator<string | number> {
  const decoder = new TextDecoder("utf-8");
  let partial = "";
  let length = 0;
  const take = (piece: string): void => {
    length += piece.length;
    partial = length <= maxChars ? partial + piece : "";
  };
  const finish = (): string | number => {
    const line = length <= maxChars ? (partial.endsWith("\r") ? partial.slice(0, -1) : partial) : length;
    partial = "";
    length = 0;
    return line;
  };
  let first = true;
  for await (const chunk of input) {
    if (first) checkRecordsStart(file, chunk);
    first = false;
    const text = decoder.decode(chunk, { stream: true });
    decoded.replaced += countReplaced(text);
    decoded.characters += text.length;
    let from = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", from)) {
      take(text.slice(from, end));
      yield finish();
      from = end + 1;
    }
    if (from < text.length) take(text.slice(from));
  }
  const rest = decoder.decode();
  if (rest) take(rest);
  if (length > 0) yield finish();
}

function parseRecord(text: string, file: string, line: number, warn: (reason: string) => void): Article {
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
  let date = typeof record.date === "string" ? record.date : undefined;
  if (record.date !== undefined && (date === undefined || !isValidIsoDate(date))) {
    warn(`"date" ${JSON.stringify(record.date)} is not a real date like 2020-03-25 or 2020-03-25T19:00:00+08:00; the article is indexed without a date — correct it`);
    date = undefined;
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
    ...(date === undefined ? {} : { date }),
  };
}
