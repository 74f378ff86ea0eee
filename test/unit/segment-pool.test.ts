import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { dateSortKey } from "../../src/index/article-store.js";
import { encodeRows, pairGrams, ROW_COLUMNS, TermPostings } from "../../src/index/postgres-rows.js";
import { SegmentWorkerPool } from "../../src/index/segment-pool.js";
import type { Article } from "../../src/types.js";
import { arrayElements, binaryRows } from "../support/binary-copy.js";

const article = (id: string): Article => ({
  id,
  title: "防疫知识进社区",
  body: "社区志愿者向居民讲解防疫知识。",
  authors: [],
  source: "test",
  file: "test.jsonl",
  lineStart: 1,
  lineEnd: 1,
});

describe("segment worker pool", function () {
  this.timeout(30_000); // each worker loads jieba's dictionaries
  let dir: string;
  let pool: SegmentWorkerPool | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-pool-"));
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes several segments in turn on one worker, reporting progress for every article", async () => {
    pool = new SegmentWorkerPool(1, undefined, new Set());
    let progressed = 0;
    for (const name of ["seg-a", "seg-b"]) {
      const record = await pool.write(0, { dir: path.join(dir, name), name, articles: [article(`${name}-1`), article(`${name}-2`)] }, (n) => (progressed += n));
      expect(record).to.include({ name, articles: 2 });
    }
    expect(progressed).to.equal(4);
    expect(readdirSync(dir).sort()).to.deep.equal(["seg-a", "seg-b"]);
  });

  it("rejects a segment that cannot be written, naming it, and the worker goes on with the next", async () => {
    pool = new SegmentWorkerPool(1, undefined, new Set());
    const notADirectory = path.join(dir, "a-file");
    writeFileSync(notADirectory, "");
    let failure: unknown;
    try {
      await pool.write(0, { dir: path.join(notADirectory, "seg-x"), name: "seg-x", articles: [article("x")] }, () => {});
    } catch (error) {
      failure = error;
    }
    expect((failure as Error).message).to.match(/^writing segment seg-x failed: .*ENOTDIR/);
    const record = await pool.write(0, { dir: path.join(dir, "seg-y"), name: "seg-y", articles: [article("y")] }, () => {});
    expect(record).to.include({ name: "seg-y", articles: 1 });
  });

  it("encodes the PostgreSQL loader's rows on a worker exactly as in this thread, with the index's names, between segment jobs", async () => {
    const names = new Set(["都镇强"]);
    pool = new SegmentWorkerPool(1, undefined, names);
    const articles = [article("r-1"), { ...article("r-2"), title: "春耕\t备耕", body: "引号\"与反斜杠\\，换行\n之后都镇强报道", authors: ["王尚磊"], date: "2020-03-15" }];
    const loaded = articles.map((article, i) => ({ article, doc: 10 + i }));
    const onWorker = await pool.rows(0, loaded, 1);
    const here = new TermPostings(1);
    expect(onWorker).to.deep.equal(encodeRows(loaded, names, here));
    // The lane keeps the terms' postings over its chunks of the file until asked; a failed load's (collection 2, never asked) are not the next one's.
    const more = [{ article: { ...article("r-3"), body: "春耕" }, doc: 12 }];
    expect(await pool.rows(0, more, 1)).to.deep.equal(encodeRows(more, names, here));
    expect(await pool.postings(0, 1)).to.deep.equal(here.pack());
    await pool.rows(0, more, 2);
    await pool.rows(0, loaded, 3);
    const third = new TermPostings(3);
    encodeRows(loaded, names, third);
    expect(await pool.postings(0, 3)).to.deep.equal(third.pack());
    expect(await pool.postings(0, 3), "asked twice: none the second time").to.deep.equal(new TermPostings(3).pack());
    const rows = binaryRows(onWorker.copy);
    expect(rows).to.have.length(2);
    const field = (row: number, column: string): Buffer | null => rows[row]![ROW_COLUMNS.indexOf(column)]!;
    const text = (row: number, column: string): string | undefined => field(row, column)?.toString();
    // jsonb: its version byte, then the JSON text.
    const json = (row: number, column: string): unknown => (expect(field(row, column)![0]).to.equal(1), JSON.parse(field(row, column)!.subarray(1).toString()));
    const texts = (row: number, column: string): string[] => arrayElements(field(row, column)!).elements.map(String);
    expect(rows[1]).to.have.length(ROW_COLUMNS.length);
    expect(json(1, "body_tf"), "a name of the index, not of the article").to.include({ 都镇强: 1 });
    expect(json(1, "title_tf")).to.include({ 春耕: 1 });
    expect([text(1, "id"), text(1, "title"), text(1, "body")]).to.deep.equal(["r-2", "春耕\t备耕", "引号\"与反斜杠\\，换行\n之后都镇强报道"]);
    expect(field(1, "doc")!.readInt32BE(0)).to.equal(11);
    expect(texts(1, "author")).to.deep.equal(["王尚磊"]);
    expect(texts(0, "author"), "no authors: an empty array").to.deep.equal([]);
    expect(field(1, "date_key")!.readDoubleBE(0)).to.equal(dateSortKey("2020-03-15"));
    expect(field(0, "date_key"), "undated: NULL").to.equal(null);
    expect(json(1, "details")).to.include({ lineStart: 1 });
    const grams = arrayElements(field(1, "grams")!).elements.map((element) => element.readInt32BE(0));
    expect(grams).to.deep.equal([...pairGrams(text(1, "folded")!)]);
    const record = await pool.write(0, { dir: path.join(dir, "seg-z"), name: "seg-z", articles }, () => {});
    expect(record).to.include({ name: "seg-z", articles: 2 });
  });
});
