import { expect } from "chai";
import { analyzerIdentity, ANALYZER_VERSION, documentTerms, queryTerms } from "../../src/analysis/analyze.js";
import { fold } from "../../src/analysis/fold.js";
import { ASCII, CJK, forAll, SPACES, TRADITIONAL } from "../support/random.js";

const STOP_WORDS = ["的", "了", "和", "是", "在", "与", "及", "等", "对", "也", "就", "都", "而", "之"];

// Golden segmentation of one folded sentence (charabia's TEXT / SEGMENTED / TOKENIZED habit). A change
// here means the dictionary or the rules changed: index and queries would no longer agree, so
// ANALYZER_VERSION must be bumped together with this table.
const TEXT = fold("權威的防疫知識講座，潘希强在會上說：2020年有3000人參加ＣＯＶＩＤ－１９防控。");
const DOCUMENT_TERMS = ["权威", "防疫", "知识", "讲座", "知识讲座", "潘希强", "会上", "说", "2020", "年", "有", "3000", "人", "参加", "covid", "19", "防控"];
const QUERY_TERMS = ["权威", "防疫", "知识讲座", "潘希强", "会上", "说", "2020", "年", "有", "3000", "人", "参加", "covid", "19", "防控"];

describe("analyze", () => {
  before(function () {
    this.timeout(20_000); // the first cut loads jieba's dictionaries
    queryTerms("预热");
  });

  it("cuts the golden sentence into the recorded document and query terms", () => {
    expect(TEXT).to.equal("权威的防疫知识讲座,潘希强在会上说:2020年有3000人参加covid-19防控。");
    expect(documentTerms(TEXT)).to.deep.equal(DOCUMENT_TERMS);
    expect(queryTerms(TEXT)).to.deep.equal(QUERY_TERMS);
  });

  it("keeps an unknown personal name whole (HMM on): 潘希强, not 潘/希/强", () => {
    expect(documentTerms("潘希强在会上说")).to.include("潘希强");
    expect(queryTerms("潘希强")).to.deep.equal(["潘希强"]);
  });

  it("gives documents the sub-words of long words (search mode): 防疫知识讲座 → 知识, 讲座, 知识讲座", () => {
    expect(documentTerms("防疫知识讲座")).to.include.members(["防疫", "知识", "讲座", "知识讲座"]);
  });

  it("does not expand a query word into overlapping sub-words (precise mode)", () => {
    expect(queryTerms("防疫知识讲座")).to.deep.equal(["防疫", "知识讲座"]);
    expect(queryTerms("中国人民解放军")).to.deep.equal(["中国人民解放军"]);
  });

  it("drops every stop word, alone and inside a sentence", () => {
    for (const word of STOP_WORDS) {
      expect(documentTerms(word), word).to.deep.equal([]);
      expect(queryTerms(word), word).to.deep.equal([]);
    }
    expect(documentTerms("我的朋友和你是在")).to.deep.equal(["我", "朋友", "你"]);
  });

  it("drops punctuation and spaces, Chinese and ASCII", () => {
    expect(documentTerms("，。！？、；：“”（）《》「」 \t\u3000")).to.deep.equal([]);
    expect(queryTerms(fold("（新闻联播）"))).to.deep.equal(["新闻联播"]);
    expect(documentTerms("会议，代表。")).to.deep.equal(["会议", "代表"]);
  });

  it("keeps numbers and ASCII words: 2020, 3000, covid, 3.5", () => {
    expect(documentTerms("2020年3000人")).to.include.members(["2020", "3000"]);
    expect(queryTerms(fold("ＣＯＶＩＤ－１９"))).to.deep.equal(["covid", "19"]);
    expect(queryTerms("增长3.5%")).to.deep.equal(["增长", "3.5"]);
  });

  it("never makes a term across a line break", () => {
    expect(documentTerms("知识\n讲座")).to.deep.equal(["知识", "讲座"]);
    expect(queryTerms("知识\n\n讲座")).to.deep.equal(["知识", "讲座"]);
  });

  it("returns nothing for empty or blank text", () => {
    expect(documentTerms("")).to.deep.equal([]);
    expect(queryTerms(" \n ")).to.deep.equal([]);
  });

  it("names the analyzer version and the segmenter in its identity", () => {
    const identity = analyzerIdentity();
    expect(identity.version).to.equal(ANALYZER_VERSION);
    expect(identity.segmenter.library).to.equal("nodejieba");
    expect(identity.segmenter.dictionaryHash).to.match(/^[0-9a-f]{64}$/);
  });

  describe("properties over random folded text", () => {
    const pieces = [...CJK, ...TRADITIONAL, ...ASCII, ...SPACES, "，", "。", "\n"];

    it("every term is a substring of the text, holds a letter or digit, and is no stop word", () => {
      forAll(300, (random) => {
        const text = fold(random.string(pieces, random.int(0, 30)));
        for (const term of [...documentTerms(text), ...queryTerms(text)]) {
          expect(text, JSON.stringify(term)).to.include(term);
          expect(term).to.match(/[\p{L}\p{N}]/u);
          expect(STOP_WORDS).not.to.include(term);
          expect(term).not.to.include("\n");
        }
      });
    });

    it("every query term of a text is also a document term of the same text (index and query agree)", () => {
      forAll(300, (random) => {
        const text = fold(random.string(pieces, random.int(0, 30)));
        expect(documentTerms(text), JSON.stringify(text)).to.include.members(queryTerms(text));
      });
    });
  });
});
