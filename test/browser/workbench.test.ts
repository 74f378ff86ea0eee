// A reporter in a real browser: narrows by a facet, follows a timeline bar, downloads the CSV.
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { startServer, type RunningServer } from "../support/server.js";

describe("reporter's workbench in Chromium (browser)", function () {
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

  it("clicks a facet, then a timeline bar, and downloads every result as CSV", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await page.goto(`${server.url}/?q=${encodeURIComponent("疫情 OR 复工 OR 代表")}&sort=oldest`);
    // Wide screen: the facets are an open sidebar.
    expect(await page.locator("#facets").getAttribute("open")).to.not.equal(null);
    const year = page.locator('#facets section[aria-labelledby="facet-year"] li a').first();
    const value = await year.innerText();
    const count = Number(await page.locator('#facets section[aria-labelledby="facet-year"] li .count').first().innerText());
    await year.click();
    await page.waitForURL(/date%3A/);
    expect(decodeURIComponent(page.url())).to.include(`date:${value}`).and.to.include("sort=oldest");
    expect(await page.locator("#stats").innerText()).to.include(`找到 ${count} 篇文章`);
    await page.screenshot({ path: "/tmp/zh-news-search-workbench.png", fullPage: true });

    const bar = page.locator("#timeline svg a").first();
    const period = await bar.locator("rect").getAttribute("data-period");
    expect(period).to.match(new RegExp(`^${value}-\\d\\d$`), "within a year, the chart is by month");
    await bar.click();
    await page.waitForURL(new RegExp(`date%3A${period}`));
    const dates = await page.locator("ol.hits time").allInnerTexts();
    expect(dates.length).to.be.above(0);
    for (const date of dates) expect(date.startsWith(period!)).to.equal(true);

    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download-csv").click()]);
    expect(download.suggestedFilename()).to.match(/^articles-.*\.csv$/);
    const rows = parse(readFileSync((await download.path())!), { bom: true, columns: true }) as Array<Record<string, string>>;
    const total = Number(/找到 (\d+) 篇文章/.exec(await page.locator("#stats").innerText())![1]);
    expect(rows).to.have.length(total);
    for (const row of rows) expect(row.date!.startsWith(period!)).to.equal(true);
  });

  it("folds the facets away on a phone, and copies a citation", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const page = await context.newPage();
    await page.goto(`${server.url}/?q=${encodeURIComponent("疫情")}`);
    expect(await page.locator("#facets").getAttribute("open")).to.equal(null);
    await page.locator("#facets summary").click();
    expect(await page.locator("#facets").getAttribute("open")).to.not.equal(null);
    await page.goto(`${server.url}/occurrences?q=${encodeURIComponent("疫情")}`);
    const citation = await page.locator(".citation-text").first().innerText();
    await page.locator("button.copy").first().click();
    expect(await page.evaluate("navigator.clipboard.readText()")).to.equal(citation);
    await context.close();
  });
});
