// Issue 13: an unreadable file is not a deleted one. A seed file that an earlier generation indexed
// and that cannot be listed, read, decoded or split now keeps its last good articles (the build says
// `file: kept N articles from generation G — reason — what to do`); only a file gone from the
// listing loses them. And the summary sorts every file into added, changed, removed, kept, skipped.
import { expect } from "chai";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { GenerationManifest } from "../../src/index/format.js";
import { openIndex, readCurrentManifest } from "../../src/index/index-reader.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { corpusRecords, removeTempDirs, runBuildCli, tempDir, toJsonl, unprivilegedBuild, writeRecords, type SeedRecordJson } from "../support/index-fixtures.js";
import { REPO } from "../support/server.js";

const PAGE = readFileSync(path.join(REPO, "seeds", "000_74dd44bdc35d0dd1.txt"));
const BINARY = Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(64), PAGE]);
const NO_STACK = /^\s+at /m;

const articlesOf = (manifest: GenerationManifest, file: string): number | undefined => manifest.seeds.find((seed) => seed.file === file)?.articles;

/** Whether the current generation holds each of these records, found by id. */
async function holds(index: string, records: readonly SeedRecordJson[]): Promise<boolean[]> {
  const snapshot = await openIndex(index, { verifyChecksums: true });
  return records.map((record) => snapshot.findArticle(record.id) !== undefined);
}

function writeGzip(file: string, records: readonly SeedRecordJson[]): Buffer {
  const gz = gzipSync(toJsonl(records));
  writeFileSync(file, gz);
  return gz;
}

describe("seed files that become unreadable keep their articles (integration)", function () {
  this.timeout(120_000);
  after(() => removeTempDirs());

  it("a cut .jsonl.gz and a page turned binary keep their articles, through later builds, until fixed or removed; the summary sorts every file", async () => {
    const seeds = tempDir("seeds");
    const index = path.join(tempDir("index"), "index");
    const a = corpusRecords(0, 40);
    const gz = writeGzip(path.join(seeds, "a.jsonl.gz"), a);
    writeFileSync(path.join(seeds, "page.txt"), PAGE);
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(40, 60));
    writeRecords(path.join(seeds, "d.jsonl"), corpusRecords(60, 70));
    await buildIndex({ seeds: [seeds], indexDir: index });
    const first = await readCurrentManifest(index);
    const pageArticles = articlesOf(first, "page.txt")!;
    expect(pageArticles).to.be.greaterThan(3);

    // Every outcome at once: two files turn unreadable (kept), one changes, one goes, one is new and
    // good (added), one is new and bad (skipped).
    writeFileSync(path.join(seeds, "a.jsonl.gz"), gz.subarray(0, gz.length >> 1));
    writeFileSync(path.join(seeds, "page.txt"), BINARY);
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(40, 65));
    rmSync(path.join(seeds, "d.jsonl"));
    writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(100, 105));
    writeFileSync(path.join(seeds, "bad.txt"), BINARY);
    const second = await runBuildCli(["--seeds", seeds, "--index", index]);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.match(/^generation 2 committed$/m);
    expect(second.stdout).to.match(/^ {2}added 1, changed 1, removed 1, kept 2, skipped 1 files; analyzed \d+ articles, dropped 30$/m);
    expect(second.stdout).to.match(/^ {2}added: c\.jsonl$/m).and.match(/^ {2}changed: b\.jsonl$/m).and.match(/^ {2}removed: d\.jsonl$/m);
    expect(second.stdout).to.match(new RegExp(`^ {2}kept, unreadable now: a\\.jsonl\\.gz \\(40 articles of generation 1\\), page\\.txt \\(${pageArticles} articles of generation 1\\) \\(why on stderr\\)$`, "m"));
    expect(second.stdout).to.match(/^ {2}skipped: bad\.txt \(why on stderr\)$/m);
    expect(second.stderr).to.match(/^ {2}a\.jsonl\.gz: kept 40 articles from generation 1 — cannot be read after line \d+: the gzip data is damaged or cut short \(unexpected end of file\) — copy or download the file again$/m);
    expect(second.stderr).to.match(new RegExp(`^ {2}page\\.txt: kept ${pageArticles} articles from generation 1 — binary data \\(NUL bytes\\), not text — `, "m"));
    expect(second.stderr).to.match(/^ {2}bad\.txt: binary data \(NUL bytes\), not text — /m);
    expect(second.stderr).not.to.match(NO_STACK);
    let manifest = await readCurrentManifest(index);
    expect(manifest.counts.articles).to.equal(40 + pageArticles + 25 + 5);
    expect(await holds(index, a)).to.deep.equal(a.map(() => true));

    // Unchanged: up to date, reported again without being read again.
    const third = await runBuildCli(["--seeds", seeds, "--index", index]);
    expect(third.stdout).to.match(/index is up to date \(generation 2\)/).and.match(/kept 2, skipped 1 files/);
    expect(third.stderr).to.match(/a\.jsonl\.gz: kept 40 articles from generation 1 — /);

    // A neighbour in their segment changes: the kept articles are read back from the index and packed again.
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(40, 66));
    const fourth = await buildIndex({ seeds: [seeds], indexDir: index });
    expect({ changed: fourth.changed, added: fourth.added, removed: fourth.removed, generation: fourth.generation }).to.deep.equal({ changed: ["b.jsonl"], added: [], removed: [], generation: 3 });
    expect(fourth.skipped.map((error) => [error.file, error.kept])).to.deep.equal([
      ["a.jsonl.gz", { articles: 40, generation: 1 }],
      ["bad.txt", undefined],
      ["page.txt", { articles: pageArticles, generation: 1 }],
    ]);
    manifest = await readCurrentManifest(index);
    expect(manifest.counts.articles).to.equal(40 + pageArticles + 26 + 5);
    expect(await holds(index, a)).to.deep.equal(a.map(() => true));

    // --full re-reads everything, and keeps them too (from the generation it replaces).
    const full = await buildIndex({ seeds: [seeds], indexDir: index, full: true });
    expect(full.articles).to.equal(manifest.counts.articles);
    expect(full.skipped.filter((error) => error.kept).map((error) => error.file)).to.deep.equal(["a.jsonl.gz", "page.txt"]);

    // Fixed: read again (changed). Removed: the articles go.
    writeGzip(path.join(seeds, "a.jsonl.gz"), corpusRecords(0, 30));
    rmSync(path.join(seeds, "page.txt"));
    const fixed = await buildIndex({ seeds: [seeds], indexDir: index });
    expect({ changed: fixed.changed, removed: fixed.removed, articlesRemoved: fixed.articlesRemoved }).to.deep.equal({
      changed: ["a.jsonl.gz"],
      removed: ["page.txt"],
      articlesRemoved: 40 + pageArticles,
    });
    expect(fixed.skipped.map((error) => error.file)).to.deep.equal(["bad.txt"]);
    manifest = await readCurrentManifest(index);
    expect(manifest.counts.articles).to.equal(30 + 26 + 5);
    expect(manifest.seeds.find((seed) => seed.file === "a.jsonl.gz")!.skipped).to.equal(undefined);
  });

  it("--strict commits nothing when a file that keeps its articles was skipped, and says so", async () => {
    const seeds = tempDir("seeds");
    const index = path.join(tempDir("index"), "index");
    writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 10));
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 20));
    await buildIndex({ seeds: [seeds], indexDir: index });
    writeFileSync(path.join(seeds, "a.jsonl"), Buffer.alloc(40));
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 22));
    const strict = await runBuildCli(["--seeds", seeds, "--index", index, "--strict"]);
    expect(strict.code).to.equal(1);
    expect(strict.stderr).to.match(/^error: --strict: 1 seed file was skipped, so nothing was committed:\n {2}a\.jsonl: kept 10 articles from generation 1 — binary data/);
    const manifest = await readCurrentManifest(index);
    expect([manifest.generation, manifest.counts.articles]).to.deep.equal([1, 20]);
  });

  it("a file the listing cannot see (a link whose target is gone: a missing mount) keeps its articles; back unchanged, it is not analyzed again", async () => {
    const seeds = tempDir("seeds");
    const store = tempDir("store");
    const index = path.join(tempDir("index"), "index");
    const a = corpusRecords(0, 30);
    writeRecords(path.join(store, "a.jsonl"), a);
    symlinkSync(path.join(store, "a.jsonl"), path.join(seeds, "a.jsonl"));
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 40));
    await buildIndex({ seeds: [seeds], indexDir: index });

    renameSync(store, `${store}-away`);
    const gone = await runBuildCli(["--seeds", seeds, "--index", index]);
    expect(gone.code, gone.stderr).to.equal(0);
    // Nothing else changed: nothing to commit, and nothing lost.
    expect(gone.stdout).to.match(/index is up to date \(generation 1\)/).and.match(/removed 0, kept 1, skipped 0 files/);
    expect(gone.stderr).to.match(/^ {2}a\.jsonl: kept 30 articles from generation 1 — a symbolic link to .*a\.jsonl, which does not exist — remove the link or restore its target$/m);

    // Another file changes: a generation is committed, with a.jsonl's articles read back from the index.
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 45));
    const changed = await buildIndex({ seeds: [seeds], indexDir: index });
    expect({ generation: changed.generation, articles: changed.articles, changed: changed.changed, removed: changed.removed }).to.deep.equal({ generation: 2, articles: 45, changed: ["b.jsonl"], removed: [] });
    expect(changed.skipped.map((error) => [error.file, error.kept])).to.deep.equal([["a.jsonl", { articles: 30, generation: 1 }]]);
    expect(await holds(index, a)).to.deep.equal(a.map(() => true));

    // The target is back, unchanged: the record is cleared, nothing is analyzed.
    renameSync(`${store}-away`, store);
    const back = await buildIndex({ seeds: [seeds], indexDir: index });
    expect({ upToDate: back.upToDate, analyzed: back.articlesAnalyzed, articles: back.articles, skipped: back.skipped, changed: back.changed }).to.deep.equal({
      upToDate: false,
      analyzed: 0,
      articles: 45,
      skipped: [],
      changed: [],
    });
    expect((await readCurrentManifest(index)).seeds.map((seed) => seed.skipped)).to.deep.equal([undefined, undefined]);
    expect((await buildIndex({ seeds: [seeds], indexDir: index })).upToDate).to.equal(true);

    // Gone from the listing for real: removed.
    rmSync(path.join(seeds, "a.jsonl"));
    const removed = await buildIndex({ seeds: [seeds], indexDir: index, allowShrink: true });
    expect({ removed: removed.removed, articles: removed.articles, skipped: removed.skipped }).to.deep.equal({ removed: ["a.jsonl"], articles: 15, skipped: [] });
  });

  it("a file and a folder without read permission (mode 000, built as an unprivileged user) keep their articles", async function () {
    const unprivileged = unprivilegedBuild();
    if (!unprivileged) return this.skip(); // root, and nobody cannot read this checkout
    const { prefix, seeds, index } = unprivileged;
    mkdirSync(path.join(seeds, "sub"), { mode: 0o755 });
    writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 20));
    writeRecords(path.join(seeds, "sub", "c.jsonl"), corpusRecords(20, 30));
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 40));
    const build = (): ReturnType<typeof runBuildCli> => runBuildCli(["--seeds", seeds, "--index", index], prefix);
    const first = await build();
    expect(first.code, first.stderr).to.equal(0);

    chmodSync(path.join(seeds, "a.jsonl"), 0o000);
    chmodSync(path.join(seeds, "sub"), 0o000);
    writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 41));
    const denied = await build();
    expect(denied.code, denied.stderr).to.equal(0);
    expect(denied.stdout).to.match(/generation 2 committed/).and.match(/added 0, changed 1, removed 0, kept 2, skipped 1 files/);
    expect(denied.stderr).to.match(/^ {2}a\.jsonl: kept 20 articles from generation 1 — cannot be read: permission denied \(EACCES\) — give the user running this read access/m);
    expect(denied.stderr).to.match(new RegExp(`^ {2}sub${path.sep}c\\.jsonl: kept 10 articles from generation 1 — in sub${path.sep}, which cannot be listed: permission denied \\(EACCES\\)`, "m"));
    expect((await readCurrentManifest(index)).counts.articles).to.equal(20 + 10 + 11);

    chmodSync(path.join(seeds, "a.jsonl"), 0o644);
    chmodSync(path.join(seeds, "sub"), 0o755);
    const restored = await build();
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout).to.match(/added 0, changed 0, removed 0, kept 0, skipped 0 files; analyzed 0 articles/);
    expect((await readCurrentManifest(index)).counts.articles).to.equal(41);
  });
});
