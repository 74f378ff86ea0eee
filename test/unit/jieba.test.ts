import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

// patches/nodejieba+3.5.8.patch adds loadAsync() (the server reads its index while the dictionaries
// load) and makes load() build its TextRank extractor on the segmenter's dictionary instead of
// reading a second copy; `npm install` applies it and rebuilds the binding. An unpatched binding
// would start the server slower and hold 110 MiB more, so an install that skipped the rebuild
// (e.g. --ignore-scripts) should fail here rather than in the bench.
describe("nodejieba binding", () => {
  it("loads the dictionaries in the background while this thread keeps running (loadAsync, from the patch)", async function () {
    this.timeout(30_000);
    const script = `
      const { segmenterReady, cutWords } = await import("./dist/src/analysis/jieba.js");
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await segmenterReady();
      clearInterval(timer);
      console.log(JSON.stringify({ ticks, words: cutWords("南京市长江大桥") }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    const { ticks, words } = JSON.parse(stdout) as { ticks: number; words: string[] };
    // A synchronous load would block the timer until it is done: no tick at all.
    expect(ticks, "timer ticks during the load").to.be.at.least(3);
    expect(words).to.deep.equal(["南京市", "长江大桥"]);
  });

  it("holds one copy of the dictionary after load (the install patched and rebuilt it)", async function () {
    this.timeout(30_000);
    const script = `
      const before = process.memoryUsage().rss;
      const { loadSegmenter } = await import("./dist/src/analysis/jieba.js");
      loadSegmenter();
      console.log(JSON.stringify({ grewMiB: (process.memoryUsage().rss - before) / 2 ** 20 }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    const { grewMiB } = JSON.parse(stdout) as { grewMiB: number };
    // One copy of jieba's trie is about 110 MiB here, two about 220.
    expect(grewMiB, "RSS growth of loading jieba; rerun `npm install` so the patch is applied and built").to.be.below(170);
  });
});
