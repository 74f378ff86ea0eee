// The worker threads a large build or load analyzes on (jieba is synchronous and CPU-bound: a
// thread per core is the only way to use the others). Each worker loads jieba's dictionaries once
// and then does any number of jobs in turn: segments of the embedded build, COPY rows of the
// PostgreSQL loader. Fix: a worker per segment loaded them again for
// each one; a full build of 15 files of 4,000 articles (12 segments) took 40-42 s and 2.0 GB,
// now 28-32 s and 0.85 GB. (Starting the workers before the seeds are read, so their loads overlap
// the read, gained nothing on two cores: the loads slowed the read as much.)
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SegmentRecord } from "./format.js";
import type { EncodedRows, LoadedArticle, PackedPostings } from "./postgres-rows.js";
import type { SegmentJob, SegmentWorkerData, SegmentWorkerMessage, WorkerJob } from "./segment-worker.js";

/** Below this many new articles, starting worker threads (a second jieba each, ~1 s) costs more than it saves. */
const PARALLEL_MIN_ARTICLES = 5_000;
const MAX_WORKERS = 4;

/** How many workers to analyze `articles` new articles on; 0: analyze them in this thread. */
export function poolSizeFor(articles: number): number {
  const workers = Math.min(availableParallelism(), MAX_WORKERS);
  return articles >= PARALLEL_MIN_ARTICLES && workers > 1 ? workers : 0;
}

export class SegmentWorkerPool {
  private readonly workers: Worker[];

  /**
   * `userDictionary`: the operator's words in jieba's form (user-dictionary.ts), loaded by every
   * worker; `names`: the byline names every article is analyzed with.
   */
  constructor(size: number, userDictionary: string | undefined, names: ReadonlySet<string>) {
    const workerData: SegmentWorkerData = { userDictionary, names: [...names] };
    this.workers = Array.from({ length: size }, () => new Worker(new URL("./segment-worker.js", import.meta.url), { workerData }));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Writes `job`'s segment on worker `lane` (0 ≤ lane < size), one job per lane at a time. */
  async write(lane: number, job: SegmentJob, advance: (articles: number) => void): Promise<SegmentRecord> {
    const message = await this.run(lane, { kind: "segment", job }, `writing segment ${job.name}`, advance);
    if (message.type !== "done") throw new Error(`segment worker answered ${message.type} to a segment job`);
    return message.record;
  }

  /** The PostgreSQL rows of `articles` (postgres-rows.ts encodeRows), analyzed on worker `lane`, which keeps their terms' postings in `collection`'s. */
  async rows(lane: number, articles: LoadedArticle[], collection: number): Promise<EncodedRows> {
    const message = await this.run(lane, { kind: "rows", articles, collection }, `analyzing ${articles.length} articles of ${articles[0]?.article.file ?? "no file"}`, () => {});
    if (message.type !== "rows") throw new Error(`segment worker answered ${message.type} to a rows job`);
    return message.rows;
  }

  /** The postings that worker `lane` gathered in `collection` (and then forgets). */
  async postings(lane: number, collection: number): Promise<PackedPostings[]> {
    const message = await this.run(lane, { kind: "postings", collection }, "packing postings", () => {});
    if (message.type !== "postings") throw new Error(`segment worker answered ${message.type} to a postings job`);
    return message.postings;
  }

  private run(lane: number, job: WorkerJob, what: string, advance: (articles: number) => void): Promise<Exclude<SegmentWorkerMessage, { type: "progress" | "failed" }>> {
    const worker = this.workers[lane]!;
    return new Promise((resolve, reject) => {
      const onMessage = (message: SegmentWorkerMessage): void => {
        if (message.type === "progress") return advance(message.done);
        stop();
        if (message.type === "failed") reject(new Error(`${what} failed: ${message.error.message}`, { cause: message.error }));
        else resolve(message);
      };
      const onError = (error: Error): void => {
        stop();
        reject(error);
      };
      const onExit = (code: number): void => onError(new Error(`the worker ${what} exited with code ${code}`));
      const stop = (): void => {
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      };
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
