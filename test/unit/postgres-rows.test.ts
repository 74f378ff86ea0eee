import { expect } from "chai";
import { chunkUnits, pairGrams, phraseGrams, TermPostings } from "../../src/index/postgres-rows.js";
import { ASCII, ASTRAL, CJK, forAll } from "../support/random.js";

/** Does any line of the text hold the phrase (the gram index never joins lines)? */
const holds = (text: string, phrase: string): boolean => text.split("\n").some((line) => line.includes(phrase));

describe("postgres-rows: the gram codes and unit postings of the phrase index", () => {
  it("gives each pair of units one 32-bit code, and joins no pair across a line break", () => {
    const codes = [...pairGrams("中国\n国中😀")];
    // 中国 | 国中, 中 + the high surrogate, the two surrogates of 😀
    expect(codes).to.have.length(4);
    for (const code of codes) expect(code).to.equal(code | 0);
    expect(new Set(codes).size).to.equal(codes.length);
    expect(codes, "ascending").to.deep.equal([...codes].sort((a, b) => a - b));
    expect(codes).to.include.members(phraseGrams("中国"));
    expect(codes).not.to.include.members(phraseGrams("国国"));
  });

  it("lists each unit's articles once and in order, line breaks aside", () => {
    const { units, counts, docs } = chunkUnits([
      { doc: 3, folded: "中国\n中" },
      { doc: 5, folded: "国" },
      { doc: 9, folded: "\n" },
    ]);
    expect([...units]).to.deep.equal(["中".charCodeAt(0), "国".charCodeAt(0)].sort((a, b) => a - b));
    const listOf = (unit: string): number[] => {
      const at = [...units].indexOf(unit.charCodeAt(0));
      const from = [...counts].slice(0, at).reduce((sum, count) => sum + count, 0);
      return [...docs.slice(from, from + counts[at]!)];
    };
    expect(listOf("中")).to.deep.equal([3]);
    expect(listOf("国")).to.deep.equal([3, 5]);
  });

  it("an article holds a phrase of one or two UTF-16 units exactly when its unit postings or grams do, and a longer one only if its grams do", () => {
    const pieces = [...CJK.slice(0, 6), ...ASCII.slice(0, 4), ...ASTRAL, "\n"];
    forAll(300, (random) => {
      const text = random.string(pieces, random.int(0, 40));
      const held = new Set(pairGrams(text));
      const units = new Set(chunkUnits([{ doc: 0, folded: text }]).units);
      for (let i = 0; i < 20; i++) {
        const phrase = random.string(pieces.slice(0, -1), random.int(1, 3));
        const proposed = phrase.length === 1 ? units.has(phrase.charCodeAt(0)) : phraseGrams(phrase).every((code) => held.has(code));
        if (phrase.length <= 2) expect(proposed, `${JSON.stringify(phrase)} in ${JSON.stringify(text)}`).to.equal(holds(text, phrase));
        else if (holds(text, phrase)) expect(proposed, `${JSON.stringify(phrase)} in ${JSON.stringify(text)}`).to.equal(true);
      }
    });
  });

  it("counts each field's terms per article as a JSON object, and packs every term's articles in order with their frequencies and lengths", () => {
    // More terms than the counters' first size (1,024), and terms that JSON must escape.
    const vocabulary = [...Array.from({ length: 1_500 }, (_, i) => `词${i}`), '"', "\\", "a\tb"];
    forAll(20, (random) => {
      const postings = new TermPostings(1);
      const expected = new Map<string, Array<[number, number, number]>>();
      for (let doc = random.int(0, 3); doc < 60; doc += random.int(1, 3)) {
        const terms = Array.from({ length: random.int(0, 40) }, () => vocabulary[random.int(0, random.int(0, 1) === 0 ? 5 : vocabulary.length - 1)]!);
        const tf = new Map<string, number>();
        for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
        expect(JSON.parse(postings.count(1, doc, terms))).to.deep.equal(Object.fromEntries(tf));
        for (const [term, count] of tf) expected.set(term, [...(expected.get(term) ?? []), [doc, count, terms.length]]);
      }
      const [title, body] = postings.pack();
      expect(title!.terms).to.equal("");
      const packed = new Map<string, Array<[number, number, number]>>();
      let at = 0;
      body!.terms.split("\0").forEach((term, t) => {
        const count = body!.counts[t]!;
        packed.set(term, Array.from({ length: count }, (_, i) => [body!.docs[at + i]!, body!.tfs[at + i]!, body!.lengths[at + i]!]));
        at += count;
      });
      expect(at).to.equal(body!.docs.length);
      expect(packed).to.deep.equal(expected);
    });
  });
});
