// A worker thread of the segment pool (segment-pool.ts): loads jieba's dictionaries at once, then
// does each job it is sent, one at a time: write a segment (the embedded build), or analyze
// articles into the PostgreSQL loader's COPY rows (postgres-rows.ts), keeping their BM25 postings
// until the loader asks for them at the end of the seed file.
import { parentPort, workerData } from "node:worker_threads";
import { loadSegmenter, useUserDictionary } from "../analysis/jieba.js";
import type { Article } from "../types.js";
import type { SegmentRecord } from "./format.js";
import { encodeRows, postingsTransferables, TermPostings, transferablesOf, type EncodedRows, type LoadedArticle, type PackedPostings } from "./postgres-rows.js";
import { writeSegment } from "./segment-writer.js";

export interface SegmentJob {
  dir: string;
  name: string;
  articles: Article[];
}

/** `collection`: the seed file's load whose postings the rows' terms are counted in, and then asked for. */
export type WorkerJob = { kind: "segment"; job: SegmentJob } | { kind: "rows"; articles: LoadedArticle[]; collection: number } | { kind: "postings"; collection: number };

export interface SegmentWorkerData {
  userDictionary: string | undefined;
  /** The byline names of the index being built or loaded (analyze.ts withNames). */
  names: string[];
}

export type SegmentWorkerMessage =
  | { type: "progress"; done: number }
  | { type: "done"; record: SegmentRecord }
  | { type: "rows"; rows: EncodedRows }
  | { type: "postings"; postings: PackedPostings[] }
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
  let postings: TermPostings | undefined;
  port.on("message", (message: WorkerJob) => {
    if (message.kind === "rows") {
      try {
        if (postings?.collection !== message.collection) postings = new TermPostings(message.collection);
        const rows = encodeRows(message.articles, names, postings);
        port.postMessage({ type: "rows", rows } satisfies SegmentWorkerMessage, transferablesOf(rows));
      } catch (error) {
        fail(error);
      }
      return;
    }
    if (message.kind === "postings") {
      // A lane that was given no chunk of this file has none.
      const packed = (postings?.collection === message.collection ? postings : new TermPostings(message.collection)).pack();
      postings = undefined;
      port.postMessage({ type: "postings", postings: packed } satisfies SegmentWorkerMessage, postingsTransferables(packed));
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
