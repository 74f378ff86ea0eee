// Reads, verifies and inflates index files on a worker thread. On the main thread the same work
// stalls whenever that thread is busy: fs.readFile reads large files in 512 KiB steps and gunzip
// inflates in 16 KiB steps, each continued by a main-thread callback, so at server start nothing
// moved while jieba's dictionaries loaded (0.5 s of waiting after it, in a --cpu-prof of a start).
import { Worker } from "node:worker_threads";
import { IndexUnusableError } from "../errors.js";
import type { FileRequest, LoaderMessage } from "./index-file-loader-worker.js";

export type { FileRequest };

/** The contents of `requests`, in their order; the first file that fails rejects with its name. */
export function loadIndexFiles(requests: readonly FileRequest[]): Promise<Buffer[]> {
  if (requests.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const contents: Buffer[] = [];
    const worker = new Worker(new URL("./index-file-loader-worker.js", import.meta.url), { workerData: requests });
    worker.on("message", (message: LoaderMessage) => {
      if (message.type === "failed") {
        reject(new IndexUnusableError(message.path, message.reason));
        return;
      }
      contents.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
      if (contents.length === requests.length) resolve(contents);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (contents.length < requests.length) reject(new Error(`index file loader exited (code ${code}) after ${contents.length} of ${requests.length} files`));
    });
  });
}
