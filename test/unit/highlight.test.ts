import { expect } from "chai";
import { ELLIPSIS, FRAGMENT_SEPARATOR, escapeHtml, highlightAll, highlightFragments } from "../../src/present/highlight.js";
import { clampRange, mergeMatches, selectFragments, type Fragment, type Match } from "../../src/present/snippet.js";
import type { TextRange } from "../../src/types.js";

/** Every occurrence of `word` in `text`, as matches of `key`. */
function find(text: string, word: string, key = 0): Match[] {
  const found: Match[] = [];
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    found.push({ start: at, end: at + word.length, key });
  }
  return found;
}

const whole = (text: string, matches: TextRange[]): Fragment[] => [
  { start: 0, end: text.length, matches, cutBefore: false, cutAfter: false },
];

describe("escapeHtml", () => {
  it("replaces & < > \" ' with entities and leaves everything else", () => {
    expect(escapeHtml(`a&b<c>d"e'f 中文😀`)).to.equal("a&amp;b&lt;c&gt;d&quot;e&#39;f 中文😀");
  });

  it("escapes an entity-looking text again, so it shows as typed", () => {
    expect(escapeHtml("&lt;")).to.equal("&amp;lt;");
  });
});

describe("highlightFragments", () => {
  it("shows angle brackets of the text as text, and marks the match inside them", () => {
    const text = "代表们审议<政府工作报告>，并提醒<script>alert('x')</script>不是代码。";
    expect(highlightFragments(text, whole(text, find(text, "政府工作报告")))).to.equal(
      "代表们审议&lt;<mark>政府工作报告</mark>&gt;，并提醒&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;不是代码。",
    );
  });

  it("merges overlapping and adjacent matches, given in any order, into one mark", () => {
    const text = "要稳住经济大盘。";
    const matches = [...find(text, "大盘"), ...find(text, "经济"), ...find(text, "稳住经济")];
    expect(highlightFragments(text, whole(text, matches))).to.equal("要<mark>稳住经济大盘</mark>。");
  });

  it("puts … where a fragment is cut and one ' … ' between fragments", () => {
    const text = "甲乙丙丁戊己庚辛壬癸";
    const fragments: Fragment[] = [
      { start: 1, end: 3, matches: [{ start: 2, end: 3 }], cutBefore: true, cutAfter: true },
      { start: 5, end: 7, matches: [], cutBefore: true, cutAfter: false },
      { start: 8, end: 9, matches: [{ start: 8, end: 9 }], cutBefore: false, cutAfter: true },
    ];
    expect(highlightFragments(text, fragments)).to.equal("…乙<mark>丙</mark> … 己庚 … <mark>壬</mark>…");
    expect(ELLIPSIS).to.equal("…");
    expect(FRAGMENT_SEPARATOR).to.equal(" … ");
  });

  it("clips a match to its fragment and ignores matches outside it", () => {
    const text = "一二三四五六七八";
    const fragments: Fragment[] = [
      { start: 2, end: 5, matches: [{ start: 0, end: 1 }, { start: 4, end: 7 }], cutBefore: true, cutAfter: true },
    ];
    expect(highlightFragments(text, fragments)).to.equal("…三四<mark>五</mark>…");
  });

  it("marks a whole emoji when a match splits its surrogate pair", () => {
    const text = "庆祝🎉活动";
    expect(highlightFragments(text, whole(text, [{ start: 3, end: 5 }]))).to.equal("庆祝<mark>🎉活</mark>动");
    expect(highlightFragments(text, whole(text, [{ start: 1, end: 3 }]))).to.equal("庆<mark>祝🎉</mark>活动");
    expect(highlightAll(text, [{ start: 3, end: 3 }, { start: 2, end: 3 }])).to.deep.equal(['庆祝<mark id="m0">🎉</mark>活动']);
  });

  it("returns the empty string for no fragments", () => {
    expect(highlightFragments("正文", [])).to.equal("");
  });

  it("renders what selectFragments chose", () => {
    const text = "今年以来，我市经济运行总体平稳。\n市政府工作报告提出，要稳住经济大盘。";
    const html = highlightFragments(text, selectFragments(text, [...find(text, "经济", 0), ...find(text, "工作报告", 1)]));
    expect(html).to.equal("今年以来，我市<mark>经济</mark>运行总体平稳。\n市政府<mark>工作报告</mark>提出，要稳住<mark>经济</mark>大盘。");
  });
});

describe("highlightAll", () => {
  it("returns one piece per paragraph and numbers the marks across paragraphs", () => {
    const text = "经济<运行>平稳。\n\n投资与经济";
    const html = highlightAll(text, [...find(text, "经济"), ...find(text, "投资")]);
    expect(html).to.deep.equal([
      '<mark id="m0">经济</mark>&lt;运行&gt;平稳。',
      "",
      '<mark id="m1">投资</mark>与<mark id="m2">经济</mark>',
    ]);
  });

  it("uses the id prefix given, escaped", () => {
    expect(highlightAll("经济", find("经济", "经济"), "t")).to.deep.equal(['<mark id="t0">经济</mark>']);
    expect(highlightAll("经济", find("经济", "经济"), '"x')).to.deep.equal(['<mark id="&quot;x0">经济</mark>']);
  });

  it("continues a match over a line break with a plain mark, keeping the numbers dense", () => {
    const text = "甲乙\n丙丁";
    expect(highlightAll(text, [{ start: 1, end: 4 }, { start: 4, end: 5 }, { start: 0, end: 0 }])).to.deep.equal([
      '甲<mark id="m0">乙</mark>',
      "<mark>丙丁</mark>",
    ]);
    expect(highlightAll(text, [{ start: 1, end: 2 }, { start: 3, end: 4 }])).to.deep.equal([
      '甲<mark id="m0">乙</mark>',
      '<mark id="m1">丙</mark>丁',
    ]);
  });

  it("still gives a match made only of a line break its numbered (empty) mark", () => {
    expect(highlightAll("甲\n乙", [{ start: 1, end: 2 }, { start: 2, end: 3 }])).to.deep.equal([
      "甲",
      '<mark id="m0">乙</mark>',
    ]);
    expect(highlightAll("甲\n乙", [{ start: 1, end: 2 }])).to.deep.equal(["甲", '<mark id="m0"></mark>乙']);
  });

  it("gives empty text one empty paragraph", () => {
    expect(highlightAll("", [{ start: 0, end: 3 }])).to.deep.equal([""]);
  });
});

// --- properties over random texts -------------------------------------------------------------

/** mulberry32: a tiny seeded generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const PIECES = ["经", "济", "投", "资", "新", "闻", "<", ">", "&", '"', "'", "。", "，", "！", "”", "\n", " ", "\u3000", "😀", "a", "&lt;"];

function randomCase(next: () => number): { text: string; matches: Match[]; maxFragments: number; targetLength: number } {
  const int = (below: number) => Math.floor(next() * below);
  let text = "";
  for (let count = int(400); count > 0; count--) text += PIECES[int(PIECES.length)];
  const matches: Match[] = [];
  for (let count = int(12); count > 0; count--) {
    // Some matches run past the text or split a surrogate pair on purpose.
    const start = int(text.length + 4) - 2;
    matches.push({ start, end: start + int(9), key: int(4) });
  }
  return { text, matches, maxFragments: 1 + int(4), targetLength: 10 + int(120) };
}

/** The HTML read back: the visible text, which of its units are marked, the ids of the marks, and what is wrong with it. */
function parse(html: string): { plain: string; marked: boolean[]; ids: string[]; problems: string[] } {
  let plain = "";
  const marked: boolean[] = [];
  const ids: string[] = [];
  const problems: string[] = [];
  let inside = false;
  const token = /<mark(?: id="([^"<>&]*)")?>|<\/mark>|&(amp|lt|gt|quot|#39);|[\s\S]/g;
  const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };
  for (let found = token.exec(html); found; found = token.exec(html)) {
    const [raw, id, entity] = found;
    if (raw.startsWith("<mark")) {
      if (inside) problems.push(`a mark inside a mark at ${found.index}`);
      inside = true;
      if (id !== undefined) ids.push(id);
    } else if (raw === "</mark>") {
      if (!inside) problems.push(`a </mark> without its <mark> at ${found.index}`);
      inside = false;
    } else {
      if (`<>"'&`.includes(raw)) problems.push(`unescaped ${raw} at ${found.index}`);
      plain += entity === undefined ? raw : entities[entity]!;
      marked.push(inside);
    }
  }
  if (inside) problems.push("an unclosed mark");
  // The random texts hold whole emoji only, so a lone surrogate between tags means a mark split a pair.
  for (const piece of html.split(/<[^>]*>/)) if (LONE_SURROGATE.test(piece)) problems.push(`a split surrogate pair in ${piece}`);
  return { plain, marked, ids, problems };
}

/** Whether text unit `at` lies in one of the (clamped) matches. */
const covered = (text: string, matches: readonly TextRange[], at: number) =>
  matches.some((match) => {
    const { start, end } = clampRange(text, match);
    return start <= at && at < end;
  });

describe("snippets and highlights of random texts", () => {
  const CASES = 400;

  it("select sorted, disjoint, pair-safe fragments holding whole merged matches", () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { text, matches, maxFragments, targetLength } = randomCase(random(seed));
      const fragments = selectFragments(text, matches, { maxFragments, targetLength });
      const ranges = mergeMatches(text, matches);
      const context = `seed ${seed}`;
      expect(fragments.length, context).to.be.at.most(maxFragments);
      if (ranges.length === 0) {
        expect(fragments.length, context).to.equal(text.trim().length === 0 ? 0 : 1);
      }
      fragments.forEach((fragment, index) => {
        expect(fragment.start, context).to.be.lessThan(fragment.end);
        expect(fragment.start, context).to.be.at.least(index === 0 ? 0 : fragments[index - 1]!.end + 1);
        expect(fragment.end, context).to.be.at.most(text.length);
        expect(LONE_SURROGATE.test(text.slice(fragment.start, fragment.end)), context).to.equal(false);
        const inside = ranges.filter((range) => range.start < fragment.end && fragment.start < range.end);
        // Each merged match is wholly inside or wholly outside, and the fragment lists exactly those inside.
        expect(fragment.matches, context).to.deep.equal(inside);
        for (const range of inside) expect(range.start >= fragment.start && range.end <= fragment.end, context).to.equal(true);
        if (ranges.length > 0) expect(fragment.matches.length, context).to.be.greaterThan(0);
      });
    }
  });

  it("give back exactly the fragment texts, escape every character and mark every match", () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { text, matches, maxFragments, targetLength } = randomCase(random(seed));
      const fragments = selectFragments(text, matches, { maxFragments, targetLength });
      const html = highlightFragments(text, fragments);
      const { plain, marked, ids, problems } = parse(html);
      const context = `seed ${seed}: ${html}`;
      expect(problems, context).to.deep.equal([]);
      expect(ids, context).to.deep.equal([]);

      const first = fragments[0];
      const last = fragments.at(-1);
      const before = first?.cutBefore ? ELLIPSIS : "";
      const pieces = fragments.map((fragment) => text.slice(fragment.start, fragment.end));
      expect(plain, context).to.equal(before + pieces.join(FRAGMENT_SEPARATOR) + (last?.cutAfter ? ELLIPSIS : ""));

      // Marked exactly where a match covers the text, in every fragment.
      let offset = before.length;
      for (const fragment of fragments) {
        const expected: boolean[] = [];
        for (let at = fragment.start; at < fragment.end; at++) expected.push(covered(text, matches, at));
        expect(marked.slice(offset, offset + expected.length), context).to.deep.equal(expected);
        offset += expected.length + FRAGMENT_SEPARATOR.length;
      }
      expect(html.includes("</mark><mark>"), context).to.equal(false);
    }
  });

  it("highlightAll gives back the whole text by paragraphs, with every match marked and numbered", () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { text, matches } = randomCase(random(seed));
      const paragraphs = highlightAll(text, matches, "m");
      const read = paragraphs.map(parse);
      const context = `seed ${seed}: ${paragraphs.join("¶")}`;
      expect(read.flatMap((paragraph) => paragraph.problems), context).to.deep.equal([]);
      expect(read.map((paragraph) => paragraph.plain).join("\n"), context).to.equal(text);
      // Line breaks are between paragraphs, outside any mark.
      const marked = read.flatMap((paragraph) => [...paragraph.marked, false]).slice(0, text.length);
      const expected = [...Array(text.length).keys()].map((at) => text[at] !== "\n" && covered(text, matches, at));
      expect(marked, context).to.deep.equal(expected);
      const count = mergeMatches(text, matches).length;
      expect(read.flatMap((paragraph) => paragraph.ids), context).to.deep.equal(Array.from({ length: count }, (_, n) => `m${n}`));
    }
  });
});
