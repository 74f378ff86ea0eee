import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Budget, runToEnd } from "../../src/search/budget.js";
import { matchesInArticleSteps, search, type SearchResult } from "../../src/search/search.js";
import { parseSynonyms, SynonymTable, synonyms, useSynonyms } from "../../src/search/synonyms.js";
import { indexOfRecords } from "../support/temp-index.js";

const records = [
  { id: "e1", title: "央行发布报告", body: "央行表示将保持流动性合理充裕。", source: "generated" },
  { id: "e2", title: "中国人民银行发布通知", body: "中国人民银行今天发布通知。", source: "generated" },
  { id: "e3", title: "Xi Jinping met delegates", body: "The meeting was held in Beijing.", source: "generated" },
  ...Array.from({ length: 4 }, (_, i) => ({ id: `x${i}`, title: `习近平主持会议${i}`, body: "习近平强调，要坚决打赢脱贫攻坚战。", source: "generated" })),
  ...Array.from({ length: 3 }, (_, i) => ({ id: `t${i}`, title: `脱贫攻坚报道${i}`, body: "各地推进脱贫攻坚工作。", source: "generated" })),
];

describe("query expansion: synonyms and pinyin", () => {
  const snapshot = indexOfRecords(records);
  const run = (query: string): SearchResult => search(snapshot(), { query, page: 1, size: 50, sort: "relevance" });
  const ids = (query: string): string[] => run(query).hits.map((hit) => hit.article.id);

  it("央行 also finds 中国人民银行 (shipped list), the literal match first, and says so", () => {
    const result = run("央行");
    expect(result.expansions).to.deep.equal([{ from: "央行", to: ["中国人民银行"], reason: "synonym" }]);
    expect(ids("央行")).to.deep.equal(["e1", "e2"]);
    expect(ids("中国人民银行"), "both ways").to.deep.equal(["e2", "e1"]);
  });

  it("an article page marks what the search also looked for: synonyms and Chinese readings of pinyin", () => {
    const marked = (id: string, query: string) => {
      const doc = snapshot().findArticle(id)!;
      const { titleMatches, bodyMatches, expansions } = runToEnd(matchesInArticleSteps(snapshot(), doc, query, Budget.unlimited()));
      const article = { title: snapshot().meta(doc).title, body: snapshot().body(doc) };
      return { texts: [...titleMatches.map((m) => article.title.slice(m.start, m.end)), ...bodyMatches.map((m) => article.body.slice(m.start, m.end))], expansions };
    };
    expect(marked("e2", "央行")).to.deep.equal({ texts: ["中国人民银行", "中国人民银行"], expansions: [{ from: "央行", to: ["中国人民银行"], reason: "synonym" }] });
    expect(marked("x0", "xijinping")).to.deep.equal({ texts: ["习近平", "习近平"], expansions: [{ from: "xijinping", to: ["习近平"], reason: "pinyin" }] });
    expect(marked("e1", '"央行"').expansions, "a quoted phrase adds nothing").to.deep.equal([]);
  });

  it("a quoted phrase is not expanded", () => {
    expect(run('"央行"').expansions).to.deep.equal([]);
    expect(ids('"央行"')).to.deep.equal(["e1"]);
  });

  for (const [query, literal] of [
    ["xijinping", []],
    ["XiJinping", []],
    ["xi jinping", ["e3"]],
  ] as const) {
    it(`${query} finds 习近平${literal.length ? ", after the literal match" : ""}`, () => {
      const result = run(query);
      expect(result.expansions.map(({ to, reason }) => ({ to, reason }))).to.deep.equal([{ to: ["习近平"], reason: "pinyin" }]);
      const found = ids(query);
      expect(found.slice(0, literal.length)).to.deep.equal(literal);
      expect(found.slice(literal.length).sort()).to.deep.equal(["x0", "x1", "x2", "x3"]);
    });
  }

  it("tuopin gongjian and the initials tpgj find 脱贫攻坚 (two words that stand together)", () => {
    for (const query of ["tuopin gongjian", "tpgj"]) {
      expect(run(query).expansions[0]?.to, query).to.deep.equal(["脱贫攻坚"]);
      expect(ids(query).sort(), query).to.deep.equal(["t0", "t1", "t2", "x0", "x1", "x2", "x3"]);
    }
  });

  it("leaves Latin words that read as nothing alone", () => {
    expect(run("meeting").expansions).to.deep.equal([]);
    expect(ids("meeting")).to.deep.equal(["e3"]);
  });
});

describe("synonyms file", () => {
  it("reads groups, skips comments and blank lines, links a word in two groups", () => {
    const groups = parseSynonyms("# 注释\n央行 = 中国人民银行\n\n人行 = 中国人民银行  # 旧称\n", "synonyms.txt");
    expect(groups).to.deep.equal([
      ["央行", "中国人民银行"],
      ["人行", "中国人民银行"],
    ]);
    const table = new SynonymTable(groups);
    expect(table.alternatives("中国人民银行").sort()).to.deep.equal(["人行", "央行"]);
    expect(table.alternatives("ＣＯＶＩＤ-19"), "unknown").to.deep.equal([]);
  });

  it("refuses a malformed line, naming the file and line", () => {
    expect(() => parseSynonyms("央行 = 中国人民银行\n央行\n", "synonyms.txt")).to.throw(/synonyms\.txt:2: '央行' is not a synonym group/);
    expect(() => parseSynonyms("央 行 = 人民银行\n", "synonyms.txt")).to.throw(/synonyms\.txt:1:/);
  });

  it("the operator's file adds to the shipped list", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zh-news-synonyms-"));
    try {
      writeFileSync(path.join(dir, "synonyms.txt"), "两会 = 全国两会\n");
      useSynonyms(path.join(dir, "synonyms.txt"));
      expect(synonyms().alternatives("两会")).to.deep.equal(["全国两会"]);
      expect(synonyms().alternatives("covid-19").sort()).to.deep.equal(["新冠肺炎", "新型冠状病毒肺炎"]);
    } finally {
      useSynonyms(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
