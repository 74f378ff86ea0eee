// `npm run search` (dist/src/cli/search.js) against a real index: the same rows as the API's exports,
// highlights only on a terminal, and clear errors.
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex } from "../../src/index/index-reader.js";
import { listOccurrences, search } from "../../src/search/search.js";
import { REPO } from "../support/server.js";

describe("search CLI (integration)", function () {
  this.timeout(120_000);
  let root: string;
  let index: string;

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-cli-"));
    cpSync(path.join(REPO, "test/fixtures/unit-search.jsonl"), path.join(root, "seeds", "unit-search.jsonl"), { recursive: true });
    index = path.join(root, "index");
    await buildIndex({ seeds: [path.join(root, "seeds")], indexDir: index });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync(process.execPath, ["dist/src/cli/search.js", ...args, "--index", index], { cwd: REPO, encoding: "utf8" });

  it("prints every matching article as CSV, oldest first, the rows of the search", async () => {
    const result = run("复工 OR 疫情", "--format", "csv", "--sort", "oldest");
    expect(result.status, result.stderr).to.equal(0);
    const rows = parse(result.stdout, { bom: true, columns: true }) as Array<Record<string, string>>;
    const snapshot = await openIndex(index);
    const hits = search(snapshot, { query: "复工 OR 疫情", page: 1, size: 100, sort: "oldest" }).hits;
    expect(rows.map((row) => row.id)).to.deep.equal(hits.map((hit) => hit.article.id));
    expect(rows[0]).to.have.keys("id", "title", "date", "source", "authors", "file", "line", "url");
  });

  it("prints every occurrence as JSON Lines with context and citation, and a plain table without colours when piped", async () => {
    const jsonl = run('"复工复产"', "--occurrences", "--format", "jsonl");
    expect(jsonl.status, jsonl.stderr).to.equal(0);
    const rows = jsonl.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, string>);
    const snapshot = await openIndex(index);
    expect(rows).to.have.length(listOccurrences(snapshot, { query: '"复工复产"', page: 1, size: 1, sort: "relevance" }).total);
    for (const row of rows) expect(row).to.include({ match: "复工复产" }).and.to.have.property("citation").that.matches(/^《.+》，/);
    const table = run('"复工复产"', "--occurrences");
    expect(table.status).to.equal(0);
    expect(table.stdout).to.include("[复工复产]").and.not.include("\u001b[");
    expect(table.stderr).to.match(new RegExp(`^${rows.length} occurrences`));
  });

  it("says what is wrong with a query, a format or an index, with exit code 1", () => {
    const bad = run("foo:复工");
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/^error: .*foo/);
    const format = run("复工", "--format", "xml");
    expect(format.status).to.not.equal(0);
    expect(format.stderr).to.match(/--format.*xml.*Allowed choices are table, csv, jsonl/s);
    const missing = spawnSync(process.execPath, ["dist/src/cli/search.js", "复工", "--index", path.join(root, "nothing")], { cwd: REPO, encoding: "utf8" });
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.match(/no CURRENT file/);
  });
});
