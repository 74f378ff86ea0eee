// Every page type in real Chromium at a small phone, a large phone and a desktop width: no horizontal
// scroll, one <h1>, and 0 axe-core violations of WCAG 2.2 AA. Then what a reader does: jump to a
// match, get around with the keyboard only, type a phrase with mismatched quotes. Screenshots of
// every page at every width are kept in test-artifacts/ (gitignored) for a person to look at.
import { expect } from "chai";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { REPO, startServer, type RunningServer } from "../support/server.js";

const WIDTHS = [320, 390, 1280] as const;
const ARTIFACTS = path.join(REPO, "test-artifacts");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

// The page's globals, as far as the checks below use them: the project compiles without the DOM library.
interface Box {
  top: number;
  bottom: number;
  left: number;
  width: number;
  height: number;
}
interface PageElement {
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): PageElement | null;
  scrollHeight: number;
  clientHeight: number;
}
declare const document: {
  activeElement: PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  body: PageElement;
  documentElement: { scrollWidth: number };
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  elementFromPoint(x: number, y: number): PageElement | null;
};
declare function getComputedStyle(element: PageElement): { lineHeight: string };
declare const window: { innerWidth: number; innerHeight: number; scrollTo(x: number, y: number): void };
declare const location: { hash: string };
interface Axe {
  run(context: typeof document, options: object): Promise<{ violations: AxeViolation[] }>;
}

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** A page of each type, by the path that shows it (the article's is found from the results). */
const PAGES: Array<[name: string, path: string, status: number]> = [
  ["home", "/", 200],
  ["results", `/?q=${encodeURIComponent("疫情防控")}`, 200],
  ["relaxed", `/?q=${encodeURIComponent("疫情 火星探测器")}`, 200],
  ["zero-results", `/?q=${encodeURIComponent("火星探测器")}`, 200],
  // A pinyin slip (功坚 for 攻坚): the page shows the corrected query's results and a way back.
  ["corrected", `/?q=${encodeURIComponent("脱贫功坚")}`, 200],
  ["query-error", `/?q=${encodeURIComponent("疫情 date:2020-13")}`, 400],
  ["not-found", "/article/no-such-article", 404],
  ["occurrences", `/occurrences?q=${encodeURIComponent("疫情")}&page=2`, 200],
  // Numbers 1001–1100: four digits must not hang into the margin.
  ["occurrences-1001", `/occurrences?q=${encodeURIComponent("的")}&size=100&page=11`, 200],
  ["article", "", 200],
];

describe("every page at 320, 390 and 1280 px (browser)", function () {
  this.timeout(300_000);
  let server: RunningServer;
  let browser: Browser;
  let articlePath: string;

  before(async function () {
    // 400 real broadcasts beside the bundled pages: dates, one source label, thousands of occurrences.
    server = await startServer({ extraSeeds: ["test/fixtures/browser.jsonl", "test/fixtures/xwlb-400.jsonl.gz"] });
    browser = await launchChromium();
    const search = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent("疫情防控")}`)).json()) as { hits: Array<{ url: string }> };
    articlePath = search.hits[0]!.url;
    PAGES.find(([name]) => name === "article")![1] = articlePath;
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A page at `width`; the CSP is bypassed only so that the test can inject axe-core's source. */
  async function open(width: number, pathAndQuery: string): Promise<{ context: BrowserContext; page: Page; status: number }> {
    const context = await browser.newContext({ viewport: { width, height: width < 800 ? 740 : 900 }, bypassCSP: true });
    const page = await context.newPage();
    const response = await page.goto(server.url + pathAndQuery);
    return { context, page, status: response?.status() ?? 0 };
  }

  for (const width of WIDTHS) {
    for (const [name, , expectedStatus] of PAGES) {
      it(`${name} at ${width} px: no horizontal scroll, one <h1>, 0 axe violations (WCAG 2.2 AA)`, async () => {
        const pagePath = PAGES.find(([other]) => other === name)![1];
        const { context, page, status } = await open(width, pagePath);
        try {
          expect(status).to.equal(expectedStatus);
          const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
          expect(widths.scroll, `${name} at ${width} px is ${widths.scroll} px wide`).to.be.at.most(widths.viewport);
          // Content past the left edge does not widen the page but is cut off all the same (a list number in the margin).
          const cutOff = await page.evaluate(() =>
            [...document.querySelectorAll("main *")].filter((element) => element.getBoundingClientRect().width > 0 && element.getBoundingClientRect().left < 0).map((element) => element.textContent),
          );
          expect(cutOff, `${name} at ${width} px: content left of the page`).to.deep.equal([]);
          expect(await page.locator("h1").count()).to.equal(1);
          await page.addScriptTag({ content: AXE_SOURCE });
          const violations = await page.evaluate(
            (tags) => (window as unknown as { axe: Axe }).axe.run(document, { runOnly: { type: "tag", values: tags } }).then((result) => result.violations),
            AXE_TAGS,
          );
          const report = violations.map((v) => `${v.id}: ${v.help}\n    ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("\n    ")}`);
          expect(report, `axe on ${name} at ${width} px`).to.deep.equal([]);
          await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`) });
        } finally {
          await context.close();
        }
      });
    }
  }

  for (const width of WIDTHS) {
    it(`at ${width} px, "jump to match N" shows the match below the sticky match bar, not under it`, async () => {
      const { context, page } = await open(width, articlePath);
      try {
        const links = page.locator('.matchbar a[href^="#m"]');
        const count = await links.count();
        expect(count, "the article has several body matches").to.be.at.least(3);
        for (const n of [Math.floor(count / 2), count - 1]) {
          await links.nth(n).click();
          await page.waitForFunction((id) => location.hash === `#${id}`, `m${n}`);
          const seen = await page.evaluate((id) => {
            const mark = document.getElementById(id)!.getBoundingClientRect();
            const bar = document.querySelector(".matchbar")!.getBoundingClientRect();
            const atCenter = document.elementFromPoint(mark.left + Math.min(mark.width, 8) / 2, mark.top + mark.height / 2);
            return { top: mark.top, bottom: mark.bottom, barBottom: bar.bottom, height: window.innerHeight, hit: atCenter?.closest("mark")?.id ?? null };
          }, `m${n}`);
          expect(seen.top, `match ${n + 1} starts below the bar`).to.be.at.least(seen.barBottom);
          expect(seen.bottom, `match ${n + 1} is on screen`).to.be.at.most(seen.height);
          expect(seen.hit, `match ${n + 1} is what the reader sees at its place`).to.equal(`m${n}`);
        }
        await page.screenshot({ path: path.join(ARTIFACTS, `article-jump-${width}.png`) });
        // Back at the top, the bar is in its place under the header, not over the search box.
        await page.evaluate(() => window.scrollTo(0, 0));
        const overlap = await page.evaluate(() => {
          const box = document.getElementById("q")!.getBoundingClientRect();
          const bar = document.querySelector(".matchbar")!.getBoundingClientRect();
          return bar.top < box.bottom && box.top < bar.bottom;
        });
        expect(overlap).to.equal(false);
      } finally {
        await context.close();
      }
    });
  }

  it("on a phone a long snippet shows three lines and 展开摘要 shows it whole; a desktop shows it whole", async () => {
    const results = `/?q=${encodeURIComponent("疫情防控")}`;
    const { context, page } = await open(390, results);
    try {
      const hit = page.locator("ol.hits li.hit").filter({ has: page.locator("details.more") }).first();
      const snippet = hit.locator(".snippet");
      const lineHeight = await snippet.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
      const clamped = (await snippet.boundingBox())!.height;
      expect(clamped).to.be.at.most(3 * lineHeight + 1);
      await hit.locator("details.more summary").click();
      expect((await snippet.boundingBox())!.height).to.be.greaterThan(clamped);
      expect(await hit.locator("details.more summary").innerText()).to.equal("收起");
    } finally {
      await context.close();
    }
    const desktop = await open(1280, results);
    try {
      expect(await desktop.page.locator("details.more").first().isVisible()).to.equal(false);
      const heights = await desktop.page.locator(".snippet.clamped").evaluateAll((elements) => elements.map((element) => element.scrollHeight - element.clientHeight));
      expect(heights.every((hidden) => hidden === 0), "nothing of a snippet is hidden").to.equal(true);
    } finally {
      await desktop.context.close();
    }
  });

  it("keyboard only: the box on the home page, a query, Tab to a result, Enter, and back", async () => {
    const { context, page } = await open(390, "/");
    try {
      // Chromium focuses an autofocus element at a rendering update after load: wait for it (5 s at most).
      await page.waitForFunction(() => document.activeElement?.id === "q", undefined, { timeout: 5000 });
      await page.keyboard.type("疫情防控");
      await page.keyboard.press("Enter");
      await page.waitForSelector("ol.hits li.hit");
      // No autofocus on a results page: Space scrolls instead of typing into the box.
      expect(await page.evaluate(() => document.activeElement === document.body)).to.equal(true);
      await page.keyboard.press("Space");
      expect(await page.inputValue("#q")).to.equal("疫情防控");
      await page.keyboard.press("/");
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal("q");
      expect(await page.inputValue("#q"), "'/' focuses the box, it does not type a slash").to.equal("疫情防控");

      const firstResult = await page.locator("ol.hits li.hit h2 a").first().getAttribute("href");
      for (let presses = 0; presses < 10; presses++) {
        await page.keyboard.press("Tab");
        if ((await page.evaluate(() => document.activeElement?.getAttribute("href"))) === firstResult) break;
      }
      expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).to.equal(firstResult);
      await page.keyboard.press("Enter");
      await page.waitForSelector("main.article h1");

      for (let presses = 0; presses < 10; presses++) {
        await page.keyboard.press("Tab");
        if ((await page.evaluate(() => document.activeElement?.closest(".back") !== null))) break;
      }
      expect(await page.evaluate(() => document.activeElement?.textContent)).to.include("返回");
      await page.keyboard.press("Enter");
      await page.waitForSelector("ol.hits li.hit");
      expect(await page.inputValue("#q")).to.equal("疫情防控");
    } finally {
      await context.close();
    }
  });

  it("finds the phrase of “人类命运共同体\" (mixed quotes) as of \"人类命运共同体\", and says how it read the query", async () => {
    const exact = (await (await fetch(`${server.url}/api/search?q=${encodeURIComponent('"人类命运共同体"')}`)).json()) as { total: number; hits: Array<{ url: string }> };
    expect(exact.total, "the fixtures hold the phrase").to.be.at.least(1);
    const { context, page } = await open(390, "/");
    try {
      await page.fill("#q", "“人类命运共同体\"");
      await page.press("#q", "Enter");
      await page.waitForSelector("ol.hits li.hit");
      expect(await page.locator("#notes").innerText()).to.include("已按短语“人类命运共同体”检索");
      expect(await page.locator("#stats").innerText()).to.include(`找到 ${exact.total} 篇文章`);
      const titles = page.locator("ol.hits li.hit h2 a");
      expect(await titles.count()).to.equal(exact.hits.length);
      for (const [i, hit] of exact.hits.entries()) {
        expect(decodeURIComponent((await titles.nth(i).getAttribute("href"))!).split("?")[0]).to.equal(decodeURIComponent(hit.url).split("?")[0]);
      }
      expect(await page.locator("ol.hits mark").first().innerText()).to.equal("人类命运共同体");
      await page.screenshot({ path: path.join(ARTIFACTS, "mixed-quotes-390.png") });
    } finally {
      await context.close();
    }
  });

  it("says which words matched on a relaxed result (articles and occurrences), and the archive's dates on an empty one", async () => {
    const { context, page } = await open(1280, `/?q=${encodeURIComponent("疫情 火星探测器")}`);
    try {
      const relaxed = await page.locator("#relaxed").innerText();
      expect(relaxed).to.match(/找到了：“疫情”（\d+ 篇）/);
      expect(relaxed).to.include("没找到：“火星探测器”");
      await page.goto(`${server.url}/occurrences?q=${encodeURIComponent("疫情 火星探测器")}`);
      expect(await page.locator("#relaxed").innerText()).to.include("没找到：“火星探测器”");
      await page.goto(`${server.url}/?q=${encodeURIComponent("火星探测器")}`);
      const empty = await page.locator("#empty").innerText();
      expect(empty).to.include("没有找到文章");
      expect(empty).to.match(/日期从 \d{4}-\d{2}-\d{2} 到 \d{4}-\d{2}-\d{2}/);
    } finally {
      await context.close();
    }
  });
});
