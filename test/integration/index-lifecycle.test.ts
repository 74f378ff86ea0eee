// The index lifecycle (issue 4): incremental builds that equal a full rebuild, the build summary
// and progress, pruning, watch mode and the build lock. In-process builds use buildIndex; the CLI
// is run as a child process where its own behaviour (output, --watch, locking) is under test.
// Crash safety and reload by a running server are in index-crash.test.ts and index-reload.test.ts.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from "node:fs";
import path from "node:path";
import { SearchError } from "../../src/errors.js";
import { CURRENT_FILE, LOCK_FILE, SEGMENTS_DIR, generationManifestFile, type GenerationManifest } from "../../src/index/format.js";
import { openIndex, readCurrentManifest } from "../../src/index/index-reader.js";
import { buildIndex, type BuildProgress, type BuildSummary } from "../../src/index/index-writer.js";
import {
  CliProcess,
  PAGE_FILES,
  QUERIES,
  corpusRecords,
  deadPid,
  indexSignature,
  pagesDir,
  runBuildCli,
  signatureDifferences,
  sleep,
  spawnIdle,
  removeTempDirs,
  tempDir,
  toJsonl,
  type SeedRecordJson,
  unprivilegedBuild,
  writeRecords,
} from "../support/index-fixtures.js";
import { REPO } from "../support/server.js";

const segmentsOf = (indexDir: string): string[] => readdirSync(path.join(indexDir, SEGMENTS_DIR)).sort();

/** Bytes of every file of the segments the manifest names (what the summary calls the index size). */
function segmentFileBytes(indexDir: string, manifest: GenerationManifest): number {
  let bytes = 0;
  for (const segment of manifest.segments) {
    const dir = path.join(indexDir, SEGMENTS_DIR, segment.name);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) bytes += statSync(path.join(entry.parentPath, entry.name)).size;
    }
  }
  return bytes;
}

/** Builds the same seeds from scratch (--full, fresh directory) and asserts the incremental index answers identically. */
async function expectSameAsFullBuild(seedsDir: string, indexDir: string, label: string, queries: readonly string[] = QUERIES): Promise<void> {
  const fullDir = path.join(tempDir("full"), "index");
  await buildIndex({ seeds: [seedsDir], indexDir: fullDir, full: true });
  const incremental = await openIndex(indexDir, { verifyChecksums: true });
  const full = await openIndex(fullDir, { verifyChecksums: true });
  try {
    const a = indexSignature(incremental, queries);
    const b = indexSignature(full, queries);
    // Not vacuous: many searches (each query runs with both sort orders) find something.
    expect(b.searches.filter((s) => s.hits.length > 0).length, "searches with hits").to.be.at.least(queries.length / 2);
    expect(signatureDifferences(a, b), `${label}: incremental vs full build`).to.deep.equal([]);
    const seedRecords = (m: GenerationManifest) => m.seeds.map(({ file, sha256, bytes, articles }) => ({ file, sha256, bytes, articles }));
    expect(seedRecords(incremental.manifest), `${label}: manifest seeds`).to.deep.equal(seedRecords(full.manifest));
    const { bytes: _a, ...countsA } = incremental.manifest.counts;
    const { bytes: _b, ...countsB } = full.manifest.counts;
    expect(countsA, `${label}: manifest counts`).to.deep.equal(countsB);
  } finally {
    rmSync(path.dirname(fullDir), { recursive: true, force: true });
  }
}

const articlesOfFile = (manifest: GenerationManifest, file: string): number => manifest.seeds.find((seed) => seed.file === file)?.articles ?? 0;

describe("index lifecycle (integration)", function () {
  this.timeout(60_000);
  after(() => removeTempDirs());

  describe("incremental builds", () => {
    it("after files are added, changed and removed, each incremental build equals a full build of the same seeds", async () => {
      const seeds = pagesDir();
      const index = path.join(tempDir("index"), "index");
      copyFileSync(path.join(REPO, "test/fixtures/records.jsonl"), path.join(seeds, "records.jsonl"));
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 60));
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(60, 120));

      const first = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(first.upToDate).to.equal(false);
      expect(first.added).to.have.members([...PAGE_FILES, "a.jsonl", "b.jsonl", "records.jsonl"]);
      await expectSameAsFullBuild(seeds, index, "first build");

      // Add c.jsonl and a file with no valid record; change a.jsonl (one record dropped, one edited, one added); remove a page.
      let before = await readCurrentManifest(index);
      writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(120, 180));
      const a = corpusRecords(1, 60);
      a[0]!.body += "\n新增的一段文字：海南自由贸易港建设稳步推进。";
      writeRecords(path.join(seeds, "a.jsonl"), [...a, ...corpusRecords(180, 181)]);
      rmSync(path.join(seeds, PAGE_FILES[4]!));
      writeFileSync(path.join(seeds, "bad.jsonl"), '{"id": "bad-1", "title": 5, "body": "x"}\nnot json\n');
      writeFileSync(path.join(seeds, "fixme.jsonl"), '{"id": "fix-1", "body": "没有标题"}\n');
      const second = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(second.generation).to.equal(first.generation + 1);
      expect(second.added).to.have.members(["bad.jsonl", "c.jsonl", "fixme.jsonl"]);
      expect(second.changed).to.deep.equal(["a.jsonl"]);
      expect(second.removed).to.deep.equal([PAGE_FILES[4]]);
      expect(second.articlesRemoved).to.equal(articlesOfFile(before, "a.jsonl") + articlesOfFile(before, PAGE_FILES[4]!));
      expect(second.articlesAnalyzed).to.be.at.least(60 + 60);
      expect(second.problems.map((p) => p.message)).to.include.members([
        'bad.jsonl:1: "title" must be a string',
        "bad.jsonl:2: not valid JSON (Unexpected token 'o', \"not json\" is not valid JSON)",
      ]);
      await expectSameAsFullBuild(seeds, index, "second build");

      // Put the page back, change another page, remove b.jsonl, change the file that has no valid record.
      before = await readCurrentManifest(index);
      copyFileSync(path.join(REPO, "seeds", PAGE_FILES[4]!), path.join(seeds, PAGE_FILES[4]!));
      appendFileSync(path.join(seeds, PAGE_FILES[1]!), "\n\n新增的一段文字\n\n海南自由贸易港建设稳步推进,记者今天从会上获悉。\n");
      rmSync(path.join(seeds, "b.jsonl"));
      writeFileSync(path.join(seeds, "bad.jsonl"), "[1, 2]\n");
      writeRecords(path.join(seeds, "fixme.jsonl"), corpusRecords(190, 192)); // repaired: now two articles
      const third = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(third.added).to.deep.equal([PAGE_FILES[4]]);
      expect(third.changed).to.have.members([PAGE_FILES[1], "bad.jsonl", "fixme.jsonl"]);
      expect(third.removed).to.deep.equal(["b.jsonl"]);
      expect(third.articlesRemoved).to.equal(articlesOfFile(before, PAGE_FILES[1]!) + articlesOfFile(before, "b.jsonl"));
      await expectSameAsFullBuild(seeds, index, "third build");
      expect(articlesOfFile(await readCurrentManifest(index), "fixme.jsonl"), "the repaired file is indexed").to.equal(2);

      // Remove the file that never had an article; repair a malformed line of records.jsonl.
      rmSync(path.join(seeds, "bad.jsonl"));
      const records = readFileSync(path.join(seeds, "records.jsonl"), "utf8").replace('{"id": "rec-005", "body": "缺少标题"}', '{"id": "rec-005", "title": "补上的标题", "body": "缺少标题"}');
      writeFileSync(path.join(seeds, "records.jsonl"), records);
      const fourth = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(fourth.removed).to.deep.equal(["bad.jsonl"]);
      expect(fourth.changed).to.deep.equal(["records.jsonl"]);
      expect(fourth.added).to.deep.equal([]);
      await expectSameAsFullBuild(seeds, index, "fourth build");

      // Nothing changed: nothing is analyzed and no generation is committed.
      const fifth = await buildIndex({ seeds: [seeds], indexDir: index });
      expect({ upToDate: fifth.upToDate, generation: fifth.generation, added: fifth.added, changed: fifth.changed, removed: fifth.removed, analyzed: fifth.articlesAnalyzed }).to.deep.equal({
        upToDate: true,
        generation: fourth.generation,
        added: [],
        changed: [],
        removed: [],
        analyzed: 0,
      });
    });

    it("resolves article ids that two files share as a full build does (the first file by name wins)", async () => {
      // One id in two files: the full build keeps the record of the file that sorts first.
      const picked = corpusRecords(200, 203);
      const [x, y, z] = [picked[0]!, picked[1]!, picked[2]!];
      const shared = { ...y, id: x.id, title: `${y.title}(重复编号)` };
      const queries = [...[x, y, z].map((record) => `"${record.title.slice(0, 4)}"`), '"重复编号"', "新闻 OR 联播"];
      const seeds = tempDir("dup-seeds");
      const index = path.join(tempDir("dup-index"), "index");
      // m.jsonl alone, then a.jsonl (sorts first) arrives with the same id: a.jsonl's record must win.
      writeRecords(path.join(seeds, "m.jsonl"), [x, z]);
      await buildIndex({ seeds: [seeds], indexDir: index });
      writeRecords(path.join(seeds, "a.jsonl"), [shared]);
      await buildIndex({ seeds: [seeds], indexDir: index });
      await expectSameAsFullBuild(seeds, index, "a.jsonl added", queries);
      // a.jsonl goes away again: m.jsonl's record (skipped until now) must come back.
      rmSync(path.join(seeds, "a.jsonl"));
      await buildIndex({ seeds: [seeds], indexDir: index });
      await expectSameAsFullBuild(seeds, index, "a.jsonl removed", queries);
      // z.jsonl (sorts last) repeats an id of m.jsonl: skipped; when m.jsonl is removed, z.jsonl's record is indexed.
      writeRecords(path.join(seeds, "z.jsonl"), [{ ...shared, title: "第三个文件里的重复编号" }]);
      const withZ = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(withZ.problems.map((p) => p.message).join("\n")).to.include(`z.jsonl:1: duplicate article id "${x.id}"`);
      await expectSameAsFullBuild(seeds, index, "z.jsonl added", queries);
      rmSync(path.join(seeds, "m.jsonl"));
      await buildIndex({ seeds: [seeds], indexDir: index });
      await expectSameAsFullBuild(seeds, index, "m.jsonl removed", queries);
      const snapshot = await openIndex(index);
      try {
        const doc = snapshot.findArticle(x.id);
        expect(doc, "the id is still indexed, from z.jsonl").to.not.equal(undefined);
        expect(snapshot.meta(doc!).file).to.equal("z.jsonl");
      } finally {
      }
    });

    it("re-analyzes the new and changed files, and the small files that share a segment with a changed one", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 50));
      await buildIndex({ seeds: [seeds], indexDir: index });
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(50, 60));
      writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(60, 65));
      expect((await buildIndex({ seeds: [seeds], indexDir: index })).articlesAnalyzed, "b and c added").to.equal(15);
      const manifest = await readCurrentManifest(index);
      const segmentsOfFile = (file: string): string[] => manifest.seeds.find((seed) => seed.file === file)!.segments;
      expect(segmentsOfFile("b.jsonl"), "files of one build share a segment").to.deep.equal(segmentsOfFile("c.jsonl"));
      expect(segmentsOfFile("a.jsonl")).to.not.deep.equal(segmentsOfFile("b.jsonl"));
      writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(60, 66));
      expect((await buildIndex({ seeds: [seeds], indexDir: index })).articlesAnalyzed, "c changed: b and c").to.equal(16);
      await expectSameAsFullBuild(seeds, index, "after packing");
    });

    it("merges small segments as they pile up: a file a day keeps the segment count bounded", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      const counts: number[] = [];
      for (let day = 0; day < 25; day++) {
        writeRecords(path.join(seeds, `day-${String(day).padStart(2, "0")}.jsonl`), corpusRecords(day * 3, day * 3 + 3));
        const summary = await buildIndex({ seeds: [seeds], indexDir: index });
        expect(summary.added).to.deep.equal([`day-${String(day).padStart(2, "0")}.jsonl`]);
        expect(summary.segmentsMerged, `day ${day}`).to.equal(day === 10 || day === 21 ? 10 : 0);
        counts.push((await readCurrentManifest(index)).segments.length);
      }
      // Ten one-day segments (3 articles: size class 0) are merged into one when the eleventh day is
      // added; then the merged one (class 1) stays while ten more days pile up beside it.
      expect(counts.slice(0, 12), counts.join(",")).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2]);
      expect(Math.max(...counts), counts.join(",")).to.be.at.most(11);
      await expectSameAsFullBuild(seeds, index, "after merges");
    });

    it("cuts a file larger than the packing size into segments of its own", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      // The later half of the records is four times as long: pieces are cut by text, not by count.
      const record = (i: number): SeedRecordJson => ({ id: `big-${i}`, title: `第${i}期简报`, body: `各地推进第${i}项工作。`.repeat(i < 2_600 ? 1 : 4), source: "generated" });
      writeRecords(path.join(seeds, "big.jsonl"), Array.from({ length: 5_200 }, (_, i) => record(i)));
      writeRecords(path.join(seeds, "small.jsonl"), corpusRecords(0, 10));
      await buildIndex({ seeds: [seeds], indexDir: index });
      const manifest = await readCurrentManifest(index);
      const big = manifest.seeds.find((seed) => seed.file === "big.jsonl")!.segments;
      const small = manifest.seeds.find((seed) => seed.file === "small.jsonl")!.segments;
      expect(small).to.have.length(1);
      expect(big.some((name) => small.includes(name)), "the large file shares no segment").to.equal(false);
      if (big.length > 1) {
        // With worker threads the file is cut in pieces of about the same amount of text.
        const snapshot = await openIndex(index);
        const textOf = (name: string): number => {
          // The snapshot's parts are the manifest's segments, in its order.
          const { docBase, size } = snapshot.parts[manifest.segments.findIndex((segment) => segment.name === name)]!;
          return Array.from({ length: size }, (_, local) => snapshot.folded(docBase + local).length).reduce((sum, length) => sum + length, 0);
        };
        const texts = big.map(textOf);
        expect(Math.min(...texts) / Math.max(...texts), `text per piece: ${texts.join(", ")}`).to.be.above(0.9);
      }
    });

    for (const [what, age] of [
      ["another way of reading seeds (INGEST_VERSION)", (manifest: GenerationManifest) => ({ ...manifest, ingest: manifest.ingest - 1 })],
      ["another analyzer", (manifest: GenerationManifest) => ({ ...manifest, analyzer: { ...manifest.analyzer, version: manifest.analyzer.version - 1 } })],
    ] as const) {
      it(`re-reads every seed file when the index was built with ${what}, though no file changed`, async () => {
        const seeds = pagesDir();
        const index = path.join(tempDir("index"), "index");
        writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 12));
        const first = await buildIndex({ seeds: [seeds], indexDir: index });
        const manifestPath = path.join(index, readFileSync(path.join(index, CURRENT_FILE), "utf8").trim());
        writeFileSync(manifestPath, JSON.stringify(age(JSON.parse(readFileSync(manifestPath, "utf8")) as GenerationManifest)));
        const summary = await buildIndex({ seeds: [seeds], indexDir: index });
        expect(summary.upToDate).to.equal(false);
        expect(summary.articlesAnalyzed).to.equal(first.articles);
        await expectSameAsFullBuild(seeds, index, what);
      });
    }

    it("trusts a settled seed file's size and time instead of hashing it, and still sees a same-size edit", async () => {
      const seeds = pagesDir();
      const index = path.join(tempDir("index"), "index");
      const file = path.join(seeds, "a.jsonl");
      writeRecords(file, corpusRecords(0, 20));
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(file, hourAgo, hourAgo);
      await buildIndex({ seeds: [seeds], indexDir: index });
      const record = (await readCurrentManifest(index)).seeds.find((seed) => seed.file === "a.jsonl")!;
      expect(record.mtimeNs, "the settled file's time is recorded").to.equal(String(statSync(file, { bigint: true }).mtimeNs));
      expect((await buildIndex({ seeds: [seeds], indexDir: index })).upToDate).to.equal(true);
      // The same number of bytes with other words: only the time tells, and it moved.
      const text = readFileSync(file, "utf8");
      const edited = text.replace(/[\u4e00-\u9fff]/, (first) => (first === "新" ? "旧" : "新"));
      expect(Buffer.byteLength(edited)).to.equal(Buffer.byteLength(text));
      writeFileSync(file, edited);
      const summary = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(summary.changed).to.deep.equal(["a.jsonl"]);
      await expectSameAsFullBuild(seeds, index, "same-size edit");
    });
  });

  describe("summary, progress and pruning", () => {
    it("the summary gives added/changed/removed files and articles, time and index size", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(300, 320));
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(320, 330));
      const events: BuildProgress[] = [];
      const first = await buildIndex({ seeds: [seeds], indexDir: index, progress: (event) => events.push(event) });
      let manifest = await readCurrentManifest(index);
      expect(first).to.deep.include({ generation: manifest.generation, upToDate: false, files: 2, articles: 30, articlesAnalyzed: 30, articlesRemoved: 0, removed: [], changed: [] });
      expect(first.added).to.deep.equal(["a.jsonl", "b.jsonl"]);
      expect(first.distinctTerms).to.equal(manifest.counts.distinctTerms).and.to.be.greaterThan(100);
      expect(first.bytes).to.equal(segmentFileBytes(index, manifest));
      expect(first.seconds).to.be.greaterThan(0);
      // Progress: every phase, counts that only grow and end at their total.
      const phases = [...new Set(events.map((event) => event.phase))];
      expect(phases).to.deep.equal(["read", "analyze", "write"]);
      for (const phase of phases) {
        const done = events.filter((event) => event.phase === phase).map((event) => event.done);
        expect(done).to.deep.equal([...done].sort((p, q) => p - q));
        const last = events.filter((event) => event.phase === phase).at(-1)!;
        expect(last.done).to.equal(last.total);
      }
      expect(events.filter((event) => event.phase === "analyze").at(-1)!.total).to.equal(30);

      writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(330, 335));
      rmSync(path.join(seeds, "b.jsonl"));
      const second: BuildSummary = await buildIndex({ seeds: [seeds], indexDir: index });
      manifest = await readCurrentManifest(index);
      expect(second).to.deep.include({ generation: first.generation + 1, upToDate: false, files: 2, articles: 25, articlesRemoved: 10, added: ["c.jsonl"], removed: ["b.jsonl"], changed: [] });
      expect(second.bytes).to.equal(segmentFileBytes(index, manifest));
    });

    it("`build-index` prints plain progress lines and the summary when stdout is not a TTY", async () => {
      const seeds = pagesDir();
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "news.jsonl"), corpusRecords(400, 460));
      const run = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.not.match(/\x1b\[|\r/); // no bar, no cursor control
      const lines = run.stdout.trimEnd().split("\n");
      const progress = lines.filter((line) => /^(read|analyze|write): /.test(line));
      for (const line of progress) expect(line).to.match(/^(read|analyze|write): \d+\/\d+ \(\d+\/s\)$/);
      expect(progress.some((line) => line.startsWith("read: 6/6 ")), "final read line").to.equal(true);
      expect(progress.some((line) => line.startsWith("analyze: ") && /: (\d+)\/\1 /.test(line)), "final analyze line").to.equal(true);
      const manifest = await readCurrentManifest(index);
      expect(run.stdout).to.include(`generation ${manifest.generation} committed`);
      expect(run.stdout).to.match(new RegExp(`files 6, articles ${manifest.counts.articles}, distinct terms ${manifest.counts.distinctTerms}, \\d+\\.\\d s, \\d+\\.\\d MiB on disk`));
      expect(run.stdout).to.match(/added 6, changed 0, removed 0, kept 0, skipped 0 files; analyzed \d+ articles, dropped 0/);
      // The summary names the files (not only their number).
      expect(run.stdout).to.match(/^  added: 000_.*, news\.jsonl$/m);
    });

    it("keeps the committed and the previous generation (also after --full) and prunes the rest", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      const generations: GenerationManifest[] = [];
      for (let k = 0; k < 3; k++) {
        writeRecords(path.join(seeds, `part-${k}.jsonl`), corpusRecords(500 + 10 * k, 510 + 10 * k));
        await buildIndex({ seeds: [seeds], indexDir: index });
        generations.push(await readCurrentManifest(index));
      }
      const expectKept = (current: GenerationManifest, previous: GenerationManifest, label: string): void => {
        const names = readdirSync(index).sort();
        expect(names, label).to.deep.equal([CURRENT_FILE, generationManifestFile(previous.generation), generationManifestFile(current.generation), SEGMENTS_DIR].sort());
        const wanted = new Set([...current.segments, ...previous.segments].map((segment) => segment.name));
        expect(segmentsOf(index), label).to.deep.equal([...wanted].sort());
        expect(readFileSync(path.join(index, CURRENT_FILE), "utf8").trim()).to.equal(generationManifestFile(current.generation));
      };
      expectKept(generations[2]!, generations[1]!, "after three incremental builds");
      const full = await buildIndex({ seeds: [seeds], indexDir: index, full: true });
      expect(full.articlesAnalyzed).to.equal(30);
      expect(full.generation).to.equal(generations[2]!.generation + 1);
      expectKept(await readCurrentManifest(index), generations[2]!, "after --full");
      // The previous generation is complete and loadable (a rollback target).
      writeFileSync(path.join(index, CURRENT_FILE), `${generationManifestFile(generations[2]!.generation)}\n`);
      const previous = await openIndex(index, { verifyChecksums: true });
      expect(previous.size).to.equal(30);
    });

    it("a replaced generation's files that cannot be deleted are a warning: the build commits, exits 0, and the next one deletes them", async function () {
      const unprivileged = unprivilegedBuild();
      if (!unprivileged) return this.skip(); // root, and nobody cannot read this checkout
      const { prefix, seeds, index } = unprivileged;
      const build = async (k: number): Promise<Awaited<ReturnType<typeof runBuildCli>>> => {
        writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(600 + k, 610 + k));
        return runBuildCli(["--seeds", seeds, "--index", index], prefix);
      };
      expect((await build(0)).code).to.equal(0);
      const first = (await readCurrentManifest(index)).segments.map((segment) => path.join(index, SEGMENTS_DIR, segment.name));
      expect((await build(1)).code).to.equal(0);
      // Generation 1's segments go with the third build: one of them cannot be emptied (its folder is not writable).
      chmodSync(first[0]!, 0o555);
      try {
        const third = await build(2);
        expect(third.code, third.stderr).to.equal(0);
        expect(third.stdout).to.match(/generation 3 committed/);
        expect(third.stderr).to.match(/^warning: 1 file of replaced generations could not be deleted \(the new generation is committed; the next build tries again/m);
        expect(third.stderr).to.include(`  ${first[0]}: permission denied (EACCES)`);
        expect(third.stderr).to.not.match(/^\s+at /m, "no stack");
        expect((await openIndex(index, { verifyChecksums: true })).size).to.equal(10);
      } finally {
        chmodSync(first[0]!, 0o755);
      }
      const fourth = await runBuildCli(["--seeds", seeds, "--index", index], prefix);
      expect(fourth.code, fourth.stderr).to.equal(0);
      expect(fourth.stderr).to.not.match(/could not be deleted/);
      expect(existsSync(first[0]!), "deleted by the next build").to.equal(false);
    });
  });

  describe("build lock", () => {
    it("a second build refuses while one runs, naming its pid; the first one completes", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "big.jsonl"), corpusRecords(0, 500));
      const first = new CliProcess(["--seeds", seeds, "--index", index]);
      await first.waitFor(/^read: /m); // holds the lock, now analyzing
      const inProcess = await buildIndex({ seeds: [seeds], indexDir: index }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(inProcess).to.be.instanceOf(SearchError);
      expect((inProcess as SearchError).message).to.include(`another build (pid ${first.pid}) is writing ${index}`);
      const second = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(second.code).to.equal(1);
      expect(second.stderr).to.include(`error: another build (pid ${first.pid}) is writing ${index}`);
      const { code } = await first.exited;
      expect(code, first.output).to.equal(0);
      expect(existsSync(path.join(index, LOCK_FILE))).to.equal(false);
      expect((await readCurrentManifest(index)).counts.articles).to.equal(500);
    });

    it("two builds started together: exactly one builds, the other names its pid", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "big.jsonl"), corpusRecords(0, 500)); // the first holds the lock for ~2 s
      const builds = [new CliProcess(["--seeds", seeds, "--index", index]), new CliProcess(["--seeds", seeds, "--index", index])];
      const codes = await Promise.all(builds.map(async (build) => (await build.exited).code));
      expect([...codes].sort(), builds.map((b) => b.output).join("\n---\n")).to.deep.equal([0, 1]);
      const loser = builds[codes.indexOf(1)]!;
      const winner = builds[codes.indexOf(0)]!;
      expect(loser.stderr).to.include(`another build (pid ${winner.pid}) is writing`);
    });

    it("takes over a lock left by a dead process (or an empty one), but not one of a live process", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 5));
      await buildIndex({ seeds: [seeds], indexDir: index });
      for (const content of [`${deadPid()}\n`, ""]) {
        writeFileSync(path.join(index, LOCK_FILE), content);
        writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 6 + content.length));
        const summary = await buildIndex({ seeds: [seeds], indexDir: index });
        expect(summary.changed, `lock "${content.trim()}"`).to.deep.equal(["a.jsonl"]);
        expect(existsSync(path.join(index, LOCK_FILE))).to.equal(false);
      }
      // A live process that is not us holds it: refused with its pid and what to do.
      const live = spawnIdle();
      try {
        writeFileSync(path.join(index, LOCK_FILE), `${live.pid}\n`);
        const error = await buildIndex({ seeds: [seeds], indexDir: index }).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(SearchError);
        expect((error as SearchError).message).to.include(`pid ${live.pid}`);
        expect((error as SearchError).hint).to.include(path.join(index, LOCK_FILE));
        expect(readFileSync(path.join(index, LOCK_FILE), "utf8")).to.equal(`${live.pid}\n`);
      } finally {
        live.kill();
      }
    });

    it("leaves a stale lock alone while another process is taking it over, and takes it once that process is gone", async () => {
      const seeds = tempDir("seeds");
      const index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 5));
      await buildIndex({ seeds: [seeds], indexDir: index });
      const lock = path.join(index, LOCK_FILE);
      const stale = `${deadPid()}\n`;
      writeFileSync(lock, stale);
      const live = spawnIdle();
      try {
        writeFileSync(`${lock}.takeover`, `${live.pid}\n`);
        const error = await buildIndex({ seeds: [seeds], indexDir: index }).then(() => undefined, (e: unknown) => e);
        expect((error as SearchError).message).to.include("could not take the build lock");
        expect(readFileSync(lock, "utf8"), "the stale lock is the taker's to remove").to.equal(stale);
      } finally {
        live.kill();
      }
      await new Promise((resolve) => live.once("exit", resolve));
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 6));
      expect((await buildIndex({ seeds: [seeds], indexDir: index })).changed).to.deep.equal(["a.jsonl"]);
      expect(readdirSync(index).filter((name) => name.startsWith(LOCK_FILE))).to.deep.equal([]);
    });

    it("six processes taking over the same stale lock at once: exactly one gets it", async () => {
      const index = path.join(tempDir("index"), "index");
      mkdirSync(index, { recursive: true });
      writeFileSync(path.join(index, LOCK_FILE), `${deadPid()}\n`);
      const script = `
        import { acquireBuildLock } from ${JSON.stringify(path.join(REPO, "dist/src/index/index-lock.js"))};
        try {
          acquireBuildLock(process.argv[1]);
          console.log("took it");
          // Hold it (never released) until every process has answered: a holder that exited after
          // a fixed 1.5 s left a stale lock that a process started late on a loaded machine rightly took.
          setTimeout(() => {}, 60_000);
        } catch (error) {
          console.log(error.message);
        }`;
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, ["--input-type=module", "-e", script, index]));
      const outputs = await Promise.all(
        children.map((child) => new Promise<string>((resolve) => {
          let output = "";
          child.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes("\n")) resolve(output.trim());
          });
          child.on("exit", () => resolve(output.trim()));
        })),
      ).finally(() => children.forEach((child) => child.kill()));
      expect(outputs.filter((output) => output === "took it"), outputs.join("\n")).to.have.length(1);
      expect(outputs.filter((output) => output.includes("another build (pid")), outputs.join("\n")).to.have.length(5);
    });
  });

  describe("watch mode", () => {
    it("`build-index --watch` rebuilds once for a file written in two halves, and again when it disappears", async () => {
      const seeds = pagesDir();
      const index = path.join(tempDir("index"), "index");
      const watcher = new CliProcess(["--seeds", seeds, "--index", index, "--watch"]);
      try {
        await watcher.waitFor(/watching .* for changes/);
        const commits = (): string[] => [...watcher.stdout.matchAll(/generation (\d+) committed/g)].map((m) => m[1]!);
        expect(commits()).to.have.length(1);

        // A JSONL file of 12 records, written in two halves (the cut falls inside a record) with a
        // pause shorter than the debounce (1 s): one rebuild, and it sees the whole file.
        const records = corpusRecords(600, 612);
        const text = toJsonl(records);
        const cut = Math.floor(text.length / 2);
        const file = path.join(seeds, "arriving.jsonl");
        writeFileSync(file, text.slice(0, cut));
        await sleep(400);
        appendFileSync(file, text.slice(cut));
        await watcher.waitFor(/generation \d+ committed[^]*generation \d+ committed/, 15_000);
        await sleep(2_000); // debounce + settle: a second rebuild would show up here
        expect(commits(), watcher.output).to.have.length(2);
        expect(watcher.output).to.not.include("arriving.jsonl:"); // no half record reported as malformed
        expect(watcher.stdout).to.match(/added 1, changed 0, removed 0, kept 0, skipped 0 files; analyzed \d+ articles/);
        let snapshot = await openIndex(index, { verifyChecksums: true });
        for (const record of records) expect(snapshot.findArticle(record.id), record.id).to.not.equal(undefined);
        const withFile = snapshot.size;

        rmSync(file);
        await watcher.waitFor(/(generation \d+ committed[^]*){3}/, 15_000);
        expect(watcher.stdout).to.match(/added 0, changed 0, removed 1, kept 0, skipped 0 files; analyzed \d+ articles, dropped 12/);
        snapshot = await openIndex(index, { verifyChecksums: true });
        expect(snapshot.size).to.equal(withFile - 12);
        expect(watcher.child.exitCode, "still watching").to.equal(null);
      } finally {
        await watcher.kill("SIGTERM");
      }
    });

    it("retries a rebuild that failed because another build held the lock", async () => {
      const seeds = pagesDir();
      const index = path.join(tempDir("index"), "index");
      const watcher = new CliProcess(["--seeds", seeds, "--index", index, "--watch"]);
      try {
        await watcher.waitFor(/watching .* for changes/);
        writeFileSync(path.join(index, LOCK_FILE), `${process.pid}\n`); // a live build (this test process)
        const records = corpusRecords(700, 703);
        writeRecords(path.join(seeds, "during-lock.jsonl"), records);
        await watcher.waitFor(/another build \(pid \d+\) is writing/, 15_000);
        rmSync(path.join(index, LOCK_FILE));
        await watcher.waitFor(/generation \d+ committed[^]*generation \d+ committed/, 20_000);
        const snapshot = await openIndex(index);
        for (const record of records) expect(snapshot.findArticle(record.id), record.id).to.not.equal(undefined);
      } finally {
        await watcher.kill("SIGTERM");
      }
    });
  });
});
