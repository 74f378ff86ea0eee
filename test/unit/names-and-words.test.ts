import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { documentTerms, namesOf, queryTerms } from "../../src/analysis/analyze.js";
import { prepareUserDictionary } from "../../src/analysis/user-dictionary.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, readCurrentManifest } from "../../src/index/index-reader.js";
import { namesOfIndex } from "../../src/search/candidates.js";
import { search } from "../../src/search/search.js";
import { indexOfRecords } from "../support/temp-index.js";

describe("analyze: bylined names are one term", () => {
  it("joins jieba's pieces of the article's own names (都镇强 → 都/镇强 alone)", () => {
    const names = namesOf(["都镇强", "周钊梁", "某某某某某某"]);
    expect([...names].sort()).to.deep.equal(["周钊梁", "都镇强"]);
    expect(documentTerms("记者都镇强报道")).to.not.include("都镇强");
    expect(documentTerms("记者都镇强报道", names)).to.include("都镇强");
    expect(documentTerms("周钊梁、梁敏婷", names)).to.include.members(["周钊梁"]);
    expect(queryTerms("都镇强", names)).to.deep.equal(["都镇强"]);
    expect(queryTerms("都镇强"), "without the name: 都 (a stop word) and 镇强").to.deep.equal(["镇强"]);
  });

  it("keeps a name whole where jieba guessed another word across it (周钊梁说 → 周钊/梁说 alone)", () => {
    const names = new Set(["周钊梁"]);
    expect(queryTerms("周钊梁说")).to.not.include("周钊梁");
    expect(queryTerms("周钊梁说", names)).to.deep.equal(["周钊梁", "说"]);
    expect(documentTerms("据周钊梁说，", names)).to.include("周钊梁");
  });

  it("never cuts through a word of jieba's dictionary for a name (津文 in 天津文化)", () => {
    const names = new Set(["津文"]);
    expect(queryTerms("天津文化", names)).to.deep.equal(["天津", "文化"]);
    expect(documentTerms("天津文化", names)).to.not.include("津文");
    expect(queryTerms("津文", names)).to.deep.equal(["津文"]);
  });

  describe("end to end", () => {
    const snapshot = indexOfRecords([
      { id: "n1", title: "乡村振兴见闻", body: "本台记者都镇强报道：村里新修了路。", source: "generated", authors: ["都镇强"] },
      { id: "n2", title: "首都镇强化管理", body: "首都镇强化基层治理。", source: "generated" },
      { id: "n3", title: "其他新闻", body: "没有这个名字。", source: "generated" },
      { id: "n4", title: "读者来信", body: "感谢记者都镇强，他的报道帮了我们。", source: "generated" },
    ]);

    it("a name is a term in every article that spells it, bylined or not, and not inside other words (首都镇强化)", () => {
      const result = search(snapshot(), { query: "都镇强", page: 1, size: 10, sort: "relevance" });
      expect(result.hits.map((hit) => hit.article.id)).to.have.members(["n1", "n2", "n4"]);
      expect(result.hits.at(-1)!.article.id, "首都镇强化 only has the characters").to.equal("n2");
      expect(snapshot().termFrequencies().get("都镇强")).to.equal(2);
    });
  });
});

describe("names of the bundled pages' bylines and author lines", () => {
  const root = path.join(process.cwd(), "seeds");
  let indexRoot: string;
  before(async function () {
    this.timeout(60_000);
    indexRoot = mkdtempSync(path.join(os.tmpdir(), "zh-news-names-"));
    await buildIndex({ seeds: [root], indexDir: path.join(indexRoot, "index") });
  });
  after(() => rmSync(indexRoot, { recursive: true, force: true }));

  it("queries keep 都镇强, 周钊梁, 梁敏婷 and 张广烈 whole (jieba alone: 都/镇强, 周钊/梁), so they match only the whole name", async () => {
    const names = namesOfIndex(await openIndex(path.join(indexRoot, "index")));
    for (const name of ["都镇强", "周钊梁", "梁敏婷", "张广烈"]) expect(queryTerms(name, names), name).to.deep.equal([name]);
    expect(queryTerms("都镇强"), "without the names").to.deep.equal(["镇强"]);
    expect(queryTerms("周钊梁"), "without the names").to.deep.equal(["周钊", "梁"]);
  });
});

describe("names of the whole index in incremental builds", function () {
  this.timeout(60_000);
  let root: string;
  const seeds = (): string => path.join(root, "seeds");
  const put = (file: string, records: Array<Record<string, unknown>>): void =>
    writeFileSync(path.join(seeds(), file), records.map((record) => JSON.stringify({ source: "generated", ...record })).join("\n"));
  const build = (indexDir = "index", full = false) => buildIndex({ seeds: [seeds()], indexDir: path.join(root, indexDir), full });
  const terms = async (indexDir = "index") => (await openIndex(path.join(root, indexDir))).termFrequencies();
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-names-incremental-"));
    mkdirSync(seeds());
    put("a.jsonl", [{ id: "a1", title: "来信", body: "据周钊梁说，路修好了。" }]);
    put("b.jsonl", [{ id: "b1", title: "天气", body: "明天有雨。" }]);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("a new byline name re-analyzes the kept articles that spell it, and the index equals a full build", async () => {
    await build();
    expect((await terms()).get("周钊梁")).to.equal(undefined);
    put("c.jsonl", [{ id: "c1", title: "修路", body: "周钊梁报道", authors: ["周钊梁"] }]);
    const summary = await build();
    expect(summary.articlesAnalyzed, "c1, and a1 (whose segment holds b1 too)").to.equal(3);
    expect((await terms()).get("周钊梁")).to.equal(2);
    await build("full", true);
    expect([...(await terms())].sort()).to.deep.equal([...(await terms("full"))].sort());
    expect((await readCurrentManifest(path.join(root, "index"))).seeds.find((record) => record.file === "c.jsonl")!.names).to.deep.equal(["周钊梁"]);
  });

  it("a name no kept article spells re-analyzes nothing else; a name that goes re-analyzes the articles that spell it", async () => {
    put("c.jsonl", [{ id: "c1", title: "修路", body: "周钊梁报道", authors: ["周钊梁"] }]);
    await build();
    expect((await terms()).get("周钊梁")).to.equal(2);
    put("d.jsonl", [{ id: "d1", title: "春耕", body: "李清照报道", authors: ["李清照"] }]);
    expect((await build()).articlesAnalyzed, "d1 alone").to.equal(1);
    rmSync(path.join(seeds(), "c.jsonl"));
    await build();
    expect((await terms()).get("周钊梁"), "a1 is cut as jieba cuts it again").to.equal(undefined);
    await build("full", true);
    expect([...(await terms())].sort()).to.deep.equal([...(await terms("full"))].sort());
  });
});

describe("user dictionary (seeds/userdict.txt)", function () {
  this.timeout(120_000); // each dictionary change reloads jieba
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-userdict-"));
    mkdirSync(path.join(root, "seeds"));
    writeFileSync(
      path.join(root, "seeds", "news.jsonl"),
      [
        { id: "u1", title: "开展清朗行动", body: "整治网络乱象，清朗行动取得成效。", source: "generated" },
        { id: "u2", title: "行动计划", body: "清朗的天空。", source: "generated" },
      ]
        .map((record) => JSON.stringify(record))
        .join("\n"),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const build = () => buildIndex({ seeds: [path.join(root, "seeds")], indexDir: path.join(root, "index") });

  it("adds the operator's words to jieba for documents and queries; the file is not read as news", async () => {
    writeFileSync(path.join(root, "seeds", "userdict.txt"), "# 新词\n清朗行动 100 n\n\n都镇强 nr\n");
    const summary = await build();
    expect(summary.articles, "userdict.txt is no seed").to.equal(2);
    const snapshot = await openIndex(path.join(root, "index"));
    expect(snapshot.termFrequencies().get("清朗行动")).to.equal(1);
    expect(queryTerms("清朗行动")).to.deep.equal(["清朗行动"]);
    expect(search(snapshot, { query: "清朗行动", page: 1, size: 10, sort: "relevance" }).hits.map((hit) => hit.article.id)).to.deep.equal(["u1"]);
  });

  it("its content is part of the analyzer: a change re-analyzes every article", async () => {
    await build();
    const before = await readCurrentManifest(path.join(root, "index"));
    writeFileSync(path.join(root, "seeds", "userdict.txt"), "清朗行动\n");
    const summary = await build();
    const after = await readCurrentManifest(path.join(root, "index"));
    expect(after.analyzer).to.not.deep.equal(before.analyzer);
    expect(summary.articlesAnalyzed).to.equal(2);
    rmSync(path.join(root, "seeds", "userdict.txt"));
    expect((await build()).articlesAnalyzed, "and removing it too").to.equal(2);
    expect(queryTerms("清朗行动")).to.deep.equal(["清朗", "行动"]);
  });

  it("refuses a malformed line, naming the file and line and the format", () => {
    const file = path.join(root, "userdict.txt");
    writeFileSync(file, "清朗行动 100 n\n清朗 行动 计划 多余\n");
    expect(() => prepareUserDictionary(file)).to.throw(/userdict\.txt:2: .*4 fields.*word \[freq\] \[tag\]/);
    writeFileSync(file, "清朗行动 很多 n\n");
    expect(() => prepareUserDictionary(file)).to.throw(/userdict\.txt:1: frequency '很多'/);
  });
});
