import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SearchError } from "../../src/errors.js";
import { SeedWatcher } from "../../src/index/seed-watcher.js";
import { sleep, waitUntil } from "../support/index-fixtures.js";

/** Debounce short enough for a unit test; the stability check adds 300 ms a rebuild. */
const DEBOUNCE_MS = 50;

describe("SeedWatcher", () => {
  let root: string;
  let watcher: SeedWatcher | undefined;
  let rebuilds: number;
  const start = (rebuild: () => Promise<void> = async () => void rebuilds++): Promise<SeedWatcher> =>
    SeedWatcher.start({ roots: [root], debounceMs: DEBOUNCE_MS, rebuild, onError: () => {} });

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-watch-"));
    writeFileSync(path.join(root, "a.txt"), "标题\n\n正文。\n");
    rebuilds = 0;
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("rebuilds once after the first build for a file written while it ran", async () => {
    // Fix: the watch used to start after the first build, so this file was never indexed.
    watcher = await start();
    const first = await watcher.buildFirst(async () => {
      writeFileSync(path.join(root, "during-first-build.txt"), "标题\n\n正文。\n");
      await sleep(3 * DEBOUNCE_MS); // past the debounce: the rebuild must wait for this build
      expect(rebuilds, "no rebuild overlaps the first build").to.equal(0);
      return "first";
    });
    expect(first).to.equal("first");
    await waitUntil("a rebuild", 5000, () => (rebuilds > 0 ? true : undefined));
    await sleep(5 * DEBOUNCE_MS + 300);
    expect(rebuilds).to.equal(1);
  });

  it("does not rebuild after a first build during which nothing changed", async () => {
    watcher = await start();
    await watcher.buildFirst(async () => sleep(DEBOUNCE_MS));
    writeFileSync(path.join(root, "later.txt"), "标题\n\n正文。\n");
    await waitUntil("a rebuild", 5000, () => (rebuilds > 0 ? true : undefined));
    await sleep(5 * DEBOUNCE_MS + 300);
    expect(rebuilds, "only the change after the first build").to.equal(1);
  });

  it("schedules exactly one more rebuild for any number of events during a rebuild", async () => {
    let release: () => void = () => {};
    watcher = await start(async () => {
      rebuilds++;
      if (rebuilds === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    writeFileSync(path.join(root, "b.txt"), "一\n");
    await waitUntil("the first rebuild", 5000, () => (rebuilds === 1 ? true : undefined));
    for (let i = 0; i < 5; i++) writeFileSync(path.join(root, `c${i}.txt`), "二\n");
    await sleep(3 * DEBOUNCE_MS);
    release();
    await waitUntil("the second rebuild", 5000, () => (rebuilds === 2 ? true : undefined));
    await sleep(5 * DEBOUNCE_MS + 300);
    expect(rebuilds).to.equal(2);
  });

  it("stops watching and throws when the first build fails", async () => {
    watcher = await start();
    let thrown: unknown;
    try {
      await watcher.buildFirst(async () => {
        writeFileSync(path.join(root, "during-failed-build.txt"), "标题\n");
        throw new Error("first build failed");
      });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).to.equal("first build failed");
    await sleep(5 * DEBOUNCE_MS + 300);
    expect(rebuilds, "a closed watcher rebuilds nothing").to.equal(0);
  });

  it("reports a missing seed root as the build does, instead of a bare ENOENT", async () => {
    rmSync(root, { recursive: true });
    let thrown: unknown;
    try {
      watcher = await start();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(SearchError);
    expect((thrown as SearchError).message).to.equal(`seeds not found: ${root}`);
  });
});
