// Two servers over the same seeds (the embedded engine, and PostgreSQL: one database or shards
// behind a proxy) must answer the same pages and API JSON, byte for byte once the time taken and
// the port are left out: results, snippets, facets, occurrences, timelines, article pages, exports.
// Shared by postgres-serve.test.ts and postgres-shards.test.ts.
import { expect } from "chai";
import { QUERIES } from "./index-fixtures.js";

/** Beyond QUERIES: synonyms, exclusions, filters alone, relaxed results, Latin words, one character, empty results. */
export const MORE_QUERIES = ["COVID-19", "COVID-19 防控", "-扶贫 疫情", "date:2020", "author:都镇强", "都镇强", "都镇强 潍坊", "火星探测器 疫情", "xi", '"xi"', "的", '"中国"', "新冠 OR 疫情 防控", "title:复工复产", "没有这个词组合吧"];

/** An answer without what differs between two runs: its time, whether it was cached, the port in absolute links. */
export function normalized(text: string): string {
  return text
    .replace(/"took_ms":[0-9.]+,"cached":(true|false),?/g, "")
    .replace(/用时 [0-9.]+ 毫秒|[0-9.]+ 毫秒/g, "")
    .replace(/localhost:\d+/g, "HOST");
}

export async function fetchText(base: string, url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(base + url);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/**
 * Every request of every query (pages, sorts, facets, occurrences, timelines, exports, the first
 * hits' article pages) answered alike by both servers; at least `atLeast` requests compared.
 */
export async function expectSameAnswers(embedded: string, database: string, atLeast: number, queries: readonly string[] = [...QUERIES, ...MORE_QUERIES]): Promise<void> {
  const differences: string[] = [];
  let compared = 0;
  const compare = async (request: string): Promise<void> => {
    const [expected, actual] = await Promise.all([fetchText(embedded, request), fetchText(database, request)]);
    compared++;
    const a = `${expected.status} ${normalized(expected.text)}`;
    const b = `${actual.status} ${normalized(actual.text)}`;
    if (a === b) return;
    const at = [...a].findIndex((char, i) => char !== b[i]);
    differences.push(`${request}: embedded …${a.slice(Math.max(0, at - 60), at + 80)}… postgres …${b.slice(Math.max(0, at - 60), at + 80)}…`);
  };
  let skipped = 0;
  for (const query of queries) {
    const q = encodeURIComponent(query);
    const first = JSON.parse((await fetchText(embedded, `/api/search?q=${q}`)).text) as {
      query?: string;
      corrected_from?: string;
      expansions?: Array<{ reason: string }>;
      suggestions?: Array<{ reason: string }>;
      hits?: Array<{ id: string }>;
    };
    // What the postgres backend does not offer (README): pinyin readings and did-you-mean corrections (a byline's name it reads as the author, as the embedded engine does).
    const byline = first.corrected_from !== undefined && first.query?.includes("作者:") === true;
    if ((first.corrected_from && !byline) || first.expansions?.some(({ reason }) => reason === "pinyin") || first.suggestions?.some(({ reason }) => reason !== "date" && reason !== "author")) {
      skipped++;
      continue;
    }
    for (const request of [
      `/api/search?q=${q}&facets=year,month,author,source`,
      `/api/search?q=${q}&sort=newest&page=2&size=5`,
      `/api/search?q=${q}&sort=oldest`,
      `/api/occurrences?q=${q}`,
      `/api/occurrences?q=${q}&page=3&size=7`,
      `/api/timeline?q=${q}&by=year`,
      `/api/timeline?q=${q}&by=month&q2=${encodeURIComponent("经济")}`,
      `/api/search?q=${q}&format=csv&sort=newest`,
      `/api/occurrences?q=${q}&format=jsonl`,
      `/?q=${q}`,
      `/occurrences?q=${q}&page=2`,
    ]) {
      await compare(request);
    }
    for (const { id } of (first.hits ?? []).slice(0, 2)) {
      for (const request of [`/article/${encodeURIComponent(id)}?q=${q}`, `/api/articles/${encodeURIComponent(id)}`, `/article/${encodeURIComponent(id)}/text`]) await compare(request);
    }
  }
  for (const request of ["/", "/api/suggest?q=yiq", "/api/suggest?q=%E7%96%AB", "/article/no-such-id", "/api/articles/no-such-id", "/api/search?q=foo:bar", "/api/search?q=%E7%96%AB&size=999", "/api/search?q="]) {
    await compare(request);
  }
  expect(differences.slice(0, 5)).to.deep.equal([]);
  expect(compared, `compared requests (${skipped} queries skipped)`).to.be.at.least(atLeast);
  expect(skipped, "queries left out because the embedded engine corrected or read them as pinyin").to.be.at.most(10);
}
