// Watch mode: rebuilds after seed files appear, change or disappear. Events are debounced, and a
// build waits until the seed files' sizes stop changing, so a file still being copied is indexed
// once, when complete. Builds never overlap: events during a build schedule exactly one more.
import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
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

  constructor(private readonly options: SeedWatcherOptions) {
    for (const root of options.roots) {
      this.watchers.push(watch(root, { recursive: true }, () => this.schedule()));
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    this.timer = setTimeout(() => void this.run(), this.options.debounceMs ?? 1000);
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
      this.retry = setTimeout(() => void this.run(), RETRY_AFTER_MS);
    } finally {
      this.building = false;
      if (this.pending) {
        this.pending = false;
        this.schedule();
      }
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
    const files = await findSeedPaths(this.options.roots).catch(() => []);
    const sizes = await Promise.all(files.map(async (file) => `${file.file}:${(await stat(file.path).catch(() => undefined))?.size}`));
    return sizes.join("|");
  }

  close(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    for (const watcher of this.watchers) watcher.close();
  }
}
