import { expect } from "chai";
import { HeadlineIndex, HeadlineIndexWriter } from "../../src/index/headline-index.js";
import { WordIndex, WordIndexBuilder, type FieldPostings } from "../../src/index/word-index.js";
import { ASCII, ASTRAL, CJK, forAll, type Random } from "../support/random.js";

type Documents = ReadonlyArray<readonly string[]>;

function build(docs: Documents): WordIndex {
  const builder = new WordIndexBuilder();
  docs.forEach((terms, doc) => builder.add(doc, terms));
  return WordIndex.fromBuffer(builder.serialize());
}

/** What FlexSearch round-trips through its export, as the index reader loads it. */
async function buildHeadlines(docs: Documents): Promise<HeadlineIndex> {
  const writer = new HeadlineIndexWriter();
  docs.forEach((terms, doc) => writer.add(doc, terms));
  const index = new HeadlineIndex();
  const chunks: Array<[string, string]> = [];
  await writer.export(async (name, data) => void chunks.push([name, data]));
  for (const [name, data] of chunks) index.import(name, data);
  return index;
}

const upTo = (count: number): number[] => Array.from({ length: count }, (_, doc) => doc);

/** [doc, tf] of the documents among `docs` (sorted, all documents by default) that hold `term`, in document order. */
function postingsOf(index: FieldPostings, term: string, docs: readonly number[] = upTo(64)): Array<[number, number]> {
  const list: Array<[number, number]> = [];
  const base = 7; // the caller's numbers are global: the index sees them minus its segment's base
  index.lookup(term).forEachIn(Uint32Array.from(docs, (doc) => doc + base), base, (doc, tf) => list.push([doc, tf]));
  return list.sort((a, b) => a[0] - b[0]);
}

function bruteForce(docs: Documents, term: string, maxTf: number): Array<[number, number]> {
  return docs.flatMap((terms, doc) => {
    const tf = terms.filter((t) => t === term).length;
    return tf > 0 ? [[doc, Math.min(tf, maxTf)] as [number, number]] : [];
  });
}

/** Terms that sort in every way code units can: prefixes of each other, ASCII, CJK, astral. */
function randomDocs(random: Random): string[][] {
  const vocabulary = Array.from({ length: random.int(1, 12) }, () => random.string([...CJK.slice(0, 4), ...ASCII.slice(0, 3), ASTRAL[0]!], random.int(1, 3)));
  return Array.from({ length: random.int(0, 30) }, () => Array.from({ length: random.int(0, 12) }, () => random.pick(vocabulary)));
}

describe("word-index (body postings) and headline-index (FlexSearch)", () => {
  it("round-trips documents, frequencies and document counts", () => {
    const index = build([["防疫", "知识", "防疫"], [], ["知识讲座", "知识", "讲座"], ["covid", "防疫"]]);
    expect(postingsOf(index, "防疫")).to.deep.equal([[0, 2], [3, 1]]);
    expect(postingsOf(index, "知识")).to.deep.equal([[0, 1], [2, 1]]);
    expect(index.lookup("知识").documentFrequency).to.equal(2);
    expect(index.lookup("知").documentFrequency).to.equal(0);
    expect(postingsOf(index, "知")).to.deep.equal([]);
    expect(postingsOf(index, "")).to.deep.equal([]);
    expect(index.termCount).to.equal(5);
  });

  it("keeps 100,000 distinct one- and two-unit terms apart, as the pair table grows past its first size", () => {
    // Term ids of one- and two-unit terms come from code-unit tables, not a Map: every term must
    // still get its own postings after the table has grown and rehashed several times.
    const pair = (k: number): string => String.fromCharCode(0x4e00 + (k % 300), 0x4e00 + Math.floor(k / 300));
    const docs = Array.from({ length: 1000 }, (_, doc) => [
      ...Array.from({ length: 100 }, (_, i) => pair(doc * 100 + i)),
      String.fromCharCode(0x4e00 + (doc % 50)),
      "三个字",
    ]);
    const index = build(docs);
    expect(index.termCount).to.equal(100_000 + 50 + 1);
    for (const k of [0, 1, 299, 300, 32_767, 32_768, 65_535, 99_999]) {
      expect(postingsOf(index, pair(k), upTo(1000)), pair(k)).to.deep.equal([[Math.floor(k / 100), 1]]);
    }
    expect(postingsOf(index, String.fromCharCode(0x4e00 + 7), upTo(1000))).to.deep.equal(upTo(20).map((i) => [7 + 50 * i, 1]));
    expect(index.lookup("三个字").documentFrequency).to.equal(1000);
  });

  it("round-trips an empty index", () => {
    const index = build([]);
    expect(index.termCount).to.equal(0);
    expect(index.lookup("防疫").documentFrequency).to.equal(0);
  });

  it("codes gaps and frequencies at the varint boundaries, capping tf at 255", () => {
    const builder = new WordIndexBuilder();
    const docs = [0, 63, 64, 8_255, 8_256, 40_000];
    const tfs = [1, 2, 127, 128, 255, 1_000];
    docs.forEach((doc, i) => builder.add(doc, Array<string>(tfs[i]!).fill("罕见")));
    expect(postingsOf(WordIndex.fromBuffer(builder.serialize()), "罕见", upTo(40_001))).to.deep.equal(docs.map((doc, i) => [doc, Math.min(tfs[i]!, 255)]));
  });

  it("finds the wanted documents of a long list through its skip points, whatever their spacing", () => {
    const builder = new WordIndexBuilder();
    const holders = Array.from({ length: 3_000 }, (_, i) => i * 3 + (i % 7 === 0 ? 1 : 0));
    for (const doc of holders) builder.add(doc, Array<string>((doc % 5) + 1).fill("常见"));
    const index = WordIndex.fromBuffer(builder.serialize());
    const tfOf = (doc: number): [number, number] => [doc, (doc % 5) + 1];
    forAll(60, (random) => {
      const wanted = random.sortedSet(9_100, random.pick([1, 2, 10, 300, 5_000]));
      const expected = wanted.filter((doc) => holders.includes(doc)).map(tfOf);
      expect(postingsOf(index, "常见", wanted), JSON.stringify(wanted.slice(0, 20))).to.deep.equal(expected);
    });
    expect(postingsOf(index, "常见", [holders.at(-1)!])).to.deep.equal([tfOf(holders.at(-1)!)]);
    expect(postingsOf(index, "常见", [holders[128]!, holders[256]!, holders[257]!])).to.deep.equal([holders[128]!, holders[256]!, holders[257]!].map(tfOf));
    expect(postingsOf(index, "常见", [9_500])).to.deep.equal([]);
  });

  it("refuses documents out of order", () => {
    const builder = new WordIndexBuilder();
    builder.add(3, ["a"]);
    expect(() => builder.add(3, ["b"])).to.throw(/out of order/);
    expect(() => builder.add(1 << 24, ["b"])).to.throw(/out of range/);
  });

  it("gives every term the brute-force documents and frequencies, among all or some documents, as FlexSearch does for headlines (random corpora)", async () => {
    const cases: Array<{ docs: string[][]; probes: string[] }> = [];
    forAll(120, (random) => {
      const docs = randomDocs(random);
      const probes = [...new Set(docs.flat()), "无", random.string(CJK, 2)];
      const index = build(docs);
      const some = random.sortedSet(docs.length + 2, random.int(0, docs.length + 2));
      for (const term of probes) {
        expect(postingsOf(index, term), `${term} in ${JSON.stringify(docs)}`).to.deep.equal(bruteForce(docs, term, 255));
        expect(postingsOf(index, term, some)).to.deep.equal(bruteForce(docs, term, 255).filter(([doc]) => some.includes(doc)));
        expect(index.lookup(term).documentFrequency).to.equal(bruteForce(docs, term, 255).length);
      }
      if (random.bool(0.25)) cases.push({ docs, probes });
    });
    for (const { docs, probes } of cases) {
      const headlines = await buildHeadlines(docs);
      for (const term of probes) {
        expect(postingsOf(headlines, term), `${term} in ${JSON.stringify(docs)}`).to.deep.equal(bruteForce(docs, term, 8));
        expect(postingsOf(headlines, term, [1, 2, 5])).to.deep.equal(bruteForce(docs, term, 8).filter(([doc]) => [1, 2, 5].includes(doc)));
        expect(headlines.lookup(term).documentFrequency).to.equal(bruteForce(docs, term, 8).length);
      }
    }
  });

  describe("damaged buffers", () => {
    const good = (): Buffer => {
      const builder = new WordIndexBuilder();
      builder.add(0, ["防疫", "知识"]);
      builder.add(1, ["知识"]);
      return builder.serialize();
    };

    it("refuses a short, foreign, truncated or extended buffer, saying which", () => {
      const bytes = good();
      expect(() => WordIndex.fromBuffer(bytes.subarray(0, 15))).to.throw(/too short/);
      expect(() => WordIndex.fromBuffer(Buffer.from('{"not":"a word index at all"}'))).to.throw(/bad magic/);
      expect(() => WordIndex.fromBuffer(bytes.subarray(0, bytes.length - 1))).to.throw(`truncated: ${bytes.length - 1} bytes, expected ${bytes.length}`);
      expect(() => WordIndex.fromBuffer(Buffer.concat([bytes, Buffer.from([0])]))).to.throw(/truncated/);
      bytes.writeUInt32LE(0xffffff, 4);
      expect(() => WordIndex.fromBuffer(bytes)).to.throw(/truncated/);
    });

    it("reads a buffer at an odd offset of a larger one (alignment)", () => {
      const shifted = Buffer.concat([Buffer.from([1]), good()]).subarray(1);
      expect(postingsOf(WordIndex.fromBuffer(shifted), "知识")).to.deep.equal([[0, 1], [1, 1]]);
    });
  });
});
