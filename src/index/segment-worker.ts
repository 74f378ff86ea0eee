// A worker thread that writes one segment, so a large build analyzes its segments in parallel
// (jieba is synchronous and CPU-bound: one thread per core is the only way to use the others).
import { parentPort } from "node:worker_threads";
import type { Article } from "../types.js";
import type { SegmentRecord } from "./format.js";
import { writeSegment } from "./segment-writer.js";

export interface SegmentJob {
  dir: string;
  name: string;
  articles: Article[];
}

export type SegmentWorkerMessage = { type: "progress"; done: number } | { type: "done"; record: SegmentRecord };

/** Progress is batched: a message per article would cost more than the article. */
const PROGRESS_EVERY = 250;

if (parentPort) {
  const port = parentPort;
  port.once("message", (job: SegmentJob) => {
    let done = 0;
    void writeSegment(job.dir, job.name, job.articles, () => {
      done++;
      if (done % PROGRESS_EVERY === 0) port.postMessage({ type: "progress", done: PROGRESS_EVERY } satisfies SegmentWorkerMessage);
    }).then((record) => {
      port.postMessage({ type: "progress", done: done % PROGRESS_EVERY } satisfies SegmentWorkerMessage);
      port.postMessage({ type: "done", record } satisfies SegmentWorkerMessage);
    });
  });
}
