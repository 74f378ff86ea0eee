// The thread behind index-file-loader.ts. Synchronous calls are right here: this thread does
// nothing else, and the main thread is free (or busy loading jieba) meanwhile.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { gunzipSync } from "node:zlib";

export interface FileRequest {
  path: string;
  /** Compare the file's sha256 with this before using it. */
  sha256?: string;
  /** The file is gzip-compressed: send its inflated bytes. */
  inflate: boolean;
}

export type LoaderMessage = { type: "file"; bytes: Uint8Array } | { type: "failed"; path: string; reason: string };

function load(request: FileRequest): Uint8Array | string {
  let data: Buffer;
  try {
    data = readFileSync(request.path);
  } catch (error) {
    return `missing or unreadable (${(error as Error).message})`;
  }
  if (request.sha256 !== undefined && createHash("sha256").update(data).digest("hex") !== request.sha256) {
    return "checksum mismatch: the file is corrupt or truncated";
  }
  if (!request.inflate) return data;
  try {
    return gunzipSync(data);
  } catch (error) {
    return `cannot be decompressed (${(error as Error).message})`;
  }
}

/** Small buffers share Node's 8 KiB pool, which must not be transferred away: those are copied. */
function ownMemory(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

if (parentPort) {
  for (const request of workerData as FileRequest[]) {
    const result = load(request);
    if (typeof result === "string") {
      parentPort.postMessage({ type: "failed", path: request.path, reason: result } satisfies LoaderMessage);
      break;
    }
    const bytes = ownMemory(result);
    parentPort.postMessage({ type: "file", bytes } satisfies LoaderMessage, [bytes.buffer as ArrayBuffer]);
  }
}
