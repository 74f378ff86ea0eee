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

  describe("end to end", () => {
    const snapshot = indexOfRecords([
      { id: "n1", title: "乡村振兴见闻", body: "本台记者都镇强报道：村里新修了路。", source: "generated", authors: ["都镇强"] },
      { id: "n2", title: "首都镇强化管理", body: "首都镇强化基层治理。", source: "generated" },
      { id: "n3", title: "其他新闻", body: "没有这个名字。", source: "generated" },
    ]);

    it("a name query finds every article holding it, the bylined one first (it has the name as a term)", () => {
      const result = search(snapshot(), { query: "都镇强", page: 1, size: 10, sort: "relevance" });
      expect(result.hits.map((hit) => hit.article.id)).to.deep.equal(["n1", "n2"]);
      expect(snapshot().termFrequencies().get("都镇强")).to.equal(1);
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
