// Watch mode: rebuilds after seed files appear, change or disappear. Events are debounced, and a
// build waits until the seed files' sizes stop changing, so a file still being copied is indexed
// once, when complete. Builds never overlap: events during a build schedule exactly one more.
// The watch starts before the first build (see buildFirst), so nothing added meanwhile is missed.
import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import { BuildRefusedError } from "../errors.js";
import { findSeedPaths } from "../ingest/read-seeds.js";

const RETRY_AFTER_MS = 5000;

export interface SeedWatcherOptions {
  roots: readonly string[];
  debounceMs?: number;
  rebuild: () => Promise<void>;
  onError: (error: Error) => void;
}

export class SeedWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private building = false;
  private pending = false;
  private closed = false;

  /** Starts watching; a missing or unsupported seed root is reported as the build would report it. */
  static async start(options: SeedWatcherOptions): Promise<SeedWatcher> {
    await findSeedPaths(options.roots);
    return new SeedWatcher(options);
  }

  private constructor(private readonly options: SeedWatcherOptions) {
    for (const root of options.roots) {
      this.watchers.push(watch(root, { recursive: true }, () => this.schedule()));
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    this.timer = setTimeout(() => void this.run(), this.options.debounceMs ?? 1000);
  }

  /**
   * Runs the first build (or whatever brings the index up to date at start) while already
   * watching. Fix: the watch used to start after it, and a seed file written in between (during a
   * long first build, or just before the watch was set up) was never indexed. Events during the
   * task schedule one rebuild after it. If the task fails, the watch stops and the error is thrown.
   */
  async buildFirst<T>(task: () => Promise<T>): Promise<T> {
    this.building = true;
    try {
      return await task();
    } catch (error) {
      this.close();
      throw error;
    } finally {
      this.finishBuild();
    }
  }

  private async run(): Promise<void> {
    if (this.building) {
      this.pending = true;
      return;
    }
    this.building = true;
    try {
      await this.waitUntilStable();
      await this.options.rebuild();
    } catch (error) {
      // A failed rebuild (another build holds the lock, a seed directory briefly gone) must not
      // lose the change that triggered it: try again later, unless a new event comes first.
      this.options.onError(error as Error);
      clearTimeout(this.retry);
      // A refused build (it would drop most articles; --strict and a bad file) is refused again
      // until the seeds change, which schedules a rebuild anyway.
      if (!this.closed && !(error instanceof BuildRefusedError)) this.retry = setTimeout(() => void this.run(), RETRY_AFTER_MS);
    } finally {
      this.finishBuild();
    }
  }

  private finishBuild(): void {
    this.building = false;
    if (this.pending) {
      this.pending = false;
      this.schedule();
    }
  }

  private async waitUntilStable(): Promise<void> {
    let before = await this.sizes();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await this.sizes();
      if (after === before) return;
      before = after;
    }
  }

  private async sizes(): Promise<string> {
    const files = await findSeedPaths(this.options.roots).then((listing) => listing.paths, () => []);
    const sizes = await Promise.all(files.map(async (file) => `${file.file}:${(await stat(file.path).catch(() => undefined))?.size}`));
    return sizes.join("|");
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    for (const watcher of this.watchers) watcher.close();
  }
}
