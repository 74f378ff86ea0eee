import { expect } from "chai";
import { InvalidParameterError } from "../../src/errors.js";
import { MAX_QUERY_LENGTH } from "../../src/search/query-parser.js";
import { MAX_PAGE, PAGE_SIZE, parseSearchParams } from "../../src/web/validate.js";

/** The error parseSearchParams throws for `query`; fails the test when it accepts it. */
function rejection(query: Record<string, unknown>): InvalidParameterError {
  try {
    parseSearchParams(query);
  } catch (error) {
    if (error instanceof InvalidParameterError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

function expectRejected(query: Record<string, unknown>, parameter: string, message: RegExp): void {
  const error = rejection(query);
  expect(error.parameter, JSON.stringify(query)).to.equal(parameter);
  expect(error.message).to.match(new RegExp(`^${parameter}: `));
  expect(error.message).to.match(message);
}

describe("validate: parseSearchParams", () => {
  it("fills in page 1, the default size and relevance order", () => {
    expect(parseSearchParams({ q: "疫情" })).to.deep.equal({ q: "疫情", page: 1, size: PAGE_SIZE.default, sort: "relevance", correct: true, facets: [] });
  });

  it("accepts the bounds of every range and both sort orders", () => {
    expect(parseSearchParams({ q: "a", page: "1", size: "1", sort: "date" }), "date is newest").to.deep.equal({ q: "a", page: 1, size: 1, sort: "newest", correct: true, facets: [] });
    for (const sort of ["relevance", "newest", "oldest"]) expect(parseSearchParams({ q: "a", sort }).sort).to.equal(sort);
    const top = parseSearchParams({ q: "x".repeat(MAX_QUERY_LENGTH), page: String(MAX_PAGE), size: String(PAGE_SIZE.max), sort: "relevance" });
    expect([top.page, top.size, top.sort]).to.deep.equal([MAX_PAGE, PAGE_SIZE.max, "relevance"]);
  });

  it("treats an empty page or size as not given", () => {
    expect(parseSearchParams({ q: "a", page: "", size: "" })).to.include({ page: 1, size: PAGE_SIZE.default });
  });

  it("keeps the query as typed (spaces and all): the parser reads it", () => {
    expect(parseSearchParams({ q: "  疫情 防控 " }).q).to.equal("  疫情 防控 ");
  });

  describe("q", () => {
    it("rejects a missing, empty or blank query", () => {
      expectRejected({}, "q", /查询是空的/);
      expectRejected({ q: "" }, "q", /查询是空的/);
      expectRejected({ q: " \t " }, "q", /查询是空的/);
      expectRejected({ q: "\u3000" }, "q", /查询是空的/);
    });

    it("rejects a query one character over the limit, and says how long it was", () => {
      expectRejected({ q: "疫".repeat(MAX_QUERY_LENGTH + 1) }, "q", new RegExp(`查询太长（${MAX_QUERY_LENGTH + 1} 个字符，最多 ${MAX_QUERY_LENGTH} 个）`));
    });

    it("rejects a repeated q (?q=a&q=b arrives as an array)", () => {
      expectRejected({ q: ["a", "b"] }, "q", /只能给一次/);
    });

    it("rejects a structured q (?q[x]=1 arrives as an object)", () => {
      expectRejected({ q: { x: "1" } }, "q", /只能给一次/);
    });
  });

  for (const [name, max] of [
    ["page", MAX_PAGE],
    ["size", PAGE_SIZE.max],
  ] as const) {
    describe(name, () => {
      it(`rejects 0 and ${max + 1}, naming the range`, () => {
        expectRejected({ q: "a", [name]: "0" }, name, new RegExp(`须在 1 到 ${max} 之间，收到的是 0`));
        expectRejected({ q: "a", [name]: String(max + 1) }, name, new RegExp(`须在 1 到 ${max} 之间，收到的是 ${max + 1}`));
      });

      it("rejects non-integers: negative, decimal, exponent, hex, words, padded", () => {
        for (const raw of ["-1", "1.5", "1e2", "0x10", "abc", " 2", "2 ", "+3", "١"]) {
          expectRejected({ q: "a", [name]: raw }, name, /须是 1 到 \d+ 之间的整数/);
        }
      });

      it("rejects a huge number without overflowing into the range", () => {
        expectRejected({ q: "a", [name]: "9".repeat(30) }, name, /须在 1 到/);
      });

      it("rejects a repeated parameter", () => {
        expectRejected({ q: "a", [name]: ["1", "2"] }, name, /只能给一次/);
      });
    });
  }

  describe("facets", () => {
    it("takes a comma-separated list of facet fields, each once, and rejects an unknown one, listing them", () => {
      expect(parseSearchParams({ q: "a", facets: "year, source,year" }).facets).to.deep.equal(["year", "source"]);
      expect(parseSearchParams({ q: "a", facets: "" }).facets).to.deep.equal([]);
      expectRejected({ q: "a", facets: "year,colour" }, "facets", /没有“colour”这一分面：请用逗号分隔 year、month、author、source 中的若干个/);
    });
  });

  describe("sort", () => {
    it("rejects any value but relevance, newest, oldest or date, listing them", () => {
      for (const sort of ["Date", "score", "date ", "first"]) {
        expectRejected({ q: "a", sort }, "sort", /须是 relevance、newest、oldest 之一（date 与 newest 相同）/);
      }
    });

    it("rejects a repeated sort", () => {
      expectRejected({ q: "a", sort: ["date", "date"] }, "sort", /只能给一次/);
    });
  });

  it("reports q before the other parameters when several are wrong", () => {
    expect(rejection({ q: "", page: "0", sort: "x" }).parameter).to.equal("q");
  });
});
