import { expect } from "chai";

import { QueryParseError, type ErrorCode } from "../../src/errors.js";
import {
  type Atom,
  type DateRange,
  type Field,
  formatQuery,
  MAX_QUERY_ITEMS,
  MAX_QUERY_LENGTH,
  OPEN_END,
  OPEN_START,
  parseQuery,
  type ParsedQuery,
  type QueryNote,
} from "../../src/search/query-parser.js";

/** An atom without its offsets: what most cases compare. */
type BareAtom = Omit<Atom, "start" | "end">;

interface Shape {
  required: BareAtom[][];
  excluded: BareAtom[];
  filters: ParsedQuery["filters"];
}

function w(text: string, field: Field = "any"): BareAtom {
  return { kind: "words", text, field };
}

function p(text: string, field: Field = "any"): BareAtom {
  return { kind: "phrase", text, field };
}

function shape(parts: {
  required?: BareAtom[][];
  excluded?: BareAtom[];
  authors?: string[];
  sources?: string[];
  date?: DateRange;
}): Shape {
  const filters: ParsedQuery["filters"] = { author: parts.authors ?? [], source: parts.sources ?? [] };
  if (parts.date !== undefined) filters.date = parts.date;
  return { required: parts.required ?? [], excluded: parts.excluded ?? [], filters };
}

function strip(q: ParsedQuery): Shape {
  const bare = ({ kind, text, field }: Atom): BareAtom => ({ kind, text, field });
  return { required: q.required.map((group) => group.map(bare)), excluded: q.excluded.map(bare), filters: q.filters };
}

function parseError(query: string): QueryParseError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof QueryParseError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

const range = (from: string, to: string): DateRange => ({ from, to });

describe("query-parser", () => {
  describe("parseQuery accepts", () => {
    const cases: [string, Shape][] = [
      // Words and AND
      ["疫情防控", shape({ required: [[w("疫情防控")]] })],
      ["疫情 防控", shape({ required: [[w("疫情")], [w("防控")]] })],
      ["  疫情\t防控\u3000复工  ", shape({ required: [[w("疫情")], [w("防控")], [w("复工")]] })],
      ["COVID Covid covid", shape({ required: [[w("COVID")], [w("Covid")], [w("covid")]] })],
      ["陕西：保障房", shape({ required: [[w("陕西：保障房")]] })],
      ["10:30 新闻联播", shape({ required: [[w("10:30")], [w("新闻联播")]] })],
      ["COVID-19", shape({ required: [[w("COVID-19")]] })],
      ["title:foo:bar", shape({ required: [[w("foo:bar", "title")]] })],
      ["疫情\u00a0防控\n", shape({ required: [[w("疫情\u00a0防控\n")]] })],
      // Phrases
      ['"防疫知识"', shape({ required: [[p("防疫知识")]] })],
      ["“防疫知识”", shape({ required: [[p("防疫知识")]] })],
      ["「防疫知识」", shape({ required: [[p("防疫知识")]] })],
      ['"防疫  知识 "', shape({ required: [[p("防疫  知识 ")]] })],
      ['“他说"好"”', shape({ required: [[p('他说"好"')]] })],
      ['"a“b"', shape({ required: [[p("a“b")]] })],
      ["“十四五”规划", shape({ required: [[p("十四五")], [w("规划")]] })],
      ["规划“十四五”", shape({ required: [[w("规划")], [p("十四五")]] })],
      ["”尾巴 」", shape({ required: [[w("”尾巴")], [w("」")]] })],
      // Titles
      ["title:复工复产 -扶贫", shape({ required: [[w("复工复产", "title")]], excluded: [w("扶贫")] })],
      ['title:"复工 复产"', shape({ required: [[p("复工 复产", "title")]] })],
      ["title:OR", shape({ required: [[w("OR", "title")]] })],
      ["title:-", shape({ required: [[w("-", "title")]] })],
      // OR
      ["新冠 OR 疫情 防控", shape({ required: [[w("新冠"), w("疫情")], [w("防控")]] })],
      ["a b OR c d", shape({ required: [[w("a")], [w("b"), w("c")], [w("d")]] })],
      ["a OR b OR c", shape({ required: [[w("a"), w("b"), w("c")]] })],
      ['title:新冠 OR "疫情 防控"', shape({ required: [[w("新冠", "title"), p("疫情 防控")]] })],
      ['a"b"OR"c"', shape({ required: [[w("a")], [p("b"), p("c")]] })],
      ["or Or", shape({ required: [[w("or")], [w("Or")]] })],
      // Exclusions
      ['疫情 -"防疫 知识" -title:扶贫', shape({ required: [[w("疫情")]], excluded: [p("防疫 知识"), w("扶贫", "title")] })],
      ["疫情 - 防控", shape({ required: [[w("疫情")], [w("-")], [w("防控")]] })],
      ["-", shape({ required: [[w("-")]] })],
      ["疫情 --x -OR", shape({ required: [[w("疫情")]], excluded: [w("-x"), w("OR")] })],
      ["-“扶贫”疫情", shape({ required: [[w("疫情")]], excluded: [p("扶贫")] })],
      ['"a"-b', shape({ required: [[p("a")]], excluded: [w("b")] })],
      // Filters
      ["疫情 author:王尚磊", shape({ required: [[w("疫情")]], authors: ["王尚磊"] })],
      // Filters alone browse
      [" author:王尚磊 ", shape({ authors: ["王尚磊"] })],
      ["date:2019-04-27", shape({ date: range("2019-04-27", "2019-04-27") })],
      ["疫情 author:王尚磊 author:张广烈 author:王尚磊", shape({ required: [[w("疫情")]], authors: ["王尚磊", "张广烈"] })],
      ['疫情 author:"王 尚磊" author:OR', shape({ required: [[w("疫情")]], authors: ["王 尚磊", "OR"] })],
      ["source:cctv-xwlb date:2020-03 疫情", shape({ required: [[w("疫情")]], sources: ["cctv-xwlb"], date: range("2020-03-01", "2020-03-31") })],
      ['source:"人民 日报" source:cctv-xwlb 疫情', shape({ required: [[w("疫情")]], sources: ["人民 日报", "cctv-xwlb"] })],
      // Dates
      ["x date:2020", shape({ required: [[w("x")]], date: range("2020-01-01", "2020-12-31") })],
      ["x date:2020-02", shape({ required: [[w("x")]], date: range("2020-02-01", "2020-02-29") })],
      ["x date:2021-02", shape({ required: [[w("x")]], date: range("2021-02-01", "2021-02-28") })],
      ["x date:1900-02", shape({ required: [[w("x")]], date: range("1900-02-01", "1900-02-28") })],
      ["x date:2000-02-29", shape({ required: [[w("x")]], date: range("2000-02-29", "2000-02-29") })],
      ["x date:2020-04", shape({ required: [[w("x")]], date: range("2020-04-01", "2020-04-30") })],
      ["x date:2020-03-01", shape({ required: [[w("x")]], date: range("2020-03-01", "2020-03-01") })],
      ["x date:2020-03-01..2020-03-31", shape({ required: [[w("x")]], date: range("2020-03-01", "2020-03-31") })],
      ["x date:2020-03..2020-04", shape({ required: [[w("x")]], date: range("2020-03-01", "2020-04-30") })],
      ["x date:2019..2020-02", shape({ required: [[w("x")]], date: range("2019-01-01", "2020-02-29") })],
      ["x date:2020-03..", shape({ required: [[w("x")]], date: range("2020-03-01", OPEN_END) })],
      ["x date:..2020-03", shape({ required: [[w("x")]], date: range(OPEN_START, "2020-03-31") })],
      ["x date:..", shape({ required: [[w("x")]], date: range(OPEN_START, OPEN_END) })],
      ['x date:"2020-03"', shape({ required: [[w("x")]], date: range("2020-03-01", "2020-03-31") })],
      ["x date:2020 date:2020-03..", shape({ required: [[w("x")]], date: range("2020-03-01", "2020-12-31") })],
      ["x date:..2020-06 date:2020-03..2021", shape({ required: [[w("x")]], date: range("2020-03-01", "2020-06-30") })],
      [
        "新冠 OR 疫情 -扶贫 title:复工复产 author:王尚磊 source:cctv-xwlb date:2020-03..",
        shape({
          required: [[w("新冠"), w("疫情")], [w("复工复产", "title")]],
          excluded: [w("扶贫")],
          authors: ["王尚磊"],
          sources: ["cctv-xwlb"],
          date: range("2020-03-01", OPEN_END),
        }),
      ],
    ];
    for (const [query, expected] of cases) {
      it(JSON.stringify(query), () => {
        expect(strip(parseQuery(query))).to.deep.equal(expected);
      });
    }

    it(`a query of exactly MAX_QUERY_LENGTH (${MAX_QUERY_LENGTH}) characters`, () => {
      expect(parseQuery("疫".repeat(MAX_QUERY_LENGTH)).required).to.have.length(1);
    });

    it(`a query of exactly MAX_QUERY_ITEMS (${MAX_QUERY_ITEMS}) words and phrases, excluded ones and alternatives included, and filters besides`, () => {
      const items = Array.from({ length: MAX_QUERY_ITEMS }, (_, i) => String.fromCharCode(0x4e00 + i));
      const query = parseQuery(`${items.slice(0, 10).join(" OR ")} ${items.slice(10, 12).join(" ")} -${items.slice(12).join(" -")} date:2020 source:x author:y`);
      expect(query.required.flat().length + query.excluded.length).to.equal(MAX_QUERY_ITEMS);
    });
  });

  describe("parseQuery positions", () => {
    it("cover each item as typed, with its '-', field and quotes, in UTF-16 offsets", () => {
      const q = parseQuery("\u3000title:复工复产 新冠 OR “疫情” -\"扶贫\" 𠮷x");
      expect(q.required).to.deep.equal([
        [{ kind: "words", text: "复工复产", field: "title", start: 1, end: 11 }],
        [
          { kind: "words", text: "新冠", field: "any", start: 12, end: 14 },
          { kind: "phrase", text: "疫情", field: "any", start: 18, end: 22 },
        ],
        [{ kind: "words", text: "𠮷x", field: "any", start: 29, end: 32 }],
      ]);
      expect(q.excluded).to.deep.equal([{ kind: "phrase", text: "扶贫", field: "any", start: 23, end: 28 }]);
    });
  });

  describe("parseQuery forgives input-method slips, with a note", () => {
    // [query, expected shape, note codes, a fragment of the first note]
    const cases: [string, Shape, QueryNote["code"][], string][] = [
      ['“人类命运共同体"', shape({ required: [[p("人类命运共同体")]] }), ["mixed_quotes"], "已按短语“人类命运共同体”检索"],
      ['"防疫知识” 复工', shape({ required: [[p("防疫知识")], [w("复工")]] }), ["mixed_quotes"], "引号 \" 与 ” 不成对"],
      ['「防疫知识"', shape({ required: [[p("防疫知识")]] }), ["mixed_quotes"], "防疫知识"],
      ['"防疫知识', shape({ required: [[p("防疫知识")]] }), ["unclosed_quote"], "缺少后引号"],
      ["疫情 “防疫 知识 ", shape({ required: [[w("疫情")], [p("防疫 知识")]] }), ["unclosed_quote"], "“防疫 知识”"],
      ['title:"复工', shape({ required: [[p("复工", "title")]] }), ["unclosed_quote"], "复工"],
      ['"a" "b', shape({ required: [[p("a")], [p("b")]] }), ["unclosed_quote"], "“b”"],
      ['疫情 "', shape({ required: [[w("疫情")]] }), ["stray_quote"], "多余的引号"],
      ["Title:复工", shape({ required: [[w("复工", "title")]] }), ["field_case"], "按 title: 理解"],
      ["title: 复工", shape({ required: [[w("复工", "title")]] }), ["space_after_colon"], "按 title:复工 检索"],
      ["疫情 date：　2020", shape({ required: [[w("疫情")]], date: { from: "2020-01-01", to: "2020-12-31" } }), ["space_after_colon"], "date:2020"],
    ];
    for (const [query, expected, codes, fragment] of cases) {
      it(`${JSON.stringify(query)}: ${codes.join(", ")}`, () => {
        const parsed = parseQuery(query);
        expect(strip(parsed)).to.deep.equal(expected);
        expect(parsed.notes.map((note) => note.code)).to.deep.equal(codes);
        expect(parsed.notes[0]!.message).to.include(fragment);
      });
    }

    it("reads the Chinese field names and the full-width colon as the fields, without a note", () => {
      const parsed = parseQuery("标题:精准扶贫 作者：王尚磊 来源:cctv-xwlb 日期：2020-03 title：复工");
      expect(strip(parsed)).to.deep.equal(
        shape({
          required: [[w("精准扶贫", "title")], [w("复工", "title")]],
          authors: ["王尚磊"],
          sources: ["cctv-xwlb"],
          date: { from: "2020-03-01", to: "2020-03-31" },
        }),
      );
      expect(parsed.notes).to.deep.equal([]);
    });

    it("leaves a colon after other text alone: 陕西：, CEO：, 10:30 and 会议标题： are words", () => {
      const parsed = parseQuery("陕西：保障房 CEO：张三 10:30 会议标题：x");
      expect(strip(parsed).required).to.deep.equal([[w("陕西：保障房")], [w("CEO：张三")], [w("10:30")], [w("会议标题：x")]]);
    });

    it("adds no note to a query typed as meant", () => {
      expect(parseQuery('“十四五”规划 "防疫知识" title:复工 -扶贫 date:2020').notes).to.deep.equal([]);
    });
  });

  describe("parseQuery rejects", () => {
    const long = "疫".repeat(MAX_QUERY_LENGTH + 50);
    // [query, code, message fragment (Chinese: it is shown to readers), start, end]
    const cases: [string, ErrorCode, string, number, number][] = [
      ["", "query_empty", "查询是空的", 0, 0],
      [" \t\u3000 ", "query_empty", "请输入要找的词", 0, 4],
      ['"', "query_empty", "查询是空的", 0, 1],
      ["疫".repeat(MAX_QUERY_LENGTH + 1), "query_too_long", "最多 200 个", 200, 201],
      [long, "query_too_long", "查询太长：共 250 个字符", 200, 250],
      // Quotes
      ['""', "phrase_empty", "引号里没有内容：“\"\"”（第 1 个字符处）", 0, 2],
      ["疫情 “　”", "phrase_empty", "（第 4 个字符处）；请在引号之间写上词语", 3, 6],
      ['title:""', "phrase_empty", "引号里没有内容", 6, 8],
      ['x author:""', "phrase_empty", "引号里没有内容", 9, 11],
      ['-"', "phrase_empty", "引号里没有内容", 1, 2],
      // OR
      ["OR 疫情", "misplaced_or", "“OR”（第 1 个字符处）前面没有词", 0, 2],
      ["OR", "misplaced_or", "前面没有词", 0, 2],
      ["疫情 OR", "misplaced_or", "“OR”（第 4 个字符处）后面没有词", 3, 5],
      ["新冠 OR OR 疫情", "misplaced_or", "“OR”（第 7 个字符处）紧跟着另一个 OR", 6, 8],
      ["新冠 OR -疫情", "bad_alternative", "排除项“-疫情”（第 7 个字符处）不能与 OR 连用：请去掉“-”或 OR", 6, 9],
      ["-新冠 OR 疫情", "bad_alternative", "排除项“-新冠”", 0, 3],
      ["疫情 author:王 OR author:李", "bad_alternative", "筛选条件“author:王”（第 4 个字符处）不能与 OR 连用", 3, 11],
      ["疫情 OR date:2020", "bad_alternative", "多个 date: 条件须同时满足", 6, 15],
      // Exclusions and filters alone
      ["-扶贫", "nothing_to_search", "“-扶贫”里没有要找的词", 0, 3],
      ["-扶贫 -防控", "nothing_to_search", "或加一个筛选条件来浏览，例如 -扶贫 -防控 日期:2020-03", 0, 7],
      ["-author:王尚磊 疫情", "excluded_filter", "筛选条件“-author:王尚磊”（第 1 个字符处）前面不能加“-”", 0, 11],
      // Fields
      ["foo:bar", "unknown_field", "不认识的字段“foo:”（第 1 个字符处）；可用的字段：title（标题）、author（作者）、source（来源）、date（日期）", 0, 3],
      ["疫情 -foo:bar", "unknown_field", '请加引号："foo:bar"', 4, 7],
      ["见 http://news.cn", "unknown_field", "不认识的字段“http:”", 2, 6],
      ["title:", "field_without_value", "“title:”（第 1 个字符处）后面没有内容", 0, 6],
      ["疫情 -title:", "field_without_value", "“-title:”（第 4 个字符处）后面没有内容", 3, 10],
      ["疫情 date:  ", "field_without_value", "例如 date:2020-03", 3, 8],
      ["标题：", "field_without_value", "例如 title:复工复产", 0, 3],
      // Dates
      ["x date:2020-13", "invalid_date", "日期“2020-13”（第 8 个字符处）有误：没有 13 月", 7, 14],
      ["x date:2020-00-01", "invalid_date", "没有 00 月", 7, 17],
      ["x date:2020-02-30", "invalid_date", "2020-02 只有 01 到 29 日", 7, 17],
      ["x date:2021-02-29", "invalid_date", "2021-02 只有 01 到 28 日", 7, 17],
      ["x date:1900-02-29", "invalid_date", "1900-02 只有 01 到 28 日", 7, 17],
      ["x date:2020-04-31", "invalid_date", "只有 01 到 30 日", 7, 17],
      ["x date:2020-03-00", "invalid_date", "只有 01 到 31 日", 7, 17],
      ["x date:2020-3", "invalid_date", "无法识别的日期“2020-3”（第 8 个字符处）：请写成 2020、2020-03 或 2020-03-01", 7, 13],
      ["x date:20200301", "invalid_date", "无法识别的日期“20200301”", 7, 15],
      ["x 日期:昨天", "invalid_date", "无法识别的日期“昨天”", 5, 7],
      ['x date:"2020-13"', "invalid_date", "日期“2020-13”（第 9 个字符处）", 8, 15],
      ["x date:2020-13..2021", "invalid_date", "日期“2020-13”", 7, 14],
      ["x date:2020..2021-13", "invalid_date", "日期“2021-13”（第 14 个字符处）", 13, 20],
      ["x date:2020...2021", "invalid_date", "无法识别的日期“.2021”", 13, 18],
      ["x date:2020-03-31..2020-03-01", "reversed_date_range", "日期范围“2020-03-31..2020-03-01”（第 8 个字符处）的开始晚于结束", 7, 29],
      ["x date:2021..2020", "reversed_date_range", "例如 2020..2021", 7, 17],
      ["x date:2021 date:2020", "disjoint_dates", "“date:2020”（第 13 个字符处）与前面的日期条件（2021-01-01..2021-12-31）没有重叠", 12, 21],
      // Too many items: the first one past the limit and what follows are marked.
      [Array.from({ length: MAX_QUERY_ITEMS + 3 }, () => "的").join(" OR "), "too_many_items", `词和短语太多：最多 ${MAX_QUERY_ITEMS} 个，第 ${MAX_QUERY_ITEMS * 5 + 1} 个字符处的“的”是第 ${MAX_QUERY_ITEMS + 1} 个`, MAX_QUERY_ITEMS * 5, (MAX_QUERY_ITEMS + 3) * 5 - 4],
      [`${"疫情 ".repeat(MAX_QUERY_ITEMS)}-"扶贫"`, "too_many_items", '的“-"扶贫"”是第', MAX_QUERY_ITEMS * 3, MAX_QUERY_ITEMS * 3 + 5],
      // The leftmost problem is the one reported.
      ['foo:x "unclosed', "unknown_field", "不认识的字段“foo:”", 0, 3],
      ['OR "unclosed', "misplaced_or", "前面没有词", 0, 2],
    ];
    for (const [query, code, fragment, start, end] of cases) {
      it(`${JSON.stringify(query.length > 40 ? `${query.slice(0, 40)}…` : query)}: ${code}`, () => {
        const error = parseError(query);
        expect(error.code).to.equal(code);
        expect(error.message).to.include(fragment);
        expect([error.start, error.end]).to.deep.equal([start, end]);
      });
    }
  });

  describe("formatQuery", () => {
    const cases: [string, string][] = [
      ["  疫情\u3000防控\t", "疫情 防控"],
      ["“防疫知识”", '"防疫知识"'],
      ["「防疫知识」", '"防疫知识"'],
      ['“他说"好"”', '“他说"好"”'],
      ['「"a"“b”」', '「"a"“b”」'],
      ["“十四五”规划", '"十四五" 规划'],
      ["新冠  OR\t疫情 防控", "新冠 OR 疫情 防控"],
      ["date:2020 -扶贫 author:王尚磊 疫情 source:cctv-xwlb title:复工", "疫情 title:复工 -扶贫 author:王尚磊 source:cctv-xwlb date:2020"],
      ['x author:"王尚磊" author:王尚磊 author:"王 尚磊"', 'x author:王尚磊 author:"王 尚磊"'],
      ["x date:2020-03-01..2020-03-31", "x date:2020-03"],
      ["x date:2020-01-01..2020-12-31", "x date:2020"],
      ["x date:2020-01..2020-01", "x date:2020-01"],
      ["x date:2020-03-01..2020-03-01", "x date:2020-03-01"],
      ["x date:2020-02-01..2020-02-28", "x date:2020-02..2020-02-28"],
      ["x date:2020-03-01..", "x date:2020-03.."],
      ["x date:2020-01-01..2021-06-30", "x date:2020..2021-06"],
      ["x date:..2020-12-31", "x date:..2020"],
      ["x date:0000..9999", "x date:.."],
      ["x date:2020 date:2020-03..", "x date:2020-03..2020"],
      ["疫情 - --x -OR title:OR title:-x", "疫情 - title:OR title:-x --x -OR"],
    ];
    for (const [query, canonical] of cases) {
      it(`${JSON.stringify(query)} → ${JSON.stringify(canonical)}`, () => {
        const parsed = parseQuery(query);
        expect(formatQuery(parsed)).to.equal(canonical);
        expect(strip(parseQuery(canonical))).to.deep.equal(strip(parsed));
      });
    }

    const at = { start: 0, end: 0 };
    const unwritable: [string, Omit<ParsedQuery, "notes">][] = [
      ["a word with a space", { required: [[{ kind: "words", text: "疫情 防控", field: "any", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["a word that reads as OR", { required: [[{ kind: "words", text: "OR", field: "any", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["a word that reads as an exclusion", { required: [[{ kind: "words", text: "-x", field: "any", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["a word that reads as a field", { required: [], excluded: [{ kind: "words", text: "foo:bar", field: "any", ...at }], filters: { author: [], source: [] } }],
      ["a word with an opening quote", { required: [[{ kind: "words", text: "a“b", field: "title", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["a blank phrase", { required: [[{ kind: "phrase", text: " ", field: "any", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["a phrase with every closing quote", { required: [[{ kind: "phrase", text: '"”」', field: "any", ...at }]], excluded: [], filters: { author: [], source: [] } }],
      ["an empty author", { required: [[{ kind: "words", text: "x", field: "any", ...at }]], excluded: [], filters: { author: [""], source: [] } }],
    ];
    for (const [what, q] of unwritable) {
      it(`throws RangeError for ${what}`, () => {
        expect(() => formatQuery(q)).to.throw(RangeError, "formatQuery");
      });
    }
  });

  describe("round trip on generated queries", () => {
    // Builds valid queries from known parts, so each one also has an expected AST to check against.
    function mulberry32(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    const random = mulberry32(20200301);
    const int = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const chance = (p: number): boolean => random() < p;

    const WORDS = ["疫情", "防控", "新冠", "COVID-19", "10:30", "陕西：保障房", "复工复产", "Or", "or", "-", "x-y", "”尾", "扶贫", "2020", "王尚磊"];
    // No ASCII letters, so a colon never makes a field; no opening quotes, so no phrase starts.
    const WORD_CHARS = "疫情防控新冠复工产扶贫王尚磊0123456789-:：.”」·、";
    const PHRASE_CHARS = `${WORD_CHARS}  “「abcXYZ`;
    const QUOTE_PAIRS: [string, string][] = [['"', '"'], ["“", "”"], ["「", "」"]];
    const SPACES = [" ", " ", "\t", "\u3000"];

    function randomText(chars: string, min: number, max: number): string {
      let text = "";
      const length = min + int(max - min + 1);
      while (text.length < length) text += pick([...chars]);
      return text;
    }

    /** A word that reads back as itself where an any-field word stands (not OR, no leading '-'). */
    function positiveWord(): string {
      const word = chance(0.6) ? pick(WORDS) : randomText(WORD_CHARS, 1, 6);
      return word.startsWith("-") && word !== "-" ? `疫${word}` : word;
    }

    function phrase(): { typed: string; text: string } {
      const [open, close] = pick(QUOTE_PAIRS);
      let text = randomText(PHRASE_CHARS, 1, 8).replaceAll(close, "");
      // String#trim also strips U+3000, so this catches every phrase the parser calls blank.
      if (text.trim() === "") text = "防疫";
      return { typed: `${open}${text}${close}`, text };
    }

    interface Piece {
      typed: string;
      /** Starts with an opening quote (may be glued to what comes before). */
      opens: boolean;
      /** Ends with a closing quote (what follows may be glued to it). */
      closes: boolean;
    }

    function atomPiece(negated: boolean): { piece: Piece; atom: BareAtom } {
      const title = chance(0.25);
      const prefix = (negated ? "-" : "") + (title ? "title:" : "");
      const field: Field = title ? "title" : "any";
      if (chance(0.4)) {
        const { typed, text } = phrase();
        return { piece: { typed: prefix + typed, opens: prefix === "", closes: true }, atom: p(text, field) };
      }
      const text = negated || title ? pick([...WORDS, "OR", "-x"]) : positiveWord();
      return { piece: { typed: prefix + text, opens: false, closes: false }, atom: w(text, field) };
    }

    function lastDay(year: number, month: number): number {
      return new Date(Date.UTC(year, month, 0)).getUTCDate();
    }

    /** A date end spelled as year, month or day, with the range it covers. */
    function dateEnd(): { typed: string; first: string; last: string } {
      const year = 2000 + int(26);
      const month = 1 + int(12);
      const mm = String(month).padStart(2, "0");
      const dd = String(1 + int(lastDay(year, month))).padStart(2, "0");
      switch (int(3)) {
        case 0:
          return { typed: `${year}`, first: `${year}-01-01`, last: `${year}-12-31` };
        case 1:
          return { typed: `${year}-${mm}`, first: `${year}-${mm}-01`, last: `${year}-${mm}-${lastDay(year, month)}` };
        default:
          return { typed: `${year}-${mm}-${dd}`, first: `${year}-${mm}-${dd}`, last: `${year}-${mm}-${dd}` };
      }
    }

    function datePiece(): { typed: string; range: DateRange } {
      let from = dateEnd();
      if (chance(0.3)) return { typed: from.typed, range: range(from.first, from.last) };
      let to = dateEnd();
      if (to.last < from.first) [from, to] = [to, from];
      const openFrom = chance(0.2);
      const openTo = !openFrom && chance(0.2);
      return {
        typed: `${openFrom ? "" : from.typed}..${openTo ? "" : to.typed}`,
        range: range(openFrom ? OPEN_START : from.first, openTo ? OPEN_END : to.last),
      };
    }

    /** Some typed pieces and what they add to the expected AST, applied in typed order. */
    interface Unit {
      pieces: Piece[];
      add: (expected: Shape) => void;
    }

    function generate(): { text: string; expected: Shape; glued: boolean } {
      const units: Unit[] = [];
      for (let g = 1 + int(3); g > 0; g--) {
        const group: BareAtom[] = [];
        const pieces: Piece[] = [];
        for (let alt = chance(0.3) ? 2 + int(2) : 1; alt > 0; alt--) {
          const { piece, atom } = atomPiece(false);
          if (pieces.length > 0) pieces.push({ typed: "OR", opens: false, closes: false });
          pieces.push(piece);
          group.push(atom);
        }
        units.push({ pieces, add: (e) => e.required.push(group) });
      }
      for (let n = int(3); n > 0; n--) {
        const { piece, atom } = atomPiece(true);
        units.push({ pieces: [piece], add: (e) => e.excluded.push(atom) });
      }
      for (let n = int(3); n > 0; n--) {
        const field = chance(0.5) ? "author" : "source";
        const value = pick(["王尚磊", "张广烈", "cctv-xwlb", "王 尚磊", "OR", "-x"]);
        const typed = value.includes(" ") || chance(0.2) ? `"${value}"` : value;
        units.push({
          pieces: [{ typed: `${field}:${typed}`, opens: false, closes: typed.startsWith('"') }],
          add: (e) => {
            const values = field === "author" ? e.filters.author : e.filters.source;
            if (!values.includes(value)) values.push(value);
          },
        });
      }
      if (chance(0.5)) {
        const { typed, range: r } = datePiece();
        units.push({ pieces: [{ typed: `date:${typed}`, opens: false, closes: false }], add: (e) => (e.filters.date = r) });
        // A second date filter that restricts nothing, so the intersection is the first.
        if (chance(0.3)) {
          const everything = pick(["date:..", "date:0000..9999", "date:0000-01-01..9999-12-31"]);
          units.push({ pieces: [{ typed: everything, opens: false, closes: false }], add: () => undefined });
        }
      }

      // Shuffle whole units: an OR chain stays together, everything else may come in any order.
      for (let i = units.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [units[i], units[j]] = [units[j]!, units[i]!];
      }
      const expected = shape({});
      let text = chance(0.2) ? pick(SPACES) : "";
      let glued = false;
      let prev: Piece | undefined;
      for (const unit of units) {
        unit.add(expected);
        for (const piece of unit.pieces) {
          // A '-' word glued to a phrase would turn the phrase into an exclusion.
          const canGlue = prev !== undefined && (prev.closes || (piece.opens && prev.typed !== "-"));
          if (prev !== undefined) {
            if (canGlue && chance(0.25)) glued = true;
            else text += pick(SPACES) + (chance(0.1) ? pick(SPACES) : "");
          }
          text += piece.typed;
          prev = piece;
        }
      }
      return { text, expected, glued };
    }

    it("parses 500 generated queries to their expected AST, and formatQuery reads back to the same AST", () => {
      let checked = 0;
      while (checked < 500) {
        const { text, expected, glued } = generate();
        if (text.length > MAX_QUERY_LENGTH) continue;
        checked++;
        const context = JSON.stringify(text);
        let parsed: ParsedQuery;
        try {
          parsed = parseQuery(text);
        } catch (error) {
          throw new Error(`${context}: ${String(error)}`);
        }
        expect(strip(parsed), context).to.deep.equal(expected);
        const canonical = formatQuery(parsed);
        expect(strip(parseQuery(canonical)), `${context} → ${JSON.stringify(canonical)}`).to.deep.equal(expected);
        expect(formatQuery(parseQuery(canonical)), context).to.equal(canonical);
        if (!glued) expect(canonical.length, context).to.be.at.most(text.length);
      }
    });
  });
});
