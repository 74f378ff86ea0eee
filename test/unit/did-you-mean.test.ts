import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseQuery } from "../../src/search/query-parser.js";
import { QueryTooExpensiveError } from "../../src/errors.js";
import { Budget, runSlice, runToEnd } from "../../src/search/budget.js";
import { correctionFor, countPhrase, dateSuggestions } from "../../src/search/did-you-mean.js";
import { wordHolders } from "../../src/search/phrase-check.js";
import { search, type SearchRequest } from "../../src/search/search.js";
import { Vocabulary } from "../../src/search/vocabulary.js";
import { indexOfRecords, type FixtureRecord } from "../support/temp-index.js";

// test/fixtures/xwlb-sample.jsonl: 69 stories of the xwlb corpus (bodies cut to about 400
// characters) chosen for holding 习近平, 脱贫攻坚, 新冠肺炎, 疫情防控, 李克强, APEC or G20.
const SAMPLE: FixtureRecord[] = readFileSync(path.join(process.cwd(), "test/fixtures/xwlb-sample.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as FixtureRecord);
const RECORDS: FixtureRecord[] = [
  ...SAMPLE,
  // A story with a typo in it: the typed words then find something, and the correction is only offered.
  { id: "typo-1", title: "一则简讯", body: "习进平说，会议开幕。", source: "generated" },
  ...Array.from({ length: 50 }, (_, i) => ({ id: `g${i}`, title: `简讯${i}`, body: "习近平说，会议开幕。", source: "generated" })),
];
/** What a query that finds nothing found. */
const NOTHING = { total: 0, relaxed: false };
const holding = (word: string): string[] => RECORDS.filter((record) => `${record.title}\n${record.body}`.includes(word)).map((record) => record.id);

describe("vocabulary: homophones, pinyin and completions", () => {
  const vocabulary = new Vocabulary(
    new Map([
      ["习近平", 500],
      ["学习", 300],
      ["攻坚", 80],
      ["共建", 120],
      ["肺炎", 90],
      ["李克强", 60],
      ["脱贫", 70],
      ["罕见词", 1], // below the vocabulary's minimum count
      ["covid", 40], // not Chinese
    ]),
  );

  it("finds words read the same, tones ignored, but not the word itself", () => {
    expect(vocabulary.homophones("习进平").map((entry) => entry.word)).to.deep.equal(["习近平"]);
    expect(vocabulary.homophones("功坚").map((entry) => entry.word).sort()).to.deep.equal(["共建", "攻坚"]);
    expect(vocabulary.homophones("习近平")).to.deep.equal([]);
  });

  it("finds words by whole pinyin and by initials; rare and non-Chinese words are not in it", () => {
    expect(vocabulary.wordsForPinyin("xijinping", false)).to.deep.equal([{ word: "习近平", count: 500 }]);
    expect(vocabulary.wordsForPinyin("lkq", true)).to.deep.equal([{ word: "李克强", count: 60 }]);
    expect(vocabulary.count("罕见词")).to.equal(0);
    expect(vocabulary.count("covid")).to.equal(0);
  });

  it("completes Chinese and pinyin prefixes, most frequent first", () => {
    expect(vocabulary.completions("习", undefined, 5).map((entry) => entry.word)).to.deep.equal(["习近平"]);
    expect(vocabulary.completions("", "x", 5).map((entry) => entry.word)).to.deep.equal(["习近平", "学习"]);
    expect(vocabulary.completions("", "g", 1).map((entry) => entry.word)).to.deep.equal(["共建"]);
  });
});

describe("did you mean (on a sample of the corpus)", () => {
  const snapshot = indexOfRecords(RECORDS);
  const run = (query: string, options: Partial<SearchRequest> = {}) => search(snapshot(), { query, page: 1, size: 100, sort: "relevance", ...options });
  const ids = (query: string, options: Partial<SearchRequest> = {}): string[] => run(query, options).hits.map((hit) => hit.article.id).sort();

  it("习近瓶 finds nothing: the results are those of 习近平, a homophone, marked as corrected", () => {
    const result = run("习近瓶");
    expect(result.corrected).to.deep.equal({ from: "习近瓶", to: "习近平" });
    expect(ids("习近瓶")).to.deep.equal(holding("习近平").sort());
  });

  it("习近瓶 讲话 would relax: the corrected query's full matches are shown instead", () => {
    const typed = run("习近瓶 讲话", { correct: false });
    expect(typed.relaxed, "as typed, no story has both").to.equal(true);
    expect(typed.suggestions).to.deep.equal([{ query: "习近平 讲话", reason: "homophone" }]);
    const result = run("习近瓶 讲话");
    expect(result.corrected?.to).to.equal("习近平 讲话");
    expect(result.relaxed).to.equal(false);
  });

  it("脱贫功坚 → 脱贫攻坚 (the piece 功坚, judged in context: 共建 reads the same but not after 脱贫)", () => {
    expect(run("脱贫功坚").corrected?.to).to.equal("脱贫攻坚");
    expect(ids("脱贫功坚")).to.deep.equal(holding("脱贫攻坚").sort());
  });

  it("新冠肺灾 → 新冠肺炎, a one-character typo", () => {
    expect(runToEnd(correctionFor(snapshot(), "新冠肺灾", parseQuery("新冠肺灾"), NOTHING, Budget.unlimited()))?.replacements).to.deep.equal([{ from: "新冠肺灾", to: "新冠肺炎", reason: "typo" }]);
  });

  it("is paced by the request's budget: judging corrections pauses between counts and stops when the budget is spent", () => {
    const query = "脱贫功坚";
    const expected = runToEnd(correctionFor(snapshot(), query, parseQuery(query), NOTHING, Budget.unlimited()));
    expect(expected?.query).to.equal("脱贫攻坚");
    // Every clock read ends the slice: it pauses, and still finds the same correction.
    const budget = new Budget(Infinity, 1);
    const steps = correctionFor(snapshot(), query, parseQuery(query), NOTHING, budget);
    let pauses = 0;
    let done: ReturnType<typeof runSlice<typeof expected>>;
    while (!(done = runSlice(steps, budget, -1))) pauses++;
    expect(done.value).to.deep.equal(expected);
    expect(pauses).to.be.greaterThan(2);
    expect(() => runToEnd(correctionFor(snapshot(), query, parseQuery(query), NOTHING, new Budget(-1, 1)))).to.throw(QueryTooExpensiveError);
  });

  it("a rare word that some article holds is searched as typed, and a much more common one read the same is offered (习进平说: one story has it)", () => {
    for (const query of ["习进平说", "习进平"]) {
      const result = run(query);
      expect(result.corrected, query).to.equal(undefined);
      expect(result.hits.map((hit) => hit.article.id), query).to.deep.equal(["typo-1"]);
      expect(result.suggestions, query).to.deep.equal([{ query: query.replace("进", "近"), reason: "homophone" }]);
    }
  });

  it("a word no article holds, beside a common one: the correction's results", () => {
    const result = run("习近瓶 说");
    expect(result.corrected).to.deep.equal({ from: "习近瓶 说", to: "习近平 说" });
  });

  it("keeps the rest of the typed query: filters, other words and phrases", () => {
    expect(runToEnd(correctionFor(snapshot(), '"疫情" 习近瓶 date:2013..', parseQuery('"疫情" 习近瓶 date:2013..'), NOTHING, Budget.unlimited()))?.query).to.equal('"疫情" 习近平 date:2013..');
  });

  it("offers nothing for common words, quoted phrases or words the index has", () => {
    for (const query of ["习近平", "疫情防控", '"习进平"', "脱贫攻坚 习近平", "APEC"]) expect(run(query).suggestions, query).to.deep.equal([]);
  });

  it("searches as typed with correct: false", () => {
    const result = run("习近瓶", { correct: false });
    expect(result.total).to.equal(0);
    expect(result.corrected).to.equal(undefined);
    expect(result.suggestions).to.deep.equal([{ query: "习近平", reason: "homophone" }]);
  });
});

describe("one-character typos: candidates from the archive's text, judged with the rest of the query", () => {
  const filler = (i: number): string => `第${i}条消息`;
  const snapshot = indexOfRecords([
    // 缓中趋稳 is text, not a word of jieba's (缓/中/趋稳): no vocabulary could offer 缓中.
    ...Array.from({ length: 5 }, (_, i) => ({ id: `h${i}`, title: filler(i), body: "今年经济运行缓中趋稳。", source: "generated" })),
    // 最终 is common, and two stories have it beside 劫掠; three have 叛军 劫掠.
    ...Array.from({ length: 40 }, (_, i) => ({ id: `z${i}`, title: filler(i), body: "会谈最终取得成果。", source: "generated" })),
    ...Array.from({ length: 2 }, (_, i) => ({ id: `zl${i}`, title: filler(i), body: "劫掠事件最终平息。", source: "generated" })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: `p${i}`, title: filler(i), body: "叛军劫掠村庄。", source: "generated" })),
    // 传 and 组织 apart in 25 stories that have 总书记; 团组织 beside 总书记 in 5.
    ...Array.from({ length: 25 }, (_, i) => ({ id: `c${i}`, title: filler(i), body: "总书记强调宣传工作，各地组织学习。", source: "generated" })),
    ...Array.from({ length: 5 }, (_, i) => ({ id: `t${i}`, title: filler(i), body: "总书记勉励团组织服务青年。", source: "generated" })),
    // 脱壳 in one story, 脱贫 (one character away, a word) in 60.
    { id: "k0", title: filler(0), body: "企业改制脱壳重生。", source: "generated" },
    ...Array.from({ length: 60 }, (_, i) => ({ id: `f${i}`, title: filler(i), body: i < 3 ? "改制助力脱贫工作。" : "各地推进脱贫工作。", source: "generated" })),
  ]);
  const run = (query: string) => search(snapshot(), { query, page: 1, size: 100, sort: "relevance" });
  const ids = (query: string): string[] => run(query).hits.map((hit) => hit.article.id).sort();

  it("counts a word's articles exactly, or stops at `enough` when asked whether fewer hold it", () => {
    expect(countPhrase(snapshot(), "脱贫", "any")).to.equal(60);
    expect(countPhrase(snapshot(), "脱贫", "any", Budget.unlimited(), 20)).to.equal(20);
    expect(countPhrase(snapshot(), "脱壳", "any", Budget.unlimited(), 20)).to.equal(1);
    // Text across jieba's words is counted on the text.
    expect(wordHolders(snapshot(), "脱贫", "any")).to.equal(60);
    expect(wordHolders(snapshot(), "叛军劫", "any")).to.equal(0);
    expect(countPhrase(snapshot(), "叛军劫", "any", Budget.unlimited(), 20)).to.equal(3);
    expect(countPhrase(snapshot(), "叛军劫", "any", Budget.unlimited(), 2)).to.equal(3);
    expect(countPhrase(snapshot(), "脱贫", "title", Budget.unlimited(), 20)).to.equal(0);
  });

  it("缓南 趋稳 → 缓中 趋稳: a correction that jieba does not keep as a word", () => {
    expect(run("缓南 趋稳").corrected).to.deep.equal({ from: "缓南 趋稳", to: "缓中 趋稳" });
    expect(ids("缓南 趋稳")).to.deep.equal(["h0", "h1", "h2", "h3", "h4"]);
  });

  it("最军 劫掠 → 叛军 劫掠: the word that stands with the rest of the query, not the most common one", () => {
    const correction = runToEnd(correctionFor(snapshot(), "最军 劫掠", parseQuery("最军 劫掠"), NOTHING, Budget.unlimited()));
    expect(correction?.replacements).to.deep.equal([{ from: "最军", to: "叛军", reason: "typo" }]);
    expect(ids("最军 劫掠")).to.deep.equal(["p0", "p1", "p2"]);
  });

  it("传组织 总书记 finds 25 stories by 传 and 组织 apart: 传组织 is in none, so 团组织 总书记's are shown", () => {
    const typed = search(snapshot(), { query: "传组织 总书记", page: 1, size: 100, sort: "relevance", correct: false });
    expect(typed.total).to.equal(25);
    expect(typed.suggestions).to.deep.equal([{ query: "团组织 总书记", reason: "typo" }]);
    const result = run("传组织 总书记");
    expect(result.corrected).to.deep.equal({ from: "传组织 总书记", to: "团组织 总书记" });
    expect(ids("传组织 总书记")).to.deep.equal(["t0", "t1", "t2", "t3", "t4"]);
  });

  it("脱壳, in one story, is searched as typed; 脱贫, in 60 and one character away, is offered", () => {
    const result = run("脱壳");
    expect(result.hits.map((hit) => hit.article.id)).to.deep.equal(["k0"]);
    expect(result.suggestions).to.deep.equal([{ query: "脱贫", reason: "typo" }]);
  });

  it("a rare word beside the rest of the query is meant unless its correction finds ten times more with it (脱壳 改制: 3 脱贫 stories have 改制, not 10)", () => {
    const result = run("脱壳 改制");
    expect(result.hits.map((hit) => hit.article.id)).to.deep.equal(["k0"]);
    expect(result.suggestions).to.deep.equal([]);
  });

  it("offers nothing for a word one character away from nothing the archive holds", () => {
    expect(run("鑫鑫 趋稳").corrected).to.equal(undefined);
    expect(run("鑫鑫 趋稳").suggestions).to.deep.equal([]);
  });
});

describe("dates in words: offered as a filter, still searched as words", () => {
  const offered = (query: string) => dateSuggestions(query, parseQuery(query));

  for (const [query, filter, label] of [
    ["脱贫攻坚 2019", "date:2019", "只看 2019 年"],
    ["2019年", "date:2019", "只看 2019 年"],
    ["2018年3月 两会", "date:2018-03", "只看 2018 年 3 月"],
    ["２０２０年２月１日 疫情", "date:2020-02-01", "只看 2020 年 2 月 1 日"],
  ] as const) {
    it(`${query} → ${filter}`, () => expect(offered(query)).to.deep.equal([{ query: `${query} ${filter}`, reason: "date", label }]));
  }

  it("offers nothing for other numbers, impossible months, quoted dates, or a query that has a date filter", () => {
    for (const query of ["3000", "2019年13月", "G20", '"2019年"', "脱贫 2019 date:2020", "2019年的变化"]) expect(offered(query), query).to.deep.equal([]);
  });

  describe("end to end", () => {
    const snapshot = indexOfRecords([
      { id: "d1", title: "2019年脱贫攻坚成就", body: "2019年，脱贫攻坚取得决定性进展。", source: "generated", date: "2020-01-02" },
      { id: "d2", title: "脱贫攻坚年度报道", body: "今年脱贫攻坚工作。", source: "generated", date: "2019-06-01" },
    ]);
    it("the words stay searchable; the answer offers the filter", () => {
      const result = search(snapshot(), { query: "脱贫攻坚 2019", page: 1, size: 10, sort: "relevance" });
      expect(result.hits.map((hit) => hit.article.id)).to.deep.equal(["d1"]);
      expect(result.suggestions).to.deep.equal([{ query: "脱贫攻坚 2019 date:2019", reason: "date", label: "只看 2019 年" }]);
      const filtered = search(snapshot(), { query: "脱贫攻坚 date:2019", page: 1, size: 10, sort: "relevance" });
      expect(filtered.hits.map((hit) => hit.article.id)).to.deep.equal(["d2"]);
    });
  });
});
