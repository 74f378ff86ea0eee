// Serves the newest committed generation without a restart. It polls CURRENT, loads a new
// generation beside the one in use, prepares it (the server's warm-up), then swaps; requests that
// started on the old snapshot finish on it (search is synchronous, so a request never sees two).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ioError } from "../errors.js";
import { CURRENT_FILE } from "./format.js";
import { openIndex, type IndexSnapshot, type OpenOptions } from "./index-reader.js";

export class LiveIndex {
  private timer: NodeJS.Timeout | undefined;
  private pointer = "";
  private reloading = false;
  /** Run on a loaded generation before it is served (search/warm-up.ts); the old one answers meanwhile. */
  private prepare: (snapshot: IndexSnapshot) => Promise<void> = async () => {};

  private constructor(
    private readonly indexDir: string,
    private snapshot: IndexSnapshot,
    private readonly options: OpenOptions,
  ) {}

  static async open(indexDir: string, options: OpenOptions = {}): Promise<LiveIndex> {
    const pointer = await readPointer(indexDir);
    const live = new LiveIndex(indexDir, await openIndex(indexDir, options), options);
    live.pointer = pointer;
    return live;
  }

  current(): IndexSnapshot {
    return this.snapshot;
  }

  /**
   * Every generation loaded from now on is prepared before it is served; the one in use is prepared
   * now, while it is served (settles when that is done).
   */
  prepareWith(prepare: (snapshot: IndexSnapshot) => Promise<void>): Promise<void> {
    this.prepare = prepare;
    return prepare(this.snapshot);
  }

  /** Checks CURRENT every `intervalMs`; `onReload` hears about each swap or failed load. */
  watch(intervalMs: number, onReload: (event: { generation?: number; error?: Error }) => void): void {
    this.timer = setInterval(() => void this.reloadIfChanged().then(onReload, (error: Error) => onReload({ error })), intervalMs);
    this.timer.unref();
  }

  /** Loads the generation CURRENT names if it is not the one in use. A failed load keeps serving the old one. */
  async reloadIfChanged(): Promise<{ generation?: number }> {
    if (this.reloading) return {};
    this.reloading = true;
    try {
      const pointer = await readPointer(this.indexDir);
      if (pointer === this.pointer) return {};
      const next = await openIndex(this.indexDir, this.options);
      await this.prepare(next);
      // Requests that hold the old snapshot finish on it; the garbage collector frees it after them.
      this.snapshot = next;
      this.pointer = pointer;
      return { generation: next.manifest.generation };
    } finally {
      this.reloading = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** CURRENT's content, "" when there is none; any other failure (EMFILE, EIO …) is named as what it is. */
async function readPointer(indexDir: string): Promise<string> {
  const file = path.join(indexDir, CURRENT_FILE);
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw ioError(`cannot read ${file}`, error);
  });
  return text.trim();
}
