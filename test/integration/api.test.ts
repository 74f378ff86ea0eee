// The HTTP API and pages against the real server process on a free port.
import { expect } from "chai";
import type { QueryExplanation } from "../../src/search/explain.js";
import { getJson, startServer, type RunningServer } from "../support/server.js";

interface Hit {
  id: string;
  title: string;
  title_html: string;
  snippet: string;
  source: string;
  file: string;
  score: number;
  url: string;
}

/** Markup other than <mark>/</mark> means text was not escaped. */
function foreignTags(html: string): string[] {
  return html.match(/<(?!\/?mark\b)[^>]*>/g) ?? [];
}

describe("server (integration)", function () {
  this.timeout(120_000);
  let server: RunningServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  const api = (path: string) => getJson(`${server.url}${path}`);

  it("reports health with the article count and generation", async () => {
    const { status, body } = await api("/healthz");
    expect(status).to.equal(200);
    expect(body.status).to.equal("ok");
    expect(body.articles).to.be.a("number").greaterThan(20);
    expect(body.generation).to.be.a("number");
    expect(body.built_at).to.be.a("string");
  });

  it("reports malformed JSONL lines as file:line and indexes the rest", () => {
    expect(server.output()).to.match(/records\.jsonl:3: not valid JSON/);
    expect(server.output()).to.match(/records\.jsonl:5: expected a JSON object/);
    expect(server.output()).to.match(/records\.jsonl:6: "title" must be a string/);
  });

  it("finds ranked, marked, escaped results for a keyword query", async () => {
    const { status, body } = await api(`/api/search?q=${encodeURIComponent("疫情防控")}`);
    expect(status).to.equal(200);
    expect(body.total).to.be.a("number").greaterThan(5);
    const hits = body.hits as Hit[];
    expect(hits).to.have.length(10);
    const scores = hits.map((hit) => hit.score);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
    for (const hit of hits) {
      expect(hit.snippet + hit.title_html).to.include("<mark>");
      expect(foreignTags(hit.snippet)).to.deep.equal([]);
      expect(hit.url).to.match(/^\/article\//);
    }
  });

  it("answers an exact phrase broken across lines in the page, with exact counts", async () => {
    const { body } = await api(`/api/search?q=${encodeURIComponent('"防疫知识"')}&size=50`);
    const hits = body.hits as Hit[];
    const phrases = body.phrases as Array<{ phrase: string; articles: number; occurrences: number }>;
    expect(phrases[0]!.phrase).to.equal("防疫知识");
    expect(phrases[0]!.articles).to.equal(body.total);
    expect(phrases[0]!.occurrences).to.be.at.least(phrases[0]!.articles);
    expect(hits.map((hit) => hit.file)).to.include("000_74dd44bdc35d0dd1.txt");
    for (const hit of hits) expect(hit.snippet).to.include("<mark>防疫知识</mark>");
  });

  it("matches full-width and ASCII forms of the same phrase", async () => {
    const full = await api(`/api/search?q=${encodeURIComponent('"（新闻联播）"')}`);
    const half = await api(`/api/search?q=${encodeURIComponent('"(新闻联播)"')}`);
    expect((full.body.hits as Hit[]).map((hit) => hit.id).sort()).to.deep.equal(["rec-001", "rec-004"]);
    expect((half.body.hits as Hit[]).map((hit) => hit.id).sort()).to.deep.equal(["rec-001", "rec-004"]);
    const covid = await api(`/api/search?q=covid`);
    expect((covid.body.hits as Hit[]).map((hit) => hit.id)).to.deep.equal(["rec-004"]);
  });

  it("shows literal angle brackets of the text as text", async () => {
    const { body } = await api(`/api/search?q=${encodeURIComponent("脚本标签")}`);
    const hit = (body.hits as Hit[])[0]!;
    expect(hit.id).to.equal("rec-002");
    expect(hit.title_html).to.include("&lt;script&gt;");
    expect(foreignTags(hit.title_html + hit.snippet)).to.deep.equal([]);
    const report = await api(`/api/search?q=${encodeURIComponent('"<政府工作报告>"')}`);
    expect((report.body.hits as Hit[])[0]!.snippet).to.include("<mark>&lt;政府工作报告&gt;</mark>");
  });

  it("lists every occurrence of a phrase with context, article and file line (the reporter's concordance)", async () => {
    const q = encodeURIComponent('"防疫知识"');
    const { body: found } = await api(`/api/search?q=${q}`);
    const phrase = (found.phrases as Array<{ articles: number; occurrences: number }>)[0]!;
    const { status, body } = await api(`/api/occurrences?q=${q}&size=100`);
    expect(status).to.equal(200);
    expect(body).to.include({ total: phrase.occurrences, articles: phrase.articles });
    const listed = body.occurrences as Array<{ id: string; file: string; line: number; context_html: string; url: string }>;
    expect(listed).to.have.length(phrase.occurrences);
    for (const occurrence of listed) {
      expect(occurrence.context_html).to.include("<mark>防疫知识</mark>");
      expect(foreignTags(occurrence.context_html)).to.deep.equal([]);
    }
    // 防疫知 / 识 is broken across lines 25 and 27 of the page: cited where it starts.
    expect(listed.some((occurrence) => occurrence.file === "000_74dd44bdc35d0dd1.txt" && occurrence.line === 25)).to.equal(true);

    const onePerPage = await Promise.all(listed.map((_, i) => api(`/api/occurrences?q=${q}&size=1&page=${i + 1}`)));
    const paged = onePerPage.map(({ body: page }) => (page.occurrences as typeof listed)[0]!);
    expect(paged).to.deep.equal(listed);
    const beyond = await api(`/api/occurrences?q=${q}&size=1&page=${listed.length + 1}`);
    expect(beyond.body.occurrences).to.deep.equal([]);
    expect((await api(`/api/occurrences?q=${q}&size=101`)).status).to.equal(400);
  });

  it("counts the words of 疫情防控 standing together as one occurrence", async () => {
    const { body } = await api(`/api/occurrences?q=${encodeURIComponent("疫情防控")}&size=100`);
    const contexts = (body.occurrences as Array<{ context_html: string }>).map((occurrence) => occurrence.context_html);
    expect(contexts.some((html) => html.includes("<mark>疫情防控</mark>"))).to.equal(true);
    expect(contexts.some((html) => html.includes("<mark>疫情</mark><mark>防控</mark>"))).to.equal(false);
  });

  it("links the results page to the occurrence list, which renders every row", async () => {
    const q = encodeURIComponent('"防疫知识"');
    const results = await (await fetch(`${server.url}/?q=${q}`)).text();
    expect(results).to.include(`href="/occurrences?q=${q}"`);
    const html = await (await fetch(`${server.url}/occurrences?q=${q}`)).text();
    expect(html.match(/<mark>防疫知识<\/mark>/g)?.length).to.be.at.least(3);
    expect(html).to.include("000_74dd44bdc35d0dd1.txt:25");
  });

  it("serves an article as JSON and 404s an unknown id", async () => {
    const found = await api("/api/articles/rec-004");
    expect(found.status).to.equal(200);
    expect(found.body).to.include({ id: "rec-004", source: "fixture-news", file: "records.jsonl", lineStart: 4 });
    expect(found.body.body).to.be.a("string");
    const missing = await api("/api/articles/no-such-id");
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.include("no-such-id");
    expect(missing.body.code).to.equal("not_found");
  });

  const badRequests: Array<[string, string, RegExp]> = [
    ["/api/search", "invalid_parameter", /q: 查询是空的/],
    ["/api/search?q=%20%20", "invalid_parameter", /q: 查询是空的/],
    [`/api/search?q=${"长".repeat(201)}`, "invalid_parameter", /查询太长/],
    ["/api/search?q=a&page=0", "invalid_parameter", /page: 须在 1 到/],
    ["/api/search?q=a&page=abc", "invalid_parameter", /page: 须是 1 到 500 之间的整数/],
    ["/api/search?q=a&size=1000", "invalid_parameter", /size: 须在 1 到 50 之间/],
    ["/api/search?q=a&sort=random", "invalid_parameter", /sort: 须是 relevance、newest、oldest 之一/],
    ["/api/search?q=a&q=b", "invalid_parameter", /q: 只能给一次/],
    [`/api/search?q=${encodeURIComponent('""')}`, "phrase_empty", /引号里没有内容/],
    [`/api/search?q=${encodeURIComponent("foo:bar")}`, "unknown_field", /不认识的字段“foo:”（第 1 个字符处）；可用的字段：title（标题）、author（作者）、source（来源）、date（日期）/],
  ];
  for (const [path, code, message] of badRequests) {
    it(`rejects ${decodeURIComponent(path).slice(0, 40)} with 400, a code and a message`, async () => {
      const { status, body } = await api(path);
      expect(status).to.equal(400);
      expect(body.code).to.equal(code);
      expect(body.error).to.match(message);
    });
  }

  it("shows a query error inline on the page, keeping the input", async () => {
    const response = await fetch(`${server.url}/?q=${encodeURIComponent('疫情 "" 防疫')}`);
    expect(response.status).to.equal(400);
    const html = await response.text();
    expect(html).to.include('role="alert"');
    expect(html).to.include('value="疫情 &#34;&#34; 防疫"');
  });

  it("renders the same order on the page as in the API", async () => {
    const { body } = await api(`/api/search?q=${encodeURIComponent("复工复产")}`);
    const html = await (await fetch(`${server.url}/?q=${encodeURIComponent("复工复产")}`)).text();
    const pageIds = [...html.matchAll(/href="\/article\/([^"?]+)/g)].map((match) => decodeURIComponent(match[1]!));
    expect(pageIds).to.deep.equal((body.hits as Hit[]).map((hit) => hit.id));
  });

  it("marks every occurrence on the article page", async () => {
    const html = await (await fetch(`${server.url}/article/rec-004?q=${encodeURIComponent("疫情防控")}`)).text();
    expect(html).to.match(/<mark id="m0">/);
  });

  it("answers a repeated query from the result cache, the same hits, and says so in the API only (readers need not know)", async () => {
    for (const [path, rows] of [
      ["/api/search?q=" + encodeURIComponent("科普 宣传"), "hits"],
      ["/api/occurrences?q=" + encodeURIComponent("\"防控\""), "occurrences"],
    ] as const) {
      const first = await api(path);
      const again = await api(path);
      expect([first.body.cached, again.body.cached], path).to.deep.equal([false, true]);
      expect(again.body[rows], path).to.deep.equal(first.body[rows]);
      expect((again.body[rows] as unknown[]).length, path).to.be.greaterThan(0);
    }
    const page = async (): Promise<string> => (await fetch(`${server.url}/?q=${encodeURIComponent("扶贫 街道")}`)).text();
    const [first, again] = [await page(), await page()];
    const ids = (html: string): string[] => [...html.matchAll(/href="\/article\/([^"?]+)/g)].map((match) => match[1]!);
    expect(ids(again)).to.deep.equal(ids(first)).and.to.have.length.greaterThan(0);
    expect(first + again).to.not.include("缓存");
  });

  it("sorts oldest first across pages, keeps sort and page in every link, and takes date as newest", async () => {
    const q = encodeURIComponent("date:2000..2030");
    const all = await api(`/api/search?q=${q}&sort=oldest&size=50`);
    const dates = (all.body.hits as Array<{ date: string }>).map((hit) => hit.date);
    expect(dates.length, "browsing by date alone lists dated articles").to.be.at.least(3);
    expect(dates).to.deep.equal([...dates].sort());
    const paged: string[] = [];
    for (let page = 1; page <= dates.length; page++) {
      const { body } = await api(`/api/search?q=${q}&sort=oldest&size=1&page=${page}`);
      expect(body.sort).to.equal("oldest");
      paged.push(...(body.hits as Hit[]).map((hit) => hit.id));
    }
    expect(paged).to.deep.equal((all.body.hits as Hit[]).map((hit) => hit.id));
    expect((await api(`/api/search?q=${q}&sort=date`)).body.sort, "date is an alias").to.equal("newest");

    const html = await (await fetch(`${server.url}/?q=${q}&sort=oldest&size=1&page=2`)).text();
    expect(html).to.match(/<option value="oldest" selected>/);
    expect(html).to.include(`href="/?q=${q}&amp;sort=oldest&amp;page=3&amp;size=1"`);
    expect(html).to.include(`href="/?q=${q}&amp;sort=oldest&amp;size=1"`); // page 1, the default page, left out
    expect(html).to.include(`href="/occurrences?q=${q}&amp;sort=oldest"`);
    const articleLink = /<h2>(?:<span class="rank"[^>]*>\d+<\/span>)?<a href="(\/article\/[^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&");
    expect(articleLink).to.match(/sort=oldest&page=2&size=1$/);
    const article = await (await fetch(`${server.url}${articleLink}`)).text();
    expect(article, "back to the same page of the same list").to.include(`href="/?q=${q}&amp;sort=oldest&amp;page=2&amp;size=1"`);
  });

  it("counts a phrase within the filters and labels the whole archive's figure", async () => {
    const phrase = encodeURIComponent('"疫情防控"');
    const whole = (await api(`/api/search?q=${phrase}`)).body.phrases as Array<Record<string, unknown>>;
    const dated = (await api(`/api/search?q=${phrase}${encodeURIComponent(" date:2020-04-02")}`)).body.phrases as Array<Record<string, unknown>>;
    expect(whole[0]).to.not.have.property("archive");
    expect(dated[0]!.archive).to.deep.equal({ articles: whole[0]!.articles, occurrences: whole[0]!.occurrences });
    expect(dated[0]!.articles).to.be.below(whole[0]!.articles as number);
    const html = await (await fetch(`${server.url}/?q=${phrase}${encodeURIComponent(" date:2020-04-02")}`)).text();
    expect(html).to.match(/在筛选范围内出现在 <strong>\d+<\/strong> 篇文章中.*（全库：\d+ 篇，\d+ 处）/);
  });

  it("answers unknown pages with 404, in Chinese, saying where to go", async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).to.equal(404);
    expect(await response.text()).to.include("没有这个页面：/nope。请从首页开始检索");
  });

  it("completes Chinese and pinyin prefixes from the index's words, most frequent first", async () => {
    for (const q of ["疫", "yiq", "疫情 防"]) {
      const { status, body } = await api(`/api/suggest?q=${encodeURIComponent(q)}`);
      expect(status, q).to.equal(200);
      expect(body.query).to.equal(q);
      const suggestions = body.suggestions as Array<{ text: string; count: number }>;
      expect(suggestions.length, q).to.be.within(1, 10);
      const counts = suggestions.map((suggestion) => suggestion.count);
      expect(counts, "by frequency").to.deep.equal([...counts].sort((a, b) => b - a));
      if (q === "yiq") expect(suggestions[0]!.text).to.equal("疫情");
      if (q === "疫情 防") expect(suggestions.map((suggestion) => suggestion.text)).to.include("疫情 防控");
      else for (const { text } of suggestions) expect(text.startsWith("疫") || q === "yiq", text).to.equal(true);
    }
    const missing = await api("/api/suggest");
    expect(missing.status).to.equal(400);
    expect(missing.body.code).to.equal("invalid_parameter");
  });

  it("corrects a homophone typo that finds nothing, says so on the page and links to the query as typed", async () => {
    const { body } = await api(`/api/search?q=${encodeURIComponent("疫情防空")}`);
    expect(body.corrected_from).to.equal("疫情防空");
    expect(body.query).to.equal("疫情防控");
    expect(body.total).to.be.greaterThan(0);
    const typed = await api(`/api/search?q=${encodeURIComponent("疫情防空")}&correct=0`);
    expect(typed.body.total).to.equal(0);
    expect(typed.body.suggestions).to.deep.equal([{ query: "疫情防控", reason: "homophone" }]);
    const page = await (await fetch(`${server.url}/?q=${encodeURIComponent("疫情防空")}`)).text();
    expect(page).to.include('id="search-as-typed"').and.include("correct=0");
    // Its articles are marked for the corrected query, and say what was typed.
    const hit = (body.hits as Hit[])[0]!;
    expect(hit.url).to.include(`q=${encodeURIComponent("疫情防控")}`).and.include(`&typed=${encodeURIComponent("疫情防空")}`);
    const article = await (await fetch(`${server.url}${hit.url}`)).text();
    expect(article).to.include('id="corrected"').and.include("<strong>疫情防控</strong>").and.include("correct=0");
    expect(article).to.match(/<mark[^>]*>疫情防控<\/mark>|<mark[^>]*>疫情<\/mark>/);
    const plain = await (await fetch(`${server.url}/article/${encodeURIComponent(hit.id)}?q=${encodeURIComponent("疫情防控")}`)).text();
    expect(plain, "no correction, nothing said").not.to.include('id="corrected"');
  });

  it("a reporter's name finds the stories under that byline (bylines are not in the text), as a correction, and offers it as a filter", async () => {
    const filtered = await api(`/api/search?q=${encodeURIComponent("作者:都镇强")}`);
    expect(filtered.body.total).to.be.greaterThan(0);
    const { body } = await api(`/api/search?q=${encodeURIComponent("都镇强")}`);
    expect({ from: body.corrected_from, query: body.query, total: body.total }).to.deep.equal({ from: "都镇强", query: "作者:都镇强", total: filtered.body.total });
    const typed = await api(`/api/search?q=${encodeURIComponent("都镇强")}&correct=0`);
    expect(typed.body.total).to.equal(0);
    expect(typed.body.suggestions).to.deep.equal([{ query: "作者:都镇强", reason: "author", label: "只看 都镇强 署名的报道" }]);
    // With other words: the byline takes the name's place, and the other words stay.
    const together = await api(`/api/search?q=${encodeURIComponent("都镇强 潍坊")}`);
    expect({ from: together.body.corrected_from, query: together.body.query, relaxed: together.body.relaxed }).to.deep.equal({ from: "都镇强 潍坊", query: "潍坊 作者:都镇强", relaxed: false });
    expect(together.body.total).to.be.within(1, filtered.body.total as number);
    const page = await (await fetch(`${server.url}/?q=${encodeURIComponent("都镇强")}&correct=0`)).text();
    expect(page).to.include('data-reason="author"').and.include("只看 都镇强 署名的报道");
    const explained = await api(`/api/analyze?q=${encodeURIComponent("都镇强")}`);
    expect(explained.body.correction, "a name is no typo").to.equal(null);
    expect(explained.body.suggestions).to.deep.equal([{ query: "作者:都镇强", reason: "author", label: "只看 都镇强 署名的报道" }]);
  });

  it("COVID-19 also finds 新冠肺炎 (a synonym), the literal match first, and the page says how it searched", async () => {
    const { body } = await api(`/api/search?q=${encodeURIComponent("COVID-19")}&size=50`);
    expect(body.expansions).to.deep.equal([{ from: "COVID-19", to: ["新冠肺炎", "新型冠状病毒肺炎"], reason: "synonym" }]);
    const hits = body.hits as Hit[];
    expect(hits.length).to.be.greaterThan(1);
    expect(hits[0]!.snippet + hits[0]!.title_html, "the literal match ranks first").to.include("<mark>ＣＯＶＩＤ</mark>");
    const page = await (await fetch(`${server.url}/?q=${encodeURIComponent("COVID-19")}`)).text();
    expect(page).to.include('id="understood"').and.include("新冠肺炎").and.include("同义词");
    // An article found through the synonym marks it, and says so.
    const bySynonym = hits.find((hit) => !/ＣＯＶＩＤ|COVID/i.test(hit.title + hit.snippet))!;
    expect(bySynonym, "some hit has only the synonym").to.not.equal(undefined);
    const article = await (await fetch(`${server.url}${bySynonym.url}`)).text();
    expect(article).to.match(/<mark[^>]*>(新冠肺炎|新型冠状病毒肺炎)<\/mark>/);
    expect(article).to.include('id="understood"').and.include("<strong>COVID-19</strong> 及 新冠肺炎、新型冠状病毒肺炎（同义词）");
    expect(article).not.to.include('id="corrected"');
  });

  it("explains how a query was understood: items, folded forms, jieba terms, expansions, filters, correction", async () => {
    const { status, body: answer } = await api(`/api/analyze?q=${encodeURIComponent("疫情防空 ＡＰＥＣ -扶贫 date:2020-03")}`);
    expect(status).to.equal(200);
    const body = answer as unknown as QueryExplanation;
    expect(body.required[0]![0]).to.include({ text: "疫情防空", kind: "words", folded: "疫情防空" });
    expect(body.required[0]![0]!.terms).to.deep.equal(["疫情", "防空"]);
    expect(body.required[1]![0]).to.include({ folded: "apec", whole_words: true });
    expect(body.required[1]!.slice(1).map((item) => item.added_as)).to.deep.equal(["synonym"]);
    expect(body.excluded[0]!.text).to.equal("扶贫");
    expect(body.filters.date).to.deep.equal({ from: "2020-03-01", to: "2020-03-31" });
    expect(body.expansions).to.deep.equal([{ from: "ＡＰＥＣ", to: ["亚太经合组织"], reason: "synonym" }]);
    expect((await api("/api/analyze")).status).to.equal(400);
    const forgiven = await api(`/api/analyze?q=${encodeURIComponent('"疫情')}`);
    expect((forgiven.body as unknown as QueryExplanation).notes, "how a forgiven query was read").to.not.deep.equal([]);
    expect((await api(`/api/analyze?q=${"疫".repeat(201)}`)).status, "too long").to.equal(400);
  });

  it("serves /favicon.ico", async () => {
    const response = await fetch(`${server.url}/favicon.ico`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/icon/);
    expect((await response.arrayBuffer()).byteLength).to.be.greaterThan(100);
  });

  it("says on the page how a forgiven query was read, and reads 标题: as title:", async () => {
    const forgiven = await (await fetch(`${server.url}/?q=${encodeURIComponent("“防疫知识\"")}`)).text();
    expect(forgiven).to.include("引号 “ 与 &#34; 不成对，已按短语“防疫知识”检索");
    const { body } = await api(`/api/search?q=${encodeURIComponent("标题：疫情")}`);
    const { body: english } = await api(`/api/search?q=${encodeURIComponent("title:疫情")}`);
    expect(body.total).to.be.greaterThan(0);
    const ids = (hits: unknown): unknown[] => (hits as Array<{ id: string }>).map((hit) => hit.id);
    expect(ids(body.hits)).to.deep.equal(ids(english.hits));
  });

  it("advertises only the filters this archive can use, and states its date range", async () => {
    const home = await (await fetch(server.url)).text();
    expect(home).to.include("日期从 ");
    expect(home).to.include("作者:王尚磊"); // the bundled pages have bylines
    expect(home).to.not.include("来源:"); // one source label: nothing to choose between
  });
});
