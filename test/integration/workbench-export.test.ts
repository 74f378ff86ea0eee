// Big exports against the real server on a free port, over a generated corpus (3,000 records, about
// 70,000 occurrences of 发展): other requests are answered while one streams, and an export holds a
// place among the expensive work (--expensive-queries) until its last row or until its reader leaves.
import { parse } from "csv-parse/sync";
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startServer, type RunningServer } from "../support/server.js";

const WORDS = ["发展", "改革", "开放", "人民", "经济", "道路", "科技", "创新", "民生", "教育"];
const RECORDS = 3000;

function writeCorpus(dir: string): void {
  const records = Array.from({ length: RECORDS }, (_, i) => ({
    id: `r${i}`,
    title: i === 7 ? "北京冬奥会开幕" : `${WORDS[i % WORDS.length]}的新闻第${i}号`,
    body: Array.from({ length: 12 }, (_, k) => `发展是${WORDS[(i * 7 + k) % WORDS.length]}的一部分，“发展”也是我们的事，逗号,引号"都在。`).join("\n"),
    date: `20${10 + (i % 10)}-0${1 + (i % 9)}-1${i % 10}`,
  }));
  writeFileSync(path.join(dir, "records.jsonl"), records.map((record) => JSON.stringify(record)).join("\n"));
}

const EXPORT = `/api/occurrences?q=${encodeURIComponent('"发展"')}&format=csv`;
const CHEAP = `/api/search?q=${encodeURIComponent("北京冬奥会")}`;
/** Occurrence lists of common characters deep into the results: far more than one slice of work. */
const EXPENSIVE = `/api/occurrences?q=${encodeURIComponent("的 OR 是 OR 一")}&page=30&size=100`;

describe("exports (integration)", function () {
  this.timeout(180_000);
  let seedsDir: string;
  let indexRoot: string;
  let server: RunningServer;
  let single: RunningServer; // --expensive-queries 1

  before(async () => {
    seedsDir = mkdtempSync(path.join(os.tmpdir(), "zh-news-export-seeds-"));
    indexRoot = mkdtempSync(path.join(os.tmpdir(), "zh-news-export-index-"));
    writeCorpus(seedsDir);
    const indexDir = path.join(indexRoot, "index");
    server = await startServer({ seedsDir, indexDir, extraArgs: ["--result-cache", "0"] });
    single = await startServer({ seedsDir, indexDir, extraArgs: ["--result-cache", "0", "--expensive-queries", "1"] });
  });

  after(async () => {
    await server?.stop();
    await single?.stop();
    for (const dir of [seedsDir, indexRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers a cheap query while a big export streams, and the export is complete and parses back", async () => {
    const response = await fetch(`${server.url}${EXPORT}`);
    expect(response.status).to.equal(200);
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    let finished = false;
    const reading = (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) chunks.push(chunk.value);
      finished = true;
    })();
    while (chunks.length === 0) await sleep(1);
    const cheap = await fetch(`${server.url}${CHEAP}`);
    const answeredDuringExport = !finished;
    expect(cheap.status).to.equal(200);
    expect(((await cheap.json()) as { total: number }).total).to.equal(1);
    expect(answeredDuringExport, "the cheap query was answered before the export's last byte").to.equal(true);
    await reading;
    const rows = parse(Buffer.concat(chunks), { bom: true, columns: true }) as Array<Record<string, string>>;
    const listed = (await (await fetch(`${server.url}/api/occurrences?q=${encodeURIComponent('"发展"')}&size=1`)).json()) as { total: number };
    expect(rows).to.have.length(listed.total);
    expect(listed.total).to.be.above(50_000);
    expect(rows[0]!.match).to.equal("发展");
  });

  it("holds a place among the expensive work while it streams to a reader that has stopped reading, and gives it back when the reader leaves", async () => {
    const stalled = new AbortController();
    const first = await fetch(`${single.url}${EXPORT}`, { signal: stalled.signal });
    expect(first.status).to.equal(200);
    await first.body!.getReader().read(); // one chunk, then the reader stops: the export waits for the stream to drain

    const second = await fetch(`${single.url}${EXPORT.replace("csv", "jsonl")}`);
    expect(second.status, "a second export").to.equal(503);
    expect(second.headers.get("retry-after")).to.equal("1");
    expect(await second.json()).to.include({ code: "server_busy" });
    const expensive = await fetch(`${single.url}${EXPENSIVE}`);
    expect(expensive.status, "an expensive search").to.equal(503);
    expect(await expensive.json()).to.include({ code: "server_busy" });
    const cheap = await fetch(`${single.url}${CHEAP}`);
    expect(cheap.status, "a cheap search needs no place").to.equal(200);

    stalled.abort();
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      const again = await fetch(`${single.url}${EXPENSIVE}`);
      status = again.status;
      await again.arrayBuffer();
      if (status !== 200) await sleep(50);
    }
    expect(status, "the place is free once the stalled reader has gone").to.equal(200);
  });

  it("stops a timeline that runs out of its query budget: 503 query_too_expensive", async () => {
    const tiny = await startServer({ seedsDir, indexDir: path.join(indexRoot, "index"), extraArgs: ["--query-budget", "1", "--result-cache", "0"] });
    try {
      const response = await fetch(`${tiny.url}/api/timeline?q=${encodeURIComponent("的")}&by=month`);
      expect(response.status).to.equal(503);
      expect(await response.json()).to.include({ code: "query_too_expensive" });
    } finally {
      await tiny.stop();
    }
  });
});
