// Temporary indexes for tests: seeds written to a new directory, built with buildIndex, opened.
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";

export interface FixtureRecord {
  id: string;
  title: string;
  body: string;
  source: string;
  date?: string;
  authors?: string[];
}

export async function buildTempIndex(writeSeeds: (seedsDir: string) => void): Promise<{ snapshot: IndexSnapshot; root: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), "zh-news-unit-search-"));
  const seedsDir = path.join(root, "seeds");
  mkdirSync(seedsDir);
  writeSeeds(seedsDir);
  const summary = await buildIndex({ seeds: [seedsDir], indexDir: path.join(root, "index") });
  expect(summary.problems.map(String)).to.deep.equal([]);
  return { snapshot: await openIndex(path.join(root, "index"), { verifyChecksums: true }), root };
}

/** In a describe block: an index of `records` built before its tests and removed after them. */
export function indexOfRecords(records: readonly FixtureRecord[]): () => IndexSnapshot {
  let snapshot: IndexSnapshot | undefined;
  let root: string | undefined;
  before(async function () {
    this.timeout(60_000);
    ({ snapshot, root } = await buildTempIndex((seedsDir) =>
      writeFileSync(path.join(seedsDir, "records.jsonl"), records.map((record) => JSON.stringify(record)).join("\n")),
    ));
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return () => snapshot!;
}
