import { expect } from "chai";
import { mergeMatches, selectFragments, type Fragment, type Match } from "../../src/present/snippet.js";

/** Every occurrence of `word` in `text`, as matches of `key`. */
function find(text: string, word: string, key: number): Match[] {
  const found: Match[] = [];
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    found.push({ start: at, end: at + word.length, key });
  }
  return found;
}

const texts = (text: string, fragments: Fragment[]) => fragments.map((fragment) => text.slice(fragment.start, fragment.end));
const marked = (text: string, fragments: Fragment[]) =>
  fragments.map((fragment) => fragment.matches.map((range) => text.slice(range.start, range.end)));

// 36 units of text that no test searches for.
const FILLER = "城市建设稳步推进，各项工作有序开展。居民生活持续改善，社会大局保持稳定。";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("selectFragments", () => {
  describe("choosing windows", () => {
    it("picks the window with the most distinct keys among several, inside its paragraph", () => {
      const best = "市政府工作报告提出，要稳住经济大盘，扩大有效投资，促进消费回升。" + FILLER.repeat(2);
      const text = "今年以来，我市经济运行总体平稳。" + FILLER.repeat(3) + "\n" + best;
      const matches = [...find(text, "经济", 0), ...find(text, "投资", 1), ...find(text, "消费", 2)];
      const fragments = selectFragments(text, matches, { maxFragments: 1 });
      expect(texts(text, fragments)).to.deep.equal([best]);
      expect(fragments[0]!.matches.map((range) => text.slice(range.start, range.end))).to.deep.equal(["经济", "投资", "消费"]);
      expect(fragments[0]).to.include({ cutBefore: false, cutAfter: false });
    });

    it("prefers two different keys to one key repeated", () => {
      const repeated = "经济发展看经济，经济工作抓经济。";
      const varied = "当前经济形势总体向好，" + FILLER + "重点项目投资保持增长。";
      const text = repeated + FILLER.repeat(4) + "\n" + varied + FILLER.repeat(2);
      const matches = [...find(text, "经济", 0), ...find(text, "投资", 1)];
      const fragments = selectFragments(text, matches, { maxFragments: 1 });
      expect(marked(text, fragments)).to.deep.equal([["经济", "投资"]]);
      expect(text.slice(fragments[0]!.start).startsWith(varied)).to.equal(true);
    });

    it("after the first fragment, prefers a key not shown yet to more matches of shown keys", () => {
      const text = ["稳住经济大盘，扩大有效投资。", FILLER.repeat(4), "经济、经济、还是经济。", FILLER.repeat(4), "促进消费回升。"].join("\n");
      const matches = [...find(text, "经济", 0), ...find(text, "投资", 1), ...find(text, "消费", 2)];
      expect(marked(text, selectFragments(text, matches, { maxFragments: 2 }))).to.deep.equal([["经济", "投资"], ["消费"]]);
    });

    it("lets a short paragraph borrow context from its neighbours, snapped to their sentences", () => {
      const text = FILLER.repeat(3) + "\n促进消费回升。\n" + FILLER.repeat(3);
      const [fragment] = selectFragments(text, find(text, "消费", 0));
      expect(text.slice(fragment!.start, fragment!.end)).to.equal(FILLER.slice(18) + FILLER + "\n促进消费回升。\n" + FILLER + FILLER.slice(0, 18));
      expect(fragment).to.include({ cutBefore: false, cutAfter: false });
    });

    it("keeps at most maxFragments, returned in text order", () => {
      const words = ["甲方", "乙方", "丙方", "丁方", "戊方"];
      const text = words.map((word) => `${word}签订协议。${FILLER.repeat(4)}`).join("\n");
      const matches = words.flatMap((word, key) => find(text, word, key)).reverse();
      const fragments = selectFragments(text, matches);
      expect(fragments).to.have.length(3);
      expect(fragments.map((fragment) => fragment.start)).to.deep.equal([...fragments.map((fragment) => fragment.start)].sort((a, b) => a - b));
      expect(selectFragments(text, matches, { maxFragments: 0 })).to.deep.equal([]);
    });

    it("returns the same fragments for unsorted input, and ignores matches outside the text", () => {
      const text = "要稳住经济大盘，扩大有效投资。" + FILLER.repeat(5) + "促进消费回升，经济持续恢复。";
      const matches = [...find(text, "经济", 0), ...find(text, "投资", 1), ...find(text, "消费", 2)];
      const shuffled = [matches[3]!, matches[0]!, { start: text.length + 5, end: text.length + 9, key: 7 }, matches[2]!, matches[1]!];
      expect(selectFragments(text, shuffled)).to.deep.equal(selectFragments(text, matches));
    });

    it("gives a short text whole, as one fragment", () => {
      const text = "两会召开，代表热议经济。";
      expect(selectFragments(text, find(text, "经济", 0))).to.deep.equal([
        { start: 0, end: text.length, matches: [{ start: 9, end: 11 }], cutBefore: false, cutAfter: false },
      ]);
    });

    it("joins fragments that would touch", () => {
      const text = "经济运行平稳。" + "增长".repeat(60) + "。消费明显回升。";
      const matches = [...find(text, "经济", 0), ...find(text, "消费", 1)];
      const fragments = selectFragments(text, matches, { targetLength: 60 });
      expect(fragments).to.have.length(2);
      for (let index = 1; index < fragments.length; index++) {
        expect(fragments[index]!.start).to.be.greaterThan(fragments[index - 1]!.end);
      }
    });
  });

  describe("edges", () => {
    it("snaps both edges to sentence ends and keeps a fragment around 100–160 units", () => {
      const sentences = [
        "会议指出，今年以来全市上下攻坚克难，经济运行稳中向好。",
        "规模以上工业增加值同比增长百分之六点五，高于全省平均水平。",
        "固定资产投资保持较快增长，其中民间投资增速明显加快。",
        "社会消费品零售总额稳步回升，线上消费成为新的增长点！",
        "进出口总额再创新高，外贸结构持续优化；",
        "城乡居民收入稳定增长，民生保障更加有力。",
        "下一步要坚持稳中求进，全力以赴抓项目、促投资、稳就业？",
      ];
      const text = sentences.join("");
      const [fragment] = selectFragments(text, find(text, "线上消费", 0), { maxFragments: 1 });
      const shown = text.slice(fragment!.start, fragment!.end);
      expect(sentences.some((sentence) => shown.startsWith(sentence))).to.equal(true);
      expect(shown).to.match(/[。！？；]$/);
      expect(shown.length).to.be.within(100, 160);
      expect(fragment).to.include({ cutBefore: false, cutAfter: false });
    });

    it("ends after the closing quote of a quoted sentence", () => {
      const text = "他表示：“要稳住经济大盘，推动高质量发展。”" + FILLER.repeat(4);
      const [fragment] = selectFragments(text, find(text, "经济", 0), { targetLength: 30 });
      expect(text.slice(fragment!.start, fragment!.end)).to.equal("他表示：“要稳住经济大盘，推动高质量发展。”");
      expect(fragment!.cutAfter).to.equal(false);
    });

    it("falls back to clause ends and flags the cuts when no sentence end is near", () => {
      const clause = "各地区各部门认真贯彻落实党中央决策部署";
      const text = `${clause}，${clause}，${clause}，坚持稳中求进工作总基调，${clause}，${clause}，${clause}。`;
      const [fragment] = selectFragments(text, find(text, "稳中求进", 0), { targetLength: 40 });
      const shown = text.slice(fragment!.start, fragment!.end);
      expect(text[fragment!.start - 1]).to.equal("，");
      expect(shown.endsWith("，")).to.equal(true);
      expect(fragment).to.include({ cutBefore: true, cutAfter: true });
    });

    it("cuts inside a run of text with no punctuation at all, and says so", () => {
      const text = "经".repeat(200) + "投资" + "济".repeat(200);
      const [fragment] = selectFragments(text, find(text, "投资", 0));
      expect(fragment).to.include({ cutBefore: true, cutAfter: true });
      expect(fragment!.end - fragment!.start).to.be.within(100, 160);
    });

    it("skips the full-width indent that starts a paragraph", () => {
      const text = "第一段。\n\u3000\u3000扩大有效投资，" + FILLER.repeat(4);
      const [fragment] = selectFragments(text, find(text, "投资", 0));
      expect(text.slice(fragment!.start, fragment!.start + 6)).to.equal("扩大有效投资");
      expect(fragment!.cutBefore).to.equal(false);
    });

    it("never splits a surrogate pair, at a fragment edge or a match edge", () => {
      const text = "🎉".repeat(100) + "经济" + "🎉".repeat(100);
      const [fragment] = selectFragments(text, [{ start: 199, end: 202, key: 0 }]);
      expect(LONE_SURROGATE.test(text.slice(fragment!.start, fragment!.end))).to.equal(false);
      expect(fragment!.matches).to.deep.equal([{ start: 198, end: 202 }]);
      expect(mergeMatches("😀经济", [{ start: 1, end: 3 }])).to.deep.equal([{ start: 0, end: 3 }]);
    });
  });

  describe("matches", () => {
    it("merges overlapping and adjacent matches into one range", () => {
      const text = "要稳住经济大盘。";
      const matches: Match[] = [...find(text, "经济", 1), ...find(text, "稳住经济", 0), ...find(text, "大盘", 2)];
      expect(selectFragments(text, matches)[0]!.matches).to.deep.equal([{ start: 1, end: 7 }]);
    });

    it("drops empty matches", () => {
      expect(mergeMatches("经济", [{ start: 1, end: 1 }, { start: 2, end: 0 }])).to.deep.equal([]);
    });
  });

  describe("no match", () => {
    it("shows the opening of the text, snapped to a sentence end", () => {
      const text = "\u3000\u3000" + FILLER.repeat(5);
      const [fragment, ...rest] = selectFragments(text, []);
      expect(rest).to.deep.equal([]);
      expect(fragment).to.deep.equal({ start: 2, end: 2 + 7 * 18, matches: [], cutBefore: false, cutAfter: false });
    });

    it("returns nothing for empty or blank text", () => {
      expect(selectFragments("", [])).to.deep.equal([]);
      expect(selectFragments(" \n\u3000", [])).to.deep.equal([]);
    });
  });

  // Speed is measured by `npm run bench`, never asserted here; this checks the large case works.
  it("handles a long article with thousands of matches", () => {
    const words = ["经济", "投资", "消费", "就业", "改革", "开放", "创新", "民生"];
    const sentence = words.map((word, index) => `${word}${FILLER.slice(index, index + 10)}`).join("") + "。";
    const text = (sentence + "\n").repeat(Math.ceil(25_000 / (sentence.length + 1))).slice(0, 25_000);
    const matches = words.flatMap((word, key) => find(text, word, key));
    expect(matches.length).to.be.greaterThan(2_000);
    const fragments = selectFragments(text, matches);
    expect(fragments).to.have.length(3);
    for (const fragment of fragments) expect(fragment.end - fragment.start).to.be.within(60, 200);
  });
});
