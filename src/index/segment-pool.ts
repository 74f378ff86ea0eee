// The worker threads a large build writes its segments on (jieba is synchronous and CPU-bound: a
// thread per core is the only way to use the others). Each worker loads jieba's dictionaries once
// and then writes any number of segments in turn. Fix: a worker per segment loaded them again for
// each one; a full build of 15 files of 4,000 articles (12 segments) took 40-42 s and 2.0 GB,
// now 28-32 s and 0.85 GB. (Starting the workers before the seeds are read, so their loads overlap
// the read, gained nothing on two cores: the loads slowed the read as much.)
import { Worker } from "node:worker_threads";
import type { SegmentRecord } from "./format.js";
import type { SegmentJob, SegmentWorkerData, SegmentWorkerMessage } from "./segment-worker.js";

export class SegmentWorkerPool {
  private readonly workers: Worker[];

  /** `userDictionary`: the operator's words in jieba's form (user-dictionary.ts), loaded by every worker. */
  constructor(size: number, userDictionary?: string) {
    const workerData: SegmentWorkerData = { userDictionary };
    this.workers = Array.from({ length: size }, () => new Worker(new URL("./segment-worker.js", import.meta.url), { workerData }));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Writes `job`'s segment on worker `lane` (0 ≤ lane < size), one job per lane at a time. */
  write(lane: number, job: SegmentJob, advance: (articles: number) => void): Promise<SegmentRecord> {
    const worker = this.workers[lane]!;
    return new Promise((resolve, reject) => {
      const onMessage = (message: SegmentWorkerMessage): void => {
        if (message.type === "progress") return advance(message.done);
        stop();
        if (message.type === "done") resolve(message.record);
        else reject(new Error(`writing segment ${job.name} failed: ${message.error.message}`, { cause: message.error }));
      };
      const onError = (error: Error): void => {
        stop();
        reject(error);
      };
      const onExit = (code: number): void => onError(new Error(`segment worker for ${job.name} exited with code ${code}`));
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
