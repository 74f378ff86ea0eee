import { expect } from "chai";
import { ngramKeys, needleKeys, NgramIndex, NgramIndexBuilder } from "../../src/index/ngram-index.js";
import { runToEnd } from "../../src/search/budget.js";
import { ASCII, ASTRAL, CJK, forAll, type Random } from "../support/random.js";

const unigram = (ch: string): number => ch.charCodeAt(0);
const bigram = (pair: string): number => ((pair.charCodeAt(0) << 16) | pair.charCodeAt(1)) >>> 0;

function build(texts: readonly string[]): NgramIndex {
  const builder = new NgramIndexBuilder();
  for (const text of texts) builder.add(text);
  return NgramIndex.fromBuffer(builder.serialize());
}

/** Documents whose text holds `needle` inside one line: what the index must never miss. */
function docsContaining(texts: readonly string[], needle: string): number[] {
  return texts.flatMap((text, doc) => (text.split("\n").some((line) => line.includes(needle)) ? [doc] : []));
}

/** A random corpus: few distinct characters, so keys are shared between documents. */
function randomCorpus(random: Random): string[] {
  const alphabet = [...random.string(CJK, 6), ...random.string(ASCII, 3), random.pick(ASTRAL), "\n"];
  const docs: string[] = [];
  const count = random.int(0, 25);
  for (let i = 0; i < count; i++) docs.push(random.string(alphabet, random.int(0, 30)));
  return docs;
}

/** Every unigram and bigram key of the corpus, plus keys no document has. */
function keysOf(texts: readonly string[]): number[] {
  const keys = new Set<number>([unigram("无"), bigram("无有")]);
  for (const text of texts) for (const key of ngramKeys(text)) keys.add(key);
  return [...keys];
}

describe("ngram-index", () => {
  describe("keys", () => {
    it("has every character and every adjacent pair, but no pair across a line break", () => {
      expect([...ngramKeys("疫情\n防控")]).to.deep.equal([unigram("疫"), unigram("情"), bigram("疫情"), unigram("防"), unigram("控"), bigram("防控")]);
    });

    it("a needle's keys are its distinct bigrams, or its one character", () => {
      expect(needleKeys("疫")).to.deep.equal([unigram("疫")]);
      expect(needleKeys("防疫知识")).to.deep.equal([bigram("防疫"), bigram("疫知"), bigram("知识")]);
      expect(needleKeys("哈哈哈")).to.deep.equal([bigram("哈哈")]);
    });
  });

  describe("build → serialize → fromBuffer", () => {
    it("round-trips a small corpus: postings are the sorted documents holding the key", () => {
      const index = build(["防疫知识", "知识讲座\n防疫", "covid-19 防疫", ""]);
      expect([...index.postings(bigram("防疫"))]).to.deep.equal([0, 1, 2]);
      expect([...index.postings(bigram("知识"))]).to.deep.equal([0, 1]);
      expect([...index.postings(bigram("座\n"))]).to.deep.equal([]);
      expect([...index.postings(unigram("c"))]).to.deep.equal([2]);
      expect(index.docCount(bigram("知识"))).to.equal(2);
      expect(index.docCount(bigram("无有"))).to.equal(0);
      expect([...index.postings(bigram("无有"))]).to.deep.equal([]);
    });

    it("lists the characters of the documents, and the characters that follow one, with their document counts", () => {
      const index = build(["缓中趋稳", "缓解压力", "缓中向好", "延缓"]);
      const followers: Array<[string, number]> = [];
      index.forEachFollower("缓".charCodeAt(0), (second, docs) => followers.push([String.fromCharCode(second), docs]));
      expect(followers).to.deep.equal([["中", 2], ["解", 1]]);
      const characters = new Map<string, number>();
      index.forEachCharacter((unit, docs) => characters.set(String.fromCharCode(unit), docs));
      expect(characters.get("缓")).to.equal(4);
      expect(characters.get("中")).to.equal(2);
      expect(characters.size).to.equal(new Set("缓中趋稳缓解压力缓中向好延缓").size);
      index.forEachFollower("无".charCodeAt(0), () => expect.fail("无 is in no document"));
    });

    it("lists the characters that precede one, in order, with the documents holding each pair (random corpora)", () => {
      const index = build(["缓中趋稳", "缓解压力", "缓中向好", "居中", "延缓"]);
      const table = runToEnd(index.predecessorsSteps(2));
      const predecessors: Array<[string, number]> = [];
      index.forEachPredecessor(table, "中".charCodeAt(0), (first, docs) => predecessors.push([String.fromCharCode(first), docs]));
      expect(predecessors).to.deep.equal([["居", 1], ["缓", 2]]);
      index.forEachPredecessor(table, "无".charCodeAt(0), () => expect.fail("无 is in no document"));
      forAll(100, (random) => {
        const texts = randomCorpus(random);
        const index = build(texts);
        const table = runToEnd(index.predecessorsSteps(random.int(1, 8)));
        // Code units, as the index keys them (an astral character is two).
        const units = [...new Set(texts.join("").split(""))].filter((unit) => unit !== "\n");
        for (const second of units) {
          const expected = units
            .map((first) => [first.charCodeAt(0), index.docCount(bigram(first + second))])
            .filter(([, docs]) => docs! > 0)
            .sort((a, b) => a[0]! - b[0]!);
          const listed: number[][] = [];
          index.forEachPredecessor(table, second.charCodeAt(0), (first, docs) => listed.push([first, docs]));
          expect(listed, `before ${JSON.stringify(second)} in ${JSON.stringify(texts)}`).to.deep.equal(expected);
        }
      });
    });

    it("counts a document once however often it holds the key", () => {
      const index = build(["哈哈哈哈", "哈"]);
      expect([...index.postings(unigram("哈"))]).to.deep.equal([0, 1]);
      expect([...index.postings(bigram("哈哈"))]).to.deep.equal([0]);
      expect(index.keyCount).to.equal(2);
    });

    it("counts each document once for each key, across long documents and the short ones after them", () => {
      // A document's repeats are skipped by a table stamped with the document: long documents make
      // it grow, and the short ones after them must not take their stale slots for their own keys.
      const random = (seed: number) => () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 1) >>> 0) / 2 ** 32;
      const next = random(7);
      const text = (length: number, alphabet: number): string =>
        Array.from({ length }, () => String.fromCharCode(0x4e00 + Math.floor(next() * alphabet))).join("");
      const texts = [text(8_000, 300), text(40, 20), text(20_000, 3000), "", text(3, 5), text(9_000, 90), text(30, 300)];
      const index = build(texts);
      const keysByDoc = texts.map((text) => new Set(ngramKeys(text)));
      for (const key of keysOf(texts)) {
        const expected = keysByDoc.flatMap((keys, doc) => (keys.has(key) ? [doc] : []));
        expect([...index.postings(key)], `key ${key.toString(16)}`).to.deep.equal(expected);
      }
    });

    it("round-trips an empty index", () => {
      const index = build([]);
      expect(index.keyCount).to.equal(0);
      expect([...index.postings(unigram("a"))]).to.deep.equal([]);
    });

    it("encodes gaps at the varint byte boundaries (127, 128, 16383, 16384)", () => {
      const docs = [0, 127, 255, 256, 16_639, 33_023, 33_024];
      const wanted = new Set(docs);
      const builder = new NgramIndexBuilder();
      for (let doc = 0; doc <= docs.at(-1)!; doc++) builder.add(wanted.has(doc) ? "罕见" : "");
      expect([...NgramIndex.fromBuffer(builder.serialize()).postings(bigram("罕见"))]).to.deep.equal(docs);
    });

    it("gives every key the brute-force list of documents that contain it (random corpora)", () => {
      forAll(100, (random) => {
        const texts = randomCorpus(random);
        const index = build(texts);
        for (const key of keysOf(texts)) {
          const expected = texts.flatMap((text, doc) => (ngramKeys(text).includes(key) ? [doc] : []));
          expect([...index.postings(key)], `key ${key.toString(16)} in ${JSON.stringify(texts)}`).to.deep.equal(expected);
          expect(index.docCount(key)).to.equal(expected.length);
        }
      });
    });

    it("gives unigram and bigram postings equal to a substring scan (random corpora)", () => {
      forAll(150, (random) => {
        const texts = randomCorpus(random);
        const index = build(texts);
        for (let probe = 0; probe < 20; probe++) {
          const text = random.pick(texts.length > 0 ? texts : ["无有"]);
          const at = random.int(0, Math.max(0, text.length - 2));
          const needle = text.slice(at, at + random.int(1, 2));
          if (needle.length === 0 || needle.includes("\n")) continue;
          const key = needle.length === 1 ? unigram(needle) : bigram(needle);
          expect([...index.postings(key)], JSON.stringify(needle)).to.deep.equal(docsContaining(texts, needle));
        }
      });
    });

    it("proposes a superset of the documents containing any needle (intersection of its keys)", () => {
      forAll(100, (random) => {
        const texts = randomCorpus(random);
        const index = build(texts);
        for (let probe = 0; probe < 20; probe++) {
          const source = random.bool(0.8) && texts.length > 0 ? random.pick(texts) : random.string(CJK, 8);
          const at = random.int(0, Math.max(0, source.length - 1));
          const needle = source.slice(at, at + random.int(1, 8));
          if (needle.length === 0 || needle.includes("\n")) continue;
          const lists = needleKeys(needle).map((key) => new Set(index.postings(key)));
          const candidates = texts.map((_, doc) => doc).filter((doc) => lists.every((list) => list.has(doc)));
          expect(candidates, JSON.stringify(needle)).to.include.members(docsContaining(texts, needle));
        }
      });
    });
  });

  describe("damaged buffers", () => {
    const good = (): Buffer => {
      const builder = new NgramIndexBuilder();
      builder.add("防疫知识");
      builder.add("知识讲座");
      return builder.serialize();
    };

    it("refuses a buffer too short for the header", () => {
      expect(() => NgramIndex.fromBuffer(Buffer.alloc(0))).to.throw(/too short/);
      expect(() => NgramIndex.fromBuffer(good().subarray(0, 11))).to.throw(/too short/);
    });

    it("refuses a buffer that is not an n-gram index (bad magic number)", () => {
      const bytes = good();
      bytes.write("JSON", 0, "latin1");
      expect(() => NgramIndex.fromBuffer(bytes)).to.throw(/bad magic/);
      expect(() => NgramIndex.fromBuffer(Buffer.from('{"not":"an index"}'))).to.throw(/bad magic/);
    });

    it("refuses a truncated buffer, and one with bytes appended, naming both sizes", () => {
      const bytes = good();
      expect(() => NgramIndex.fromBuffer(bytes.subarray(0, bytes.length - 1))).to.throw(
        `truncated: ${bytes.length - 1} bytes, expected ${bytes.length}`,
      );
      expect(() => NgramIndex.fromBuffer(bytes.subarray(0, 16))).to.throw(/truncated/);
      expect(() => NgramIndex.fromBuffer(Buffer.concat([bytes, Buffer.from([0])]))).to.throw(/truncated/);
    });

    it("refuses a header whose key count does not fit the buffer", () => {
      const bytes = good();
      bytes.writeUInt32LE(0xffffffff, 4);
      expect(() => NgramIndex.fromBuffer(bytes)).to.throw(/truncated/);
    });

    it("reads a buffer at an odd offset of a larger one (alignment)", () => {
      const bytes = good();
      const shifted = Buffer.concat([Buffer.from([1]), bytes]).subarray(1);
      expect([...NgramIndex.fromBuffer(shifted).postings(bigram("知识"))]).to.deep.equal([0, 1]);
    });
  });
});
