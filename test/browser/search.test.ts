// A reader in a real browser: Debian's Chromium driven by playwright-core (no browser download).
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { startServer, type RunningServer } from "../support/server.js";

describe("search page in Chromium (browser)", function () {
  this.timeout(120_000);
  let server: RunningServer;
  let browser: Browser;

  before(async function () {
    browser = await launchChromium();
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("types 疫情防控, sees marked results and opens an article with every match marked", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill('input[name="q"]', "疫情防控");
    await page.press('input[name="q"]', "Enter");
    await page.waitForSelector("ol.hits li.hit");
    expect(await page.locator("#stats").innerText()).to.match(/找到 \d+ 篇文章/);
    const hits = page.locator("ol.hits li.hit");
    expect(await hits.count()).to.equal(10);
    expect(await hits.first().locator("mark").count()).to.be.greaterThan(0);
    expect(await page.locator("ol.hits mark").first().innerText()).to.match(/疫情|防控/);

    const title = await hits.first().locator("h2 a").innerText();
    await hits.first().locator("h2 a").click();
    await page.waitForSelector("main.article h1");
    expect(await page.locator("main.article h1").innerText()).to.equal(title);
    const marks = await page.locator("main.article .body mark").count();
    expect(marks).to.be.greaterThan(0);
    await page.locator('.matchbar a[href="#m0"]').click();
    expect(page.url()).to.match(/#m0$/);
    expect(await page.locator("mark#m0").isVisible()).to.equal(true);
    await page.screenshot({ path: "/tmp/zh-news-search-article.png", fullPage: false });
  });

  it("shows a query error inline and keeps what the user typed", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill('input[name="q"]', "防疫 date:2020-13");
    await page.press('input[name="q"]', "Enter");
    await page.waitForSelector('[role="alert"]');
    expect(await page.locator('[role="alert"]').innerText()).to.include("没有 13 月");
    expect(await page.inputValue('input[name="q"]')).to.equal("防疫 date:2020-13");
  });
});
