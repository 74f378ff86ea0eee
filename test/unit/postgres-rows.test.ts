import { expect } from "chai";
import { grams, phraseGrams } from "../../src/index/postgres-rows.js";
import { ASCII, ASTRAL, CJK, forAll } from "../support/random.js";

/** Does any line of the text hold the phrase (the gram index never joins lines)? */
const holds = (text: string, phrase: string): boolean => text.split("\n").some((line) => line.includes(phrase));

describe("postgres-rows: the gram codes of the phrase index", () => {
  it("gives a unit and a pair different codes, all of them 32-bit integers", () => {
    const codes = grams("中国\n国中😀");
    // 中, 国, 中国 | 国, 中, 国中, the two surrogates of 😀 and their pair, 中 + the high surrogate
    expect(codes).to.have.length(8);
    for (const code of codes) expect(code).to.equal(code | 0);
    expect(new Set(codes).size).to.equal(codes.length);
  });

  it("an article holds a phrase of one or two UTF-16 units exactly when its grams do, and a longer one only if they do", () => {
    const pieces = [...CJK.slice(0, 6), ...ASCII.slice(0, 4), ...ASTRAL, "\n"];
    forAll(300, (random) => {
      const text = random.string(pieces, random.int(0, 40));
      const held = new Set(grams(text));
      for (let i = 0; i < 20; i++) {
        const phrase = random.string(pieces.slice(0, -1), random.int(1, 3));
        const proposed = phraseGrams(phrase).every((code) => held.has(code));
        if (phrase.length <= 2) expect(proposed, `${JSON.stringify(phrase)} in ${JSON.stringify(text)}`).to.equal(holds(text, phrase));
        else if (holds(text, phrase)) expect(proposed, `${JSON.stringify(phrase)} in ${JSON.stringify(text)}`).to.equal(true);
      }
    });
  });
});
