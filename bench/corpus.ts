// The benchmark's input: the corpus (or its first n records) as the texts the floors cut, and a
// seeds directory holding exactly what the index is built from.
import { createReadStream } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { UsageError } from "./checks.js";

export interface CorpusRecord {
  id: string;
  title: string;
  body: string;
  /** As the record gives it (the shards' date ranges are cut from these). */
  date?: string;
}

export interface Corpus {
  records: CorpusRecord[];
  ids: Set<string>;
  /** Bytes of the records used, unpacked, with their line ends. */
  rawBytes: number;
  /** The lines themselves, kept only for a --limit slice (they are written to the seeds directory). */
  lines: string[] | undefined;
}

export async function readCorpus(file: string, limit: number | undefined): Promise<Corpus> {
  let input: Readable = createReadStream(file);
  if (file.endsWith(".gz")) input = input.pipe(createGunzip());
  const records: CorpusRecord[] = [];
  const lines: string[] = [];
  let rawBytes = 0;
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of reader) {
    lineNumber++;
    if (line.trim() === "") continue;
    if (limit !== undefined && records.length >= limit) break;
    const record = JSON.parse(line) as Partial<CorpusRecord>;
    if (typeof record.id !== "string" || typeof record.title !== "string" || typeof record.body !== "string") {
      throw new UsageError(`${file}:${lineNumber}: expected {id, title, body}`);
    }
    records.push({ id: record.id, title: record.title, body: record.body, ...(typeof record.date === "string" ? { date: record.date } : {}) });
    rawBytes += Buffer.byteLength(line) + 1;
    if (limit !== undefined) lines.push(line);
  }
  input.destroy();
  return { records, ids: new Set(records.map((record) => record.id)), rawBytes, lines: limit === undefined ? undefined : lines };
}

/**
 * Fills `dir` with the one seed file the index is built from: a link to the corpus (so the manifest
 * names it like `npm run index -- --seeds <corpus>` does), or the --limit slice. Returns its path.
 */
export async function writeSeeds(dir: string, corpusFile: string, corpus: Corpus, limit: number | undefined): Promise<string> {
  await mkdir(dir, { recursive: true });
  if (corpus.lines === undefined) {
    const target = path.join(dir, path.basename(corpusFile));
    await symlink(path.resolve(corpusFile), target);
    return target;
  }
  const stem = path.basename(corpusFile).replace(/\.jsonl(\.gz)?$/, "");
  const target = path.join(dir, `${stem}-first${limit}.jsonl`);
  await writeFile(target, corpus.lines.map((line) => `${line}\n`).join(""));
  return target;
}

/** Records of the slice, re-identified, to be added as a new seed file (real text, so they cost what news costs to analyze). */
export function extraRecords(corpus: Corpus, count: number, avoid: ReadonlySet<string>): string {
  const chosen = corpus.records.filter((record) => !avoid.has(record.id)).slice(-count);
  if (chosen.length < count) throw new UsageError(`the corpus slice has fewer than ${count} records to copy for the incremental build`);
  return chosen.map((record) => `${JSON.stringify({ ...record, id: `${record.id}-bench-extra`, source: "bench-extra" })}\n`).join("");
}
