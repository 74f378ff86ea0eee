import { expect } from "chai";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { queryTerms } from "../../src/analysis/analyze.js";
import { fold } from "../../src/analysis/fold.js";
import type { IndexSnapshot } from "../../src/index/index-reader.js";
import { parseQuery, type Atom } from "../../src/search/query-parser.js";
import { SORT_ORDERS, type SortOrder } from "../../src/search/rank.js";
import { listOccurrences, search, type SearchResult } from "../../src/search/search.js";
import { forAll, type Random } from "../support/random.js";
import { buildTempIndex, indexOfRecords, type FixtureRecord } from "../support/temp-index.js";

// End to end over a real index: the fixture records are written to a temporary seeds directory,
// indexed with buildIndex and opened with openIndex, then searched. Every expectation is checked
// against a brute-force scan of the records' folded text (the oracle), plus a few hand-written ids.

const FIXTURE = path.join(process.cwd(), "test/fixtures/unit-search.jsonl");

interface Doc extends FixtureRecord {
  /** fold(title + "\n" + body): the text phrases are matched in. */
  folded: string;
  foldedTitle: string;
}

const RECORDS: Doc[] = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => {
    const record = JSON.parse(line) as FixtureRecord;
    return { ...record, folded: fold(`${record.title}\n${record.body}`), foldedTitle: fold(record.title) };
  });

// ---- the oracle: the documented semantics, by scanning every record ----

/** The strings an atom requires in its field: a phrase as typed, a word's jieba terms (or itself when it has none). */
function needlesOf(atom: Atom): string[] {
  const folded = fold(atom.text).trim();
  const terms = queryTerms(folded);
  return atom.kind === "phrase" || terms.length === 0 ? [folded] : [...new Set(terms)];
}

function atomHolds(doc: Doc, atom: Atom): boolean {
  const text = atom.field === "title" ? doc.foldedTitle : doc.folded;
  return needlesOf(atom).every((needle) => (atom.kind === "words" ? holdsAsWord(text, needle) : text.includes(needle)));
}

/** A query word's Latin ends must not continue into Latin letters or digits of the text (xi is not in vexiq). */
function holdsAsWord(text: string, needle: string): boolean {
  const latin = /[a-z0-9]/;
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const before = latin.test(needle.charAt(0)) ? "(?<![a-z0-9])" : "";
  const after = latin.test(needle.charAt(needle.length - 1)) ? "(?![a-z0-9])" : "";
  return new RegExp(`${before}${escaped}${after}`).test(text);
}

interface Expected {
  ids: string[];
  relaxed: boolean;
}

function oracle(query: string): Expected {
  const { required, excluded, filters } = parseQuery(query);
  const passes = (doc: Doc): boolean => {
    if (filters.author.length > 0 && !(doc.authors ?? []).some((a) => filters.author.map(fold).includes(fold(a)))) return false;
    if (filters.source.length > 0 && !filters.source.map(fold).includes(fold(doc.source))) return false;
    const day = doc.date?.slice(0, 10);
    if (filters.date && (!day || day < filters.date.from || day > filters.date.to)) return false;
    return !excluded.some((atom) => atomHolds(doc, atom));
  };
  const groupHolds = (doc: Doc, group: Atom[]): boolean => group.some((atom) => atomHolds(doc, atom));
  const hasEveryItem = RECORDS.filter((doc) => required.every((group) => groupHolds(doc, group)));
  if (hasEveryItem.length > 0 || required.length === 1) return { ids: hasEveryItem.filter(passes).map((doc) => doc.id).sort(), relaxed: false };
  // Relaxed: no record has every group (filters and exclusions aside); any group will do.
  const some = RECORDS.filter((doc) => passes(doc) && required.some((group) => groupHolds(doc, group)));
  return { ids: some.map((doc) => doc.id).sort(), relaxed: true };
}

/** Where `needle` occurs, counted as a reader counts: non-overlapping, left to right. */
function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

// ---- helpers ----

function quoted(text: string): string | undefined {
  for (const [open, close] of [
    ['"', '"'],
    ["“", "”"],
    ["「", "」"],
  ] as const) {
    if (!text.includes(close)) return `${open}${text}${close}`;
  }
  return undefined;
}

const ids = (result: SearchResult): string[] => result.hits.map((hit) => hit.article.id);
const sortedIds = (result: SearchResult): string[] => ids(result).sort();

/** A random 2–8 character piece of one line of a record, not cutting a surrogate pair, not starting or ending in a space. */
function randomPiece(random: Random, text: string): string | undefined {
  const line = random.pick(text.split("\n"));
  const length = random.int(2, 8);
  if (line.length < length) return undefined;
  const start = random.int(0, line.length - length);
  const piece = line.slice(start, start + length);
  if (/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(piece)) return undefined;
  if (piece.trim() !== piece || fold(piece).trim() !== fold(piece)) return undefined;
  return piece;
}

describe("search (end to end over a temporary index)", function () {
  this.timeout(30_000);
  let snapshot: IndexSnapshot;
  let root: string;

  const run = (query: string, options: { page?: number; size?: number; sort?: SortOrder } = {}): SearchResult =>
    search(snapshot, { query, page: options.page ?? 1, size: options.size ?? 100, sort: options.sort ?? "relevance" });

  before(async function () {
    this.timeout(60_000); // includes loading jieba's dictionaries
    ({ snapshot, root } = await buildTempIndex((seedsDir) => cpSync(FIXTURE, path.join(seedsDir, "unit-search.jsonl"))));
    expect(snapshot.size).to.equal(RECORDS.length);
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe("quoted phrases against a brute-force scan of the folded text", () => {
    /** Checks one phrase search against the scan; returns how many records hold the phrase. */
    function checkPhrase(typed: string, field: "any" | "title"): number {
      const needle = fold(typed);
      const query = quoted(typed);
      if (query === undefined) return 0;
      const result = run(field === "title" ? `title:${query}` : query);
      const holders = RECORDS.filter((doc) => (field === "title" ? doc.foldedTitle : doc.folded).includes(needle));
      const occurrences = holders.reduce((sum, doc) => sum + countOccurrences(field === "title" ? doc.foldedTitle : doc.folded, needle), 0);
      const label = `${field === "title" ? "title:" : ""}${query}`;
      expect(sortedIds(result), label).to.deep.equal(holders.map((doc) => doc.id).sort());
      expect(result.total, label).to.equal(holders.length);
      expect(result.relaxed, label).to.equal(false);
      expect(result.phrases, label).to.deep.equal([{ phrase: needle, field, articles: holders.length, occurrences }]);
      if (field === "title") return holders.length;
      // Every highlighted range covers display text that folds to the phrase (offsets are shared).
      let highlighted = 0;
      for (const hit of result.hits) {
        for (const range of hit.titleMatches) expect(fold(hit.article.title.slice(range.start, range.end)), label).to.equal(needle);
        for (const range of hit.bodyMatches) expect(fold(hit.body.slice(range.start, range.end)), label).to.equal(needle);
        highlighted += hit.titleMatches.length + hit.bodyMatches.length;
      }
      expect(highlighted, `${label}: highlighted occurrences`).to.equal(occurrences);
      // The occurrence list agrees with the count, one entry per occurrence.
      const listed = listOccurrences(snapshot, { query, page: 1, size: 1000, sort: "relevance" });
      expect({ articles: listed.articles, total: listed.total }, `${label}: occurrence list`).to.deep.equal({ articles: holders.length, total: occurrences });
      expect(listed.occurrences, label).to.have.length(occurrences);
      // Past its page the list only counts: the total is the same from a page of one.
      expect(listOccurrences(snapshot, { query, page: 1, size: 1, sort: "relevance" }).total, `${label}: counted past the page`).to.equal(occurrences);
      return holders.length;
    }

    it("finds exactly the records whose folded title + body holds a random piece of a record, with exact counts", () => {
      let checked = 0;
      forAll(300, (random) => {
        const doc = random.pick(RECORDS);
        const piece = randomPiece(random, `${doc.title}\n${doc.body}`);
        if (piece === undefined) return;
        // As displayed (full-width, traditional, upper case) or as folded: the same records either way.
        checkPhrase(random.bool() ? piece : fold(piece), "any");
        checked++;
      });
      expect(checked).to.be.greaterThan(200);
    });

    it("finds nothing, or exactly the right records, for pieces glued from two records (candidates are verified)", () => {
      forAll(200, (random) => {
        const a = randomPiece(random, random.pick(RECORDS).body);
        const b = randomPiece(random, random.pick(RECORDS).body);
        if (a === undefined || b === undefined) return;
        checkPhrase(a + b, "any");
      });
    });

    it("counts title: phrases in headlines only", () => {
      let checked = 0;
      forAll(150, (random) => {
        const piece = randomPiece(random, random.pick(RECORDS).title);
        if (piece === undefined) return;
        checkPhrase(piece, "title");
        checked++;
      });
      expect(checked).to.be.greaterThan(50);
      expect(run('title:"复工复产"').phrases).to.deep.equal([{ phrase: "复工复产", field: "title", articles: 2, occurrences: 2 }]);
    });

    it("verifies candidates: 工复工 has both bigrams of 复工复产 but occurs nowhere", () => {
      const result = run('"工复工"');
      expect(result).to.include({ total: 0, relaxed: false });
      expect(result.phrases).to.deep.equal([{ phrase: "工复工", field: "any", articles: 0, occurrences: 0 }]);
      expect(sortedIds(run('"工复"'))).to.deep.equal(["s01", "s02", "s03", "s12"]);
    });

    it("finds exactly the right records for 3–4 character strings whose every bigram occurs in the corpus", () => {
      const pairsOf = (line: string): string[] => Array.from({ length: Math.max(0, line.length - 1) }, (_, i) => line.slice(i, i + 2));
      const bigrams = [...new Set(RECORDS.flatMap((doc) => doc.folded.split("\n").flatMap(pairsOf)))];
      const byFirst = new Map<string, string[]>();
      for (const pair of bigrams) byFirst.set(pair[0]!, [...(byFirst.get(pair[0]!) ?? []), pair]);
      let found = 0;
      forAll(300, (random) => {
        let needle = random.pick(bigrams);
        for (let more = random.int(1, 2); more > 0; more--) {
          const next = byFirst.get(needle.at(-1)!);
          if (next) needle += random.pick(next)[1];
        }
        if (needle.length < 3 || /[\uD800-\uDFFF]|^\s|\s$/.test(needle)) return;
        if (checkPhrase(needle, "any") > 0) found++;
      });
      expect(found, "some strings occur, so both outcomes are checked").to.be.greaterThan(20);
    });

    it("matches a phrase across jieba word boundaries: 的防疫知 in 权威的防疫知识讲座", () => {
      expect(queryTerms("权威的防疫知识讲座")).not.to.include("的防疫知");
      const result = run('"的防疫知"');
      expect(ids(result)).to.deep.equal(["s05"]);
      expect(result.phrases[0]).to.include({ articles: 1, occurrences: 1 });
    });

    it("matches full-width text with an ASCII phrase and the reverse: (新闻联播), ＣＯＶＩＤ－１９", () => {
      expect(ids(run('"(新闻联播)"'))).to.deep.equal(["s03"]);
      expect(run('"(新闻联播)"').phrases[0]).to.include({ articles: 1, occurrences: 2 });
      expect(sortedIds(run('"ＣＯＶＩＤ－１９"'))).to.deep.equal(["s03", "s08"]);
      expect(sortedIds(run('"covid-19"'))).to.deep.equal(["s03", "s08"]);
    });

    it("counts repeated phrases without overlaps: 疫情疫情疫情 holds 疫情疫情 once", () => {
      expect(run('"疫情疫情"').phrases[0]).to.include({ articles: 1, occurrences: 1 });
      expect(run('"疫情防控"').phrases[0]).to.include({ articles: 3, occurrences: 6 });
    });

    it("treats <script> as text to find, in titles and bodies", () => {
      const result = run('"<script>"');
      expect(ids(result)).to.deep.equal(["s06"]);
      expect(result.phrases[0]).to.include({ articles: 1, occurrences: 2 });
      expect(result.hits[0]!.titleMatches).to.deep.equal([{ start: 0, end: 8, key: 0 }]);
    });

    it("finds astral characters: 😀 and 𠀀", () => {
      expect(ids(run('"留言😀点赞"'))).to.deep.equal(["s10"]);
      expect(ids(run("𠀀"))).to.deep.equal(["s10"]);
    });

    it("counts a phrase within the filters, and over the whole archive beside it", () => {
      const result = run('"复工复产" date:2020-03-10..2020-03-12');
      expect(sortedIds(result)).to.deep.equal(["s01", "s02"]);
      expect(result.phrases[0]).to.deep.include({ articles: 2, occurrences: 2, archive: { articles: 4, occurrences: 4 } });
      expect(run('"复工复产"').phrases[0], "no filters, no second figure").to.not.have.property("archive");
    });

    it("counts random phrases within random filters as a brute-force scan does, and the archive's figure as without them", () => {
      const filters = ["source:qilu", "source:cctv-xwlb", "author:王尚磊", "date:2020-03", "date:2020-04..", "date:..2020-02", "author:张红 date:2020"];
      let checked = 0;
      forAll(200, (random) => {
        const piece = randomPiece(random, random.pick(RECORDS).body);
        const phrase = piece === undefined ? undefined : quoted(piece);
        if (phrase === undefined) return;
        const filter = random.pick(filters);
        const needle = fold(piece!);
        const { filters: parsed } = parseQuery(`x ${filter}`);
        const kept = RECORDS.filter((doc) => {
          const day = doc.date?.slice(0, 10);
          if (parsed.source.length > 0 && !parsed.source.includes(doc.source)) return false;
          if (parsed.author.length > 0 && !(doc.authors ?? []).some((author) => parsed.author.map(fold).includes(fold(author)))) return false;
          return !parsed.date || (day !== undefined && day >= parsed.date.from && day <= parsed.date.to);
        });
        const count = (docs: Doc[]): { articles: number; occurrences: number } => {
          const holders = docs.filter((doc) => doc.folded.includes(needle));
          return { articles: holders.length, occurrences: holders.reduce((sum, doc) => sum + countOccurrences(doc.folded, needle), 0) };
        };
        const query = `${phrase} ${filter}`;
        expect(run(query).phrases, query).to.deep.equal([{ phrase: needle, field: "any", ...count(kept), archive: count(RECORDS) }]);
        checked++;
      });
      expect(checked).to.be.greaterThan(100);
    });
  });

  describe("query semantics", () => {
    const cases: Array<[query: string, expected: string[]]> = [
      ["复工复产", ["s01", "s02", "s03", "s12"]],
      ["复工 复产", ["s01", "s02", "s03", "s12"]],
      ["疫情 OR 扶贫 防控", ["s03", "s04", "s09"]],
      ["疫情 -扶贫", ["s03", "s04"]],
      ["复产 -title:复工", ["s02", "s03"]],
      ['复工 -"复工复产"', ["s09"]],
      ["title:复工", ["s01", "s12"]],
      ["title:知识讲座", ["s05"]],
      ["知识讲座", ["s05"]],
      ["author:王尚磊 代表", ["s07"]],
      ["author:張紅 疫情", ["s03"]],
      ["author:陈敏 代表", ["s07"]],
      ["source:qilu 疫情", ["s03", "s04"]],
      ["source:CCTV-XWLB 复工", ["s01", "s02", "s09", "s12"]],
      ["source:qilu source:xinhua 代表", ["s07"]],
      ["date:2020-03 复工", ["s01", "s02", "s09", "s12"]],
      ["date:2020-03-10..2020-03-12 复工", ["s01", "s02"]],
      ["date:..2019 代表", ["s07"]],
      ["date:2020 gdp", []],
      ["與會", ["s07"]],
      ["与会代表", ["s07"]],
      ["扶贫", ["s07", "s09"]],
      ["ＣＯＶＩＤ－１９", ["s03", "s08"]],
      ["GDP 3000", ["s08"]],
      ["潘希强", []],
      ["author:潘希强 讲座", ["s05"]],
      ["的", ["s05"]],
    ];

    for (const [query, expected] of cases) {
      it(`${query} → ${expected.join(", ") || "nothing"}`, () => {
        // As typed (no correction): the oracle reads the query language, not what a search offers instead.
        const result = search(snapshot, { query, page: 1, size: 100, sort: "relevance", correct: false });
        expect(sortedIds(result)).to.deep.equal(expected);
        expect(oracle(query).ids, "the oracle agrees").to.deep.equal(expected);
        expect(result.total).to.equal(expected.length);
      });
    }

    it("a byline's name that no text holds (潘希强) finds the stories under that byline, as a correction; nothing corrects the name", () => {
      const result = run("潘希强");
      expect({ ids: sortedIds(result), corrected: result.corrected }).to.deep.equal({ ids: ["s05"], corrected: { from: "潘希强", to: "作者:潘希强" } });
      const typed = search(snapshot, { query: "潘希强", page: 1, size: 10, sort: "relevance", correct: false });
      expect(typed.suggestions).to.deep.equal([{ query: "作者:潘希强", reason: "author", label: "只看 潘希强 署名的报道" }]);
      expect(run("潘希强 疫情").corrected, "his stories hold no 疫情: nothing to show instead").to.equal(undefined);
    });

    it("browses without words: filters alone list every record they keep, newest first on equal scores", () => {
      for (const query of ["date:2020-03", "author:王尚磊", "source:qilu -疫情", "date:2020-04-02"]) {
        const result = run(query);
        expect(sortedIds(result), query).to.deep.equal(oracle(query).ids);
        expect(result.total, query).to.be.above(0);
        const dates = result.hits.map((hit) => hit.article.date ?? "");
        expect(dates, query).to.deep.equal([...dates].sort().reverse());
      }
      expect(listOccurrences(snapshot, { query: "date:2020-03", page: 1, size: 10, sort: "relevance" })).to.deep.include({ total: 0, occurrences: [] });
    });

    it("agrees with the oracle on random queries (OR, -, title:, phrases, filters)", () => {
      const words = ["复工", "复产", "疫情", "防控", "扶贫", "讲座", "知识", "代表", "經濟", "與會", "ＣＯＶＩＤ", "gdp", "罕见", "新闻联播", "企业", "社区", "简报", "工作", "火星"];
      const phrases = ['"复工复产"', '"的防疫知"', "“疫情防控”", '"(新闻联播)"', '"<script>"'];
      const filters = ["source:qilu", "source:cctv-xwlb", "author:王尚磊", "date:2020-03", "date:2020-04..", "date:..2020-02"];
      const atom = (random: Random): string => (random.bool(0.2) ? "title:" : "") + (random.bool(0.2) ? random.pick(phrases) : random.pick(words));
      forAll(300, (random) => {
        const parts: string[] = [];
        for (let g = random.int(1, 3); g > 0; g--) {
          parts.push(random.bool(0.3) ? `${atom(random)} OR ${atom(random)}` : atom(random));
        }
        if (random.bool(0.3)) parts.push(`-${atom(random)}`);
        if (random.bool(0.3)) parts.push(random.pick(filters));
        const query = parts.join(" ");
        const expected = oracle(query);
        const result = run(query);
        expect({ ids: sortedIds(result), relaxed: result.relaxed }, query).to.deep.equal(expected);
        expect(result.total, query).to.equal(expected.ids.length);
        // The occurrence list counts past its page what it would list (one needle or several).
        const all = listOccurrences(snapshot, { query, page: 1, size: 10_000, sort: "relevance" });
        const pageTwo = listOccurrences(snapshot, { query, page: 2, size: 1, sort: "relevance" });
        expect(pageTwo.total, `${query}: occurrences counted past page 2`).to.equal(all.occurrences.length);
        expect(pageTwo.occurrences, `${query}: page 2 of one`).to.deep.equal(all.occurrences.slice(1, 2));
      });
    });
  });

  describe("relaxed fallback", () => {
    it("is off when some record has every required item", () => {
      const result = run("复工 复产");
      expect(result.relaxed).to.equal(false);
      expect(result.total).to.equal(4);
    });

    it("is on when no record has every item, and lists the records with some", () => {
      const result = run("知识 经济 罕见");
      expect(oracle("知识 经济 罕见").ids.length).to.be.greaterThan(0);
      expect(result.relaxed).to.equal(true);
      expect(sortedIds(result)).to.deep.equal(["s05", "s07", "s10", "s11"]);
      expect(result.total).to.equal(4);
    });

    it("is off for a single item that nothing matches: no results, nothing relaxed", () => {
      const result = run("火星探测");
      expect(result).to.include({ total: 0, relaxed: false });
      expect(result.hits).to.deep.equal([]);
    });

    it("is off when every item matches but exclusions remove those records: empty, not relaxed", () => {
      const result = run("疫情 防控 -疫情防控 -疫情 -防控");
      expect(result).to.include({ total: 0, relaxed: false });
    });

    it("keeps exclusions and filters in relaxed mode", () => {
      const result = run("知识 经济 罕见 -社区 date:2020");
      expect(result.relaxed).to.equal(true);
      expect(sortedIds(result)).to.deep.equal(["s10", "s11"]);
    });
  });

  describe("ranking", () => {
    it("puts records with the terms in the headline above records with them only in the body", () => {
      const order = ids(run("复工复产"));
      const headline = ["s01", "s12"];
      const bodyOnly = ["s02", "s03"];
      for (const top of headline) for (const below of bodyOnly) expect(order.indexOf(top)).to.be.lessThan(order.indexOf(below));
    });

    it("scores a record higher when a term repeats in it (s04: 疫情 ×5, 防控 ×4)", () => {
      expect(ids(run("疫情 防控"))[0]).to.equal("s04");
    });

    it("in relaxed mode, ranks records matching more items above records matching fewer", () => {
      const result = run("复工 复产 罕见");
      expect(result.relaxed).to.equal(true);
      const order = ids(result);
      expect(order.slice(0, 4).sort()).to.deep.equal(["s01", "s02", "s03", "s12"]);
      expect(order.slice(4).sort()).to.deep.equal(["s09", "s10"]);
      expect(ids(run("知识 经济 罕见"))[0]).to.equal("s11");
    });

    it("in relaxed mode, ranks more matched items first even against a headline match", () => {
      const order = ids(run("复工 复产 讲座"));
      expect(order.indexOf("s02")).to.be.lessThan(order.indexOf("s11"));
    });

    it("sort=newest lists newer records first, undated last, same day by score then id", () => {
      const query = "疫情 OR 复工 OR 代表 OR 讲座 OR gdp OR 脚本 OR 罕见";
      const byDate = run(query, { sort: "newest" });
      expect(byDate.total).to.equal(RECORDS.length);
      const dates = byDate.hits.map((hit) => hit.article.date ?? "");
      expect(dates).to.deep.equal([...dates].sort().reverse());
      expect(ids(byDate).at(-1)).to.equal("s08");
      expect(ids(byDate).slice(0, 3)).to.deep.equal(["s10", "s03", "s04"]);
      const byRelevance = run(query);
      expect(sortedIds(byRelevance)).to.deep.equal(sortedIds(byDate));
      expect(ids(byRelevance)).not.to.deep.equal(ids(byDate));
    });

    it("sort=oldest lists the first mention first, undated last, and the same records as newest", () => {
      const query = "疫情 OR 复工 OR 代表 OR 讲座 OR gdp OR 脚本 OR 罕见";
      const oldest = run(query, { sort: "oldest" });
      const dated = oldest.hits.filter((hit) => hit.article.date !== undefined).map((hit) => hit.article.date!);
      expect(dated).to.deep.equal([...dated].sort());
      expect(ids(oldest).at(-1)).to.equal("s08");
      expect(sortedIds(oldest)).to.deep.equal(sortedIds(run(query, { sort: "newest" })));
    });

    for (const sort of SORT_ORDERS) {
      it(`pages (sort=${sort}): page 2 continues page 1, no duplicates, total stable`, () => {
        const query = "疫情 OR 复工 OR 代表 OR 讲座 OR gdp OR 脚本 OR 罕见";
        const all = run(query, { sort });
        const paged: string[] = [];
        for (let page = 1; page <= 7; page++) {
          const result = run(query, { page, size: 2, sort });
          expect(result.total).to.equal(all.total);
          paged.push(...ids(result));
        }
        expect(paged).to.deep.equal(ids(all));
        expect(new Set(paged).size).to.equal(paged.length);
        expect(run(query, { page: 7, size: 2, sort }).hits).to.deep.equal([]);
      });
    }
  });

  describe("determinism", () => {
    it("returns identical output for the same query twice, also after other queries", () => {
      for (const query of ["复工复产", '"疫情防控" OR 扶贫', "知识 经济 罕见", "title:复工 -社区 date:2020"]) {
        const first = run(query);
        run("疫情 防控");
        expect(run(query), query).to.deep.equal(first);
        expect(run(query, { sort: "newest" }), query).to.deep.equal(run(query, { sort: "newest" }));
      }
    });
  });
});

describe("search paging beyond the proximity re-rank depth", function () {
  this.timeout(30_000);
  let snapshot: IndexSnapshot;
  let root: string;
  const RECORD_COUNT = 260;

  // More matches than the 200 re-ranked, with proximity bonuses large enough to reorder: every third
  // record holds 疫情防控 together (a bonus) but has a longer body (a lower BM25 score).
  before(async function () {
    this.timeout(60_000);
    const filler = "各地推进工作会议代表发言记者采访群众生活经济发展".repeat(3);
    const lines = Array.from({ length: RECORD_COUNT }, (_, i) => {
      const pad = filler.slice(0, i % 37);
      const body = i % 3 === 0 ? `疫情防控。${pad}${pad}` : `疫情，${pad}，防控`;
      const date = `2020-0${1 + (i % 9)}-1${i % 10}`;
      return JSON.stringify({ id: `g${String(i).padStart(3, "0")}`, title: `第${i}号简报`, body, source: "generated", date });
    });
    ({ snapshot, root } = await buildTempIndex((seedsDir) => writeFileSync(path.join(seedsDir, "generated.jsonl"), lines.join("\n"))));
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const sort of SORT_ORDERS) {
    // Regression: the re-rank covered the best max(200, page × size) hits, so a deeper page re-ranked
    // more of them than the earlier pages had, and paging repeated some hits and skipped others.
    it(`shows every hit exactly once over consecutive pages (sort=${sort})`, () => {
      const paged: string[] = [];
      for (let page = 1; page <= 6; page++) {
        const result = search(snapshot, { query: "疫情防控", page, size: 50, sort });
        expect(result.total).to.equal(RECORD_COUNT);
        paged.push(...result.hits.map((hit) => hit.article.id));
      }
      const onePage = search(snapshot, { query: "疫情防控", page: 1, size: RECORD_COUNT, sort }).hits.map((hit) => hit.article.id);
      expect(new Set(paged).size, "distinct hits over the pages").to.equal(RECORD_COUNT);
      expect(paged).to.deep.equal(onePage);
    });
  }
});

// Candidates that hold a word as an indexed word of the field skip the text check (needleCheck);
// that path starts at 64 candidates, which the fixture above never reaches.
describe("search: many candidates of a word, checked by the word index", () => {
  // 习近平 as a jieba word (title or body), only as a piece of other words (学习近平常心: 学习/近/平常心),
  // or with both of its bigrams apart (学习近况，接近平均): a candidate that does not hold it.
  const BODIES = ["习近平主席说", "学习近平常心", "温习近平时功课", "学习近况，接近平均", "各地推进工作"];
  const TITLES = ["会见习近平", "简报", "学习近况"];
  const records = Array.from({ length: 240 }, (_, i) => ({
    id: `w${String(i).padStart(3, "0")}`,
    title: `${TITLES[i % TITLES.length]!}${i}`,
    body: `${BODIES[(i * 7) % BODIES.length]!}。${BODIES[i % 2 === 0 ? 4 : (i * 3) % BODIES.length]!}`,
    source: "generated",
  }));
  const snapshot = indexOfRecords(records);

  for (const [query, holds] of [
    ["习近平", (r: (typeof records)[number]) => fold(`${r.title}\n${r.body}`).includes("习近平")],
    ["title:习近平", (r: (typeof records)[number]) => fold(r.title).includes("习近平")],
    ["习近平 学习", (r: (typeof records)[number]) => ["习近平", "学习"].every((word) => fold(`${r.title}\n${r.body}`).includes(word))],
  ] as const) {
    it(`${query}: exactly the records whose text holds it, as a word or not`, () => {
      const expected = records.filter(holds).map((record) => record.id).sort();
      expect(expected.length, "enough candidates for the word lookup").to.be.at.least(64);
      const found = search(snapshot(), { query, page: 1, size: records.length, sort: "relevance" }).hits.map((hit) => hit.article.id).sort();
      expect(found).to.deep.equal(expected);
    });
  }
});

// needleCandidates stops decoding posting lists that are many times longer than the candidates so
// far (中国 here), leaving a superset that the text check must narrow down exactly.
describe("search: a rare phrase beside a common bigram", () => {
  const records = Array.from({ length: 200 }, (_, i) => ({
    id: `c${String(i).padStart(3, "0")}`,
    title: `中国经济第${i}期`,
    body: i % 50 === 0 ? "罕见中国古籍展出。" : i % 50 === 1 ? "罕见中药材入市。" : "中国经济稳中向好。",
    source: "generated",
  }));
  const snapshot = indexOfRecords(records);

  it('"罕见中国": exactly the records holding it, counted exactly (罕见中药 has two of its bigrams)', () => {
    const result = search(snapshot(), { query: '"罕见中国"', page: 1, size: 100, sort: "relevance" });
    const expected = records.filter((record) => record.body.includes("罕见中国")).map((record) => record.id);
    expect(result.hits.map((hit) => hit.article.id).sort()).to.deep.equal(expected);
    expect(result.phrases).to.deep.equal([{ phrase: "罕见中国", field: "any", articles: expected.length, occurrences: expected.length }]);
  });
});

describe("search: Latin words match whole words, case and width folded", () => {
  const records = [
    { id: "l1", title: "Xi Jinping attends APEC meeting", body: "G20峰会在杭州举行。", source: "generated" },
    { id: "l2", title: "机器人大赛", body: "VEXIQ机器人比赛，xiaorong参加。G200型号。", source: "generated" },
    { id: "l3", title: "ＡＰＥＣ会议", body: "２０１９年亚太经合组织（APEC）会议。", source: "generated" },
    { id: "l4", title: "apecs and g20s", body: "英文复数不是同一个词。", source: "generated" },
  ];
  const snapshot = indexOfRecords(records);
  const found = (query: string): string[] => search(snapshot(), { query, page: 1, size: 10, sort: "relevance" }).hits.map((hit) => hit.article.id).sort();

  for (const [query, expected] of [
    ["Xi Jinping", ["l1"]],
    ["xi", ["l1"]],
    ["APEC", ["l1", "l3"]],
    ["ａｐｅｃ", ["l1", "l3"]],
    ["G20", ["l1"]],
    ["2019", ["l3"]],
    ["vexiq", ["l2"]],
  ] as const) {
    it(`${query} → ${expected.join(", ")}`, () => expect(found(query)).to.deep.equal(expected));
  }

  it("a quoted phrase still matches inside words, as typed", () => {
    expect(found('"xi"')).to.deep.equal(["l1", "l2"]);
  });

  it("highlights whole words only", () => {
    const hit = search(snapshot(), { query: "xi", page: 1, size: 10, sort: "relevance" }).hits[0]!;
    expect(hit.titleMatches.map(({ start, end }) => hit.article.title.slice(start, end))).to.deep.equal(["Xi"]);
  });
});
