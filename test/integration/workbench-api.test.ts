// The reporter's workbench over HTTP: exports parsed back by a real CSV parser, the timeline API,
// facets in the API, and the pages that show them.
import { parse } from "csv-parse/sync";
import { expect } from "chai";
import { getJson, startServer, type RunningServer } from "../support/server.js";

interface Hit {
  id: string;
  title: string;
  date: string | null;
  source: string;
  file: string;
  lines: [number, number];
  authors: string[];
  url: string;
}

interface OccurrenceJson {
  id: string;
  title: string;
  line: number;
  field: string;
  url: string;
}

describe("workbench API and pages (integration)", function () {
  this.timeout(120_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  const api = (path: string) => getJson(`${server.url}${path}`);
  const q = encodeURIComponent("疫情 OR 复工 OR 代表");

  /** Every page of a paged API answer. */
  async function allPages<T>(path: string, key: string, size: number): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const { body } = await api(`${path}&size=${size}&page=${page}`);
      items.push(...(body[key] as T[]));
      if (page * size >= (body.total as number)) return items;
    }
  }

  it("exports every matching article as CSV (BOM, quoted, named after the query) that parses back to the API's JSON", async () => {
    const response = await fetch(`${server.url}/api/search?q=${q}&sort=oldest&format=csv`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.equal("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).to.include(`filename*=UTF-8''articles-${encodeURIComponent("疫情 OR 复工 OR 代表")}.csv`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)], "UTF-8 BOM").to.deep.equal([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true, columns: true }) as Array<Record<string, string>>;
    const hits = await allPages<Hit>(`/api/search?q=${q}&sort=oldest`, "hits", 50);
    expect(rows.length).to.be.above(10);
    const origin = new URL(server.url).origin;
    expect(rows).to.deep.equal(
      hits.map((hit) => ({
        id: hit.id,
        title: hit.title,
        date: hit.date ?? "",
        source: hit.source,
        authors: hit.authors.join("、"),
        file: hit.file,
        line: String(hit.lines[0]),
        url: `${origin}/article/${encodeURIComponent(hit.id)}`,
      })),
    );
    expect(rows.some((row) => /[",\n]/.test(row.title!)), "some titles needed quoting").to.equal(true);
  });

  it("exports every occurrence as CSV and JSON Lines with context and citation, as the concordance lists them", async () => {
    const listed = await allPages<OccurrenceJson>(`/api/occurrences?q=${q}`, "occurrences", 100);
    const csv = parse(Buffer.from(await (await fetch(`${server.url}/api/occurrences?q=${q}&format=csv`)).arrayBuffer()), { bom: true, columns: true }) as Array<Record<string, string>>;
    const response = await fetch(`${server.url}/api/occurrences?q=${q}&format=jsonl`);
    expect(response.headers.get("content-type")).to.equal("application/x-ndjson; charset=utf-8");
    const jsonl = (await response.text()).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(csv.map((row) => [row.id, row.line, row.field])).to.deep.equal(listed.map((one) => [one.id, String(one.line), one.field]));
    expect(jsonl.map((row) => [row.id, row.line, row.field])).to.deep.equal(listed.map((one) => [one.id, one.line, one.field]));
    for (const [i, row] of csv.entries()) {
      expect(row.match, `row ${i}`).to.match(/疫情|复工|代表/);
      expect(jsonl[i]).to.deep.include({ before: row.before, match: row.match, after: row.after, citation: row.citation });
      expect(row.citation).to.match(new RegExp(`^《.+》，.+第 ${row.line} 行：“.*${row.match}.*”$`, "s"));
    }
  });

  it("answers the timeline by year and by month, the buckets summing to the search's totals, and compares queries", async () => {
    for (const by of ["year", "month"]) {
      const { status, body } = await api(`/api/timeline?q=${q}&by=${by}`);
      expect(status).to.equal(200);
      expect(body).to.include({ query: "疫情 OR 复工 OR 代表", by });
      const buckets = body.buckets as Array<{ period: string; articles: number; occurrences: number }>;
      expect(buckets.length).to.be.above(0);
      for (const bucket of buckets) expect(bucket.period).to.match(by === "year" ? /^\d{4}$/ : /^\d{4}-\d{2}$/);
      const undated = body.undated as { articles: number; occurrences: number };
      const search = await api(`/api/search?q=${q}`);
      const occurrences = await api(`/api/occurrences?q=${q}`);
      expect(buckets.reduce((sum, bucket) => sum + bucket.articles, undated.articles)).to.equal(search.body.total);
      expect(buckets.reduce((sum, bucket) => sum + bucket.occurrences, undated.occurrences)).to.equal(occurrences.body.total);
    }
    const compared = await api(`/api/timeline?q=${encodeURIComponent("疫情")}&q2=${encodeURIComponent("复工")}&by=month`);
    const series = compared.body.series as Array<{ query: string; buckets: Array<{ period: string }> }>;
    expect(series.map((one) => one.query)).to.deep.equal(["疫情", "复工"]);
    expect(series[0]!.buckets.map((b) => b.period), "one axis for all").to.deep.equal(series[1]!.buckets.map((b) => b.period));
    expect((await api(`/api/timeline?q=${q}&by=week`)).status).to.equal(400);
  });

  it("counts facets in the API on request, and rejects an unknown one", async () => {
    const { body } = await api(`/api/search?q=${q}&facets=year,source`);
    const facets = body.facets as Record<string, Array<{ value: string; count: number }>>;
    expect(Object.keys(facets)).to.deep.equal(["year", "source"]);
    expect(facets.source!.reduce((sum, item) => sum + item.count, 0)).to.equal(body.total);
    expect((await api(`/api/search?q=${q}`)).body).to.not.have.property("facets");
    const bad = await api(`/api/search?q=${q}&facets=colour`);
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.match(/facets: 没有“colour”这一分面/);
    expect((await api(`/api/search?q=${q}&format=xml`)).status).to.equal(400);
  });

  it("shows facets, the timeline with its data table, download links and citations on the pages", async () => {
    const results = await (await fetch(`${server.url}/?q=${q}`)).text();
    expect(results).to.include('id="facets"');
    expect(results).to.match(/<svg[^>]+role="group"/);
    expect(results).to.include("<summary>数据表</summary>");
    expect(results).to.include(`href="/api/search?q=${q}&amp;format=csv"`);
    const occurrences = await (await fetch(`${server.url}/occurrences?q=${q}`)).text();
    expect(occurrences).to.match(/<span class="citation-text">《[^<]+》，[^<]+第 \d+ 行：“[^<]+”<\/span>/);
    const first = ((await api(`/api/search?q=${encodeURIComponent("疫情")}`)).body.hits as Hit[])[0]!;
    const article = await (await fetch(`${server.url}/article/${encodeURIComponent(first.id)}?q=${encodeURIComponent("疫情")}`)).text();
    expect(article, "an article's citation quotes the sentence of its first match").to.match(/<span class="citation-text">《[^<]+》，[^<]+第 \d+ 行：“[^<”]*疫情[^<]*”<\/span>/);
    const plain = await (await fetch(`${server.url}/article/${encodeURIComponent(first.id)}`)).text();
    expect(plain).to.match(/<span class="citation-text">《[^<]+》，[^<]+第 \d+ 行<\/span>/);
    const timeline = await (await fetch(`${server.url}/timeline?q=${encodeURIComponent("疫情")}&q2=${encodeURIComponent("复工")}`)).text();
    expect(timeline).to.include('class="legend"');
  });
});
