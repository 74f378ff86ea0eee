// An expensive query, a crowd of them, an over-long URL and an overlong article against the real
// server on a free port, over a generated corpus (3,000 records and one of 280,000 characters).
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MAX_QUERY_ITEMS } from "../../src/search/query-parser.js";
import { startServer, type RunningServer } from "../support/server.js";

const WORDS = ["发展", "改革", "开放", "人民", "经济", "道路", "科技", "创新", "民生", "教育"];
const HUGE_BODY = "发展是硬道理。".repeat(40_000);

function writeCorpus(dir: string): void {
  const records = Array.from({ length: 3000 }, (_, i) => ({
    id: `r${i}`,
    title: `${WORDS[i % WORDS.length]}的新闻第${i}号`,
    body: Array.from({ length: 12 }, (_, k) => `${WORDS[(i + k) % WORDS.length]}是${WORDS[(i * 7 + k) % WORDS.length]}的一部分，也是我们的事。`).join("\n"),
  }));
  records.push({ id: "huge", title: "很长的一篇", body: HUGE_BODY });
  writeFileSync(path.join(dir, "records.jsonl"), records.map((record) => JSON.stringify(record)).join("\n"));
}

/** Lists every occurrence of very common characters deep into the results: far more than one slice of work. */
const WORST = `/api/occurrences?q=${encodeURIComponent("的 OR 是 OR 一")}&page=30&size=100`;

describe("overload (integration)", function () {
  this.timeout(180_000);
  let seedsDir: string;
  let indexRoot: string;
  let tiny: RunningServer; // --query-budget 1: every real search runs out of time
  let strict: RunningServer; // --expensive-queries 0: every search longer than a slice is refused
  let plain: RunningServer; // the defaults: marking 40,000 matches takes more than a slice, and is allowed to

  before(async () => {
    seedsDir = mkdtempSync(path.join(os.tmpdir(), "zh-news-overload-seeds-"));
    indexRoot = mkdtempSync(path.join(os.tmpdir(), "zh-news-overload-index-"));
    writeCorpus(seedsDir);
    const indexDir = path.join(indexRoot, "index");
    tiny = await startServer({ seedsDir, indexDir, extraArgs: ["--query-budget", "1"] });
    strict = await startServer({ seedsDir, indexDir, extraArgs: ["--expensive-queries", "0"] });
    plain = await startServer({ seedsDir, indexDir });
  });

  after(async () => {
    await tiny?.stop();
    await strict?.stop();
    await plain?.stop();
    for (const dir of [seedsDir, indexRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stops a query that runs out of its budget with 503 query_too_expensive, saying how to narrow it", async () => {
    const response = await fetch(`${tiny.url}${WORST}`);
    expect(response.status).to.equal(503);
    const body = (await response.json()) as Record<string, string>;
    expect(body.code).to.equal("query_too_expensive");
    expect(body.error).to.include("1 毫秒内没有完成");
    expect(body.hint).to.include("请缩小范围");
  });

  it("shows the same on the page, inline beside the query", async () => {
    const response = await fetch(`${tiny.url}${WORST.replace("/api", "")}`);
    expect(response.status).to.equal(503);
    const html = await response.text();
    expect(html).to.match(/role="alert"[\s\S]*1 毫秒内没有完成[\s\S]*请缩小范围/);
    expect(html).to.include('value="的 OR 是 OR 一"');
  });

  // Not only searches: what else a request can make long is paced by the same budget.
  it("stops /api/analyze of an expensive query (it searches it) with 503 and the hint", async () => {
    const response = await fetch(`${tiny.url}/api/analyze?q=${encodeURIComponent("的 OR 是 OR 一")}`);
    expect(response.status).to.equal(503);
    const body = (await response.json()) as Record<string, string>;
    expect(body.code).to.equal("query_too_expensive");
    expect(body.hint).to.include("请缩小范围");
  });

  it("stops marking the matches of a common word in a huge article: 503 page that says how to narrow the query", async () => {
    const response = await fetch(`${tiny.url}/article/huge?q=${encodeURIComponent("发展 OR 是")}`);
    expect(response.status).to.equal(503);
    const html = await response.text();
    expect(html).to.include("1 毫秒内没有完成");
    expect(html).to.include("请缩小范围");
    const plain = await fetch(`${tiny.url}/article/huge`);
    expect(plain.status, "without a query nothing is matched").to.equal(200);
  });

  it("stays responsive while and after such queries are stopped", async () => {
    const stopped = await Promise.all(Array.from({ length: 6 }, () => fetch(`${tiny.url}${WORST}`).then((response) => response.status)));
    expect(stopped).to.deep.equal(Array(6).fill(503));
    const [health, article] = await Promise.all([fetch(`${tiny.url}/healthz`), fetch(`${tiny.url}/api/articles/r1`)]);
    expect([health.status, article.status]).to.deep.equal([200, 200]);
  });

  it(`refuses a query of more than ${MAX_QUERY_ITEMS} words and phrases with 400 too_many_items`, async () => {
    const query = Array.from({ length: MAX_QUERY_ITEMS + 1 }, (_, i) => WORDS[i % WORDS.length]).join(" OR ");
    const response = await fetch(`${strict.url}/api/search?q=${encodeURIComponent(query)}`);
    expect(response.status).to.equal(400);
    const body = (await response.json()) as Record<string, string>;
    expect(body).to.include({ code: "too_many_items" });
    expect(body.error).to.include(`最多 ${MAX_QUERY_ITEMS} 个`);
  });

  it("refuses expensive work when no more may run: 503 server_busy with Retry-After; cheap queries still answer", async () => {
    const response = await fetch(`${strict.url}${WORST}`);
    expect(response.status).to.equal(503);
    expect(response.headers.get("retry-after")).to.equal("1");
    expect(await response.json()).to.include({ code: "server_busy" });
    const cheap = await fetch(`${strict.url}/api/search?q=${encodeURIComponent("很长的一篇")}`);
    expect(cheap.status).to.equal(200);
  });

  it("keeps idle connections open longer than common proxies do (65 s)", async () => {
    const response = await fetch(`${strict.url}/healthz`);
    expect(response.headers.get("keep-alive")).to.equal("timeout=65");
  });

  it("answers an over-long URL with 431 and a body: JSON under /api, a page elsewhere", async () => {
    const long = encodeURIComponent("发".repeat(3000)); // 27,000 characters, over Node's 16 KiB of headers
    const api = await fetch(`${strict.url}/api/search?q=${long}`);
    expect(api.status).to.equal(431);
    const body = (await api.json()) as Record<string, string>;
    expect(body.code).to.equal("headers_too_large");
    expect(body.error).to.include("请缩短网址");
    const page = await fetch(`${strict.url}/?q=${long}`);
    expect(page.status).to.equal(431);
    expect(page.headers.get("content-type")).to.include("text/html");
    expect(await page.text()).to.include("请缩短网址");
  });

  it("caps the article page (shown length and marks) and offers the full text", async () => {
    const response = await fetch(`${plain.url}/article/huge?q=${encodeURIComponent("发展")}`);
    expect(response.status).to.equal(200);
    const html = await response.text();
    expect(html.length).to.be.below(600_000); // uncapped: 280,000 characters with 40,000 marks, over 2 MB
    expect(html.match(/<mark/g)).to.have.length(1000);
    expect(html).to.include("只标出正文中的前 1000 处匹配");
    expect(html).to.include("本页只显示前 200,000 字");
    expect(html).to.include('href="/article/huge/text"');
    const text = await fetch(`${plain.url}/article/huge/text`);
    expect(text.headers.get("content-type")).to.include("text/plain");
    expect(await text.text()).to.equal(`很长的一篇\n\n${HUGE_BODY}\n`);
  });
});
