// A worker thread of the segment pool (segment-pool.ts): loads jieba's dictionaries at once, then
// does each job it is sent, one at a time: write a segment (the embedded build), or analyze
// articles into the PostgreSQL loader's COPY rows (postgres-rows.ts).
import { parentPort, workerData } from "node:worker_threads";
import { loadSegmenter, useUserDictionary } from "../analysis/jieba.js";
import type { Article } from "../types.js";
import type { SegmentRecord } from "./format.js";
import { encodeRows, transferablesOf, type EncodedRows, type LoadedArticle } from "./postgres-rows.js";
import { writeSegment } from "./segment-writer.js";

export interface SegmentJob {
  dir: string;
  name: string;
  articles: Article[];
}

export type WorkerJob = { kind: "segment"; job: SegmentJob } | { kind: "rows"; articles: LoadedArticle[] };

export interface SegmentWorkerData {
  userDictionary: string | undefined;
  /** The byline names of the index being built or loaded (analyze.ts withNames). */
  names: string[];
}

export type SegmentWorkerMessage =
  | { type: "progress"; done: number }
  | { type: "done"; record: SegmentRecord }
  | { type: "rows"; rows: EncodedRows }
  | { type: "failed"; error: Error };

/** Progress is batched: a message per article would cost more than the article. */
const PROGRESS_EVERY = 250;

if (parentPort) {
  const port = parentPort;
  const data = workerData as SegmentWorkerData;
  await useUserDictionary(data.userDictionary);
  loadSegmenter();
  const names: ReadonlySet<string> = new Set(data.names);
  // Reported, not thrown: an uncaught error would end the worker, and its lane with it.
  const fail = (error: unknown): void => port.postMessage({ type: "failed", error: error instanceof Error ? error : new Error(String(error)) } satisfies SegmentWorkerMessage);
  port.on("message", (message: WorkerJob) => {
    if (message.kind === "rows") {
      try {
        const rows = encodeRows(message.articles, names);
        port.postMessage({ type: "rows", rows } satisfies SegmentWorkerMessage, transferablesOf(rows));
      } catch (error) {
        fail(error);
      }
      return;
    }
    const { job } = message;
    let done = 0;
    void writeSegment(job.dir, job.name, job.articles, names, () => {
      done++;
      if (done % PROGRESS_EVERY === 0) port.postMessage({ type: "progress", done: PROGRESS_EVERY } satisfies SegmentWorkerMessage);
    }).then((record) => {
      port.postMessage({ type: "progress", done: done % PROGRESS_EVERY } satisfies SegmentWorkerMessage);
      port.postMessage({ type: "done", record } satisfies SegmentWorkerMessage);
    }, fail);
  });
}
