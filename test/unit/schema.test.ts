import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";
import { FACET_FIELDS, FILTERS, KEYWORD_FIELDS, TEXT_FIELDS, VALUE_FILTERS } from "../../src/index/schema.js";
import { QUERY_FIELDS, parseQuery } from "../../src/search/query-parser.js";
import { search } from "../../src/search/search.js";

// The field tables drive the writer, the store, ranking, the query language and the filters: these
// tests check that every entry reaches each of them, by reading fields back through the index.

const RECORDS = [
  { id: "a", title: "春耕备耕", body: "各地春耕备耕有序推进。", source: "人民日报", date: "2019-04-27", authors: ["王尚磊", "张红"] },
  { id: "b", title: "乡村振兴", body: "乡村振兴战略扎实推进，春耕正忙。", source: "cctv-xwlb", date: "2020-03-15T19:00:00+08:00" },
  { id: "c", title: "无日期的稿件", body: "春耕。", source: "cctv-xwlb" },
];

describe("schema", () => {
  let root: string;
  let snapshot: IndexSnapshot;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-schema-"));
    mkdirSync(path.join(root, "seeds"));
    writeFileSync(path.join(root, "seeds", "day.jsonl"), RECORDS.map((record) => JSON.stringify(record)).join("\n"));
    await buildIndex({ seeds: [path.join(root, "seeds")], indexDir: path.join(root, "index") });
    snapshot = await openIndex(path.join(root, "index"), { verifyChecksums: true });
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it("names each field once", () => {
    const names = [...TEXT_FIELDS, ...KEYWORD_FIELDS].map(({ name }) => name);
    expect(new Set(names).size).to.equal(names.length);
  });

  it("gives every keyword field its values back from the index", () => {
    const doc = (id: string): number => snapshot.findArticle(id)!;
    const expected: Record<(typeof KEYWORD_FIELDS)[number]["name"], [string, string[]][]> = {
      author: [["a", ["王尚磊", "张红"]], ["b", []]],
      source: [["a", ["人民日报"]], ["b", ["cctv-xwlb"]]],
      date: [["a", ["2019-04-27"]], ["b", ["2020-03-15T19:00:00+08:00"]], ["c", []]],
      year: [["a", ["2019"]], ["b", ["2020"]], ["c", []]],
      month: [["a", ["2019-04"]], ["b", ["2020-03"]], ["c", []]],
      file: [["a", ["day.jsonl"]]],
    };
    for (const { name } of KEYWORD_FIELDS) {
      for (const [id, values] of expected[name]) expect(snapshot.keywordValues(doc(id), name), `${name} of ${id}`).to.deep.equal(values);
    }
  });

  it("counts the index terms of every text field, and ranks by each", () => {
    for (const { name } of TEXT_FIELDS) {
      expect(snapshot.averageTermCounts[name], name).to.be.above(1);
      for (const part of snapshot.parts) expect(part.termCounts[name], name).to.have.length(part.size);
    }
    const { hits } = search(snapshot, { query: "春耕", page: 1, size: 10, sort: "relevance" });
    expect(hits.map((hit) => hit.article.id)[0], "the headline weighs more").to.equal("a");
  });

  it("makes every filter a field of the query language, and every value filter a filter of the search", () => {
    expect(QUERY_FIELDS).to.deep.equal(["title", ...FILTERS.map(({ name }) => name)]);
    for (const name of VALUE_FILTERS) {
      const value = name === "author" ? "王尚磊" : "人民日报";
      expect(parseQuery(`春耕 ${name}:${value}`).filters[name], name).to.deep.equal([value]);
      const ids = search(snapshot, { query: `春耕 ${name}:${value}`, page: 1, size: 10, sort: "relevance" }).hits.map((hit) => hit.article.id);
      expect(ids, name).to.deep.equal(["a"]);
    }
    const dated = search(snapshot, { query: "春耕 date:2020-03", page: 1, size: 10, sort: "relevance" }).hits.map((hit) => hit.article.id);
    expect(dated).to.deep.equal(["b"]);
  });

  it("lists as facets the fields a reporter counts by", () => {
    expect(FACET_FIELDS).to.have.members(["year", "month", "source", "author"]);
  });
});
