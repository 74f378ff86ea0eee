// Crash safety of the index (issue 4): builds killed with SIGKILL at several moments leave the
// previous generation intact and served, and the next build recovers; damaged index files are
// detected at load with the file's name and what to do, and `npm start` rebuilds rather than
// serve them.
import { expect } from "chai";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { IndexUnusableError } from "../../src/errors.js";
import { CURRENT_FILE, LOCK_FILE, SEGMENTS_DIR, SEGMENT_FILES, generationManifestFile, type GenerationManifest } from "../../src/index/format.js";
import { openIndex, readCurrentManifest, type IndexSnapshot } from "../../src/index/index-reader.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { search } from "../../src/search/search.js";
import {
  CliProcess,
  QUERIES,
  corpusRecords,
  indexSignature,
  pagesDir,
  signatureDifferences,
  sleep,
  removeTempDirs,
  tempDir,
  waitUntil,
  writeRecords,
  type IndexSignature,
} from "../support/index-fixtures.js";
import { getJson, startServer, type RunningServer } from "../support/server.js";

/** Everything in the index directory whose name says a build left it unfinished. */
function leftovers(indexDir: string): string[] {
  const names = [...readdirSync(indexDir).map((name) => name), ...readdirSync(path.join(indexDir, SEGMENTS_DIR)).map((name) => `${SEGMENTS_DIR}/${name}`)];
  return names.filter((name) => path.basename(name).startsWith(".tmp-") || name === LOCK_FILE);
}

/**
 * No temporary files, no lock, nothing newer than CURRENT, and exactly the segments that the
 * manifests on disk name; after a committing build (`pruned`), only the committed and the previous
 * manifest. (A build killed after its commit, while pruning, leaves an older generation until the
 * next build that commits: an up-to-date build does not prune.)
 */
async function expectClean(indexDir: string, label: string, pruned: boolean): Promise<void> {
  expect(leftovers(indexDir), `${label}: leftovers`).to.deep.equal([]);
  const current = await readCurrentManifest(indexDir);
  const manifests = readdirSync(indexDir).filter((name) => /^gen-\d+\.json$/.test(name));
  const wanted = new Set(current.segments.map((segment) => segment.name));
  for (const name of manifests) {
    const manifest = JSON.parse(readFileSync(path.join(indexDir, name), "utf8")) as GenerationManifest;
    expect(manifest.generation, `${label}: ${name} is not newer than CURRENT`).to.be.at.most(current.generation);
    for (const segment of manifest.segments) wanted.add(segment.name);
  }
  if (pruned) expect(manifests.length, `${label}: manifests ${manifests.join(", ")}`).to.be.at.most(2);
  expect(readdirSync(path.join(indexDir, SEGMENTS_DIR)).sort(), `${label}: segments`).to.deep.equal([...wanted].sort());
}

async function signatureOf(indexDir: string): Promise<{ generation: number; signature: IndexSignature }> {
  const snapshot = await openIndex(indexDir, { verifyChecksums: true });
  try {
    return { generation: snapshot.manifest.generation, signature: indexSignature(snapshot, QUERIES, 20) };
  } finally {
  }
}

/** Ids of the first page of `query`, as the in-process search gives them. */
function topIds(snapshot: IndexSnapshot, query: string): string[] {
  return search(snapshot, { query, page: 1, size: 10, sort: "relevance" }).hits.map((hit) => hit.article.id);
}

interface Health {
  status: string;
  generation: number;
  articles: number;
  built_at: string;
}

async function health(server: RunningServer): Promise<Health> {
  const { status, body } = await getJson(`${server.url}/healthz`);
  expect(status).to.equal(200);
  return body as unknown as Health;
}

async function apiIds(server: RunningServer, query: string): Promise<string[]> {
  const { status, body } = await getJson(`${server.url}/api/search?q=${encodeURIComponent(query)}&size=10`);
  expect(status, JSON.stringify(body)).to.equal(200);
  return (body.hits as Array<{ id: string }>).map((hit) => hit.id);
}

describe("index crash safety (integration)", function () {
  this.timeout(90_000);
  after(() => removeTempDirs());

  describe("builds killed with SIGKILL", () => {
    let seeds: string;
    let index: string;
    let server: RunningServer | undefined;
    let base: { generation: number; signature: IndexSignature };

    before(async () => {
      seeds = pagesDir();
      index = path.join(tempDir("index"), "index");
      writeRecords(path.join(seeds, "small.jsonl"), corpusRecords(0, 20));
      await buildIndex({ seeds: [seeds], indexDir: index });
      base = await signatureOf(index);
      server = await startServer({ seedsDir: seeds, indexDir: index });
    });
    after(async () => {
      await server?.stop();
    });

    // Moments of the build (600 records: about 2 s with loading jieba) at which it is killed.
    const segmentNames = (): string[] => readdirSync(path.join(index, SEGMENTS_DIR));
    const moments: Array<{ name: string; reached: (cli: CliProcess, generation: number) => Promise<unknown> }> = [
      { name: "100 ms after start", reached: () => sleep(100) },
      { name: "after the `read:` progress line", reached: (cli) => cli.waitFor(/^read: /m) },
      { name: "while a segment is being written (.tmp-seg-*)", reached: () => waitUntil(".tmp-seg-*", 15_000, () => segmentNames().find((name) => name.startsWith(".tmp-seg-")), 2) },
      { name: "after the final `analyze:` line", reached: (cli) => cli.waitFor(/^analyze: (\d+)\/\1 /m) },
      {
        name: "once the new segment is renamed into place",
        reached: (_cli, generation) => waitUntil("new segment", 15_000, () => segmentNames().find((name) => name.startsWith(`seg-${String(generation + 1).padStart(6, "0")}`)), 2),
      },
      { name: "once the new manifest is on disk", reached: (_cli, generation) => waitUntil("new manifest", 15_000, () => (existsSync(path.join(index, generationManifestFile(generation + 1))) ? true : undefined), 2) },
      {
        name: "once CURRENT names the new generation (while pruning)",
        reached: (_cli, generation) =>
          waitUntil("commit", 15_000, () => (readFileSync(path.join(index, CURRENT_FILE), "utf8").includes(generationManifestFile(generation + 1)) ? true : undefined), 2),
      },
    ];

    it("leave the previous generation intact and served, and the next build recovers", async () => {
      const outcomes: string[] = [];
      for (const [k, moment] of moments.entries()) {
        const before = await readCurrentManifest(index);
        const big = corpusRecords(1000, 1600);
        big[0]!.title += `(第${k}次)`;
        writeRecords(path.join(seeds, "big.jsonl"), big);
        const cli = new CliProcess(["--seeds", seeds, "--index", index]);
        await moment.reached(cli, before.generation);
        await cli.kill("SIGKILL");

        // What is committed now is complete: the previous generation untouched, or the new one whole.
        const after = await signatureOf(index);
        const committed = after.generation !== before.generation;
        outcomes.push(`${moment.name}: ${committed ? "had committed" : "previous generation kept"}`);
        if (committed) {
          expect(after.generation, moment.name).to.equal(before.generation + 1);
          expect(after.signature.articles.length, moment.name).to.equal(base.signature.articles.length + 600);
        } else {
          expect(signatureDifferences(after.signature, base.signature), `${moment.name}: the previous generation`).to.deep.equal([]);
        }
        // The server keeps answering from a complete generation.
        const served = await waitUntil(`server on generation ${after.generation}`, 8_000, async () => {
          const now = await health(server!);
          return now.generation === after.generation ? now : undefined;
        });
        expect(served.articles, moment.name).to.equal(after.signature.articles.length);
        expect(await apiIds(server!, "疫情防控"), moment.name).to.have.length(10);

        // The next build recovers and cleans up; removing big.jsonl again gives the original index.
        const recovered = await buildIndex({ seeds: [seeds], indexDir: index });
        expect(recovered.articles, `${moment.name}: recovery build`).to.equal(base.signature.articles.length + 600);
        await expectClean(index, `${moment.name}: after recovery`, !committed);
        rmSync(path.join(seeds, "big.jsonl"));
        await buildIndex({ seeds: [seeds], indexDir: index, allowShrink: true }); // 600 of 676 articles go
        await expectClean(index, `${moment.name}: after the next build`, true);
        const restored = await signatureOf(index);
        expect(signatureDifferences(restored.signature, base.signature), `${moment.name}: after removing big.jsonl`).to.deep.equal([]);
      }
      // The moments must cover both outcomes, or the test proves less than it says.
      expect(outcomes.filter((line) => line.endsWith("previous generation kept")).length, outcomes.join("\n")).to.be.at.least(4);
      const last = (await readCurrentManifest(index)).generation;
      await waitUntil(`server on generation ${last}`, 8_000, async () => ((await health(server!)).generation === last ? true : undefined));
      console.log(`      ${outcomes.join("\n      ")}`);
    });

    it("recover from the leftovers of a build killed between writing its segments and committing them", async () => {
      // What a build of generation N+1 leaves when killed after renaming its segment into place
      // and writing its manifest, but before CURRENT: seg-(N+1)-0, gen-(N+1).json, temp files.
      const committed = await readCurrentManifest(index);
      const next = committed.generation + 1;
      const pad = (n: number): string => String(n).padStart(6, "0");
      const someSegment = committed.segments[0]!.name;
      cpSync(path.join(index, SEGMENTS_DIR, someSegment), path.join(index, SEGMENTS_DIR, `seg-${pad(next)}-0`), { recursive: true });
      cpSync(path.join(index, SEGMENTS_DIR, someSegment), path.join(index, SEGMENTS_DIR, `.tmp-seg-${pad(next)}-1`), { recursive: true });
      writeFileSync(path.join(index, generationManifestFile(next)), JSON.stringify({ ...committed, generation: next }));
      writeFileSync(path.join(index, `.tmp-${CURRENT_FILE}`), generationManifestFile(next));
      writeFileSync(path.join(index, LOCK_FILE), "999999999\n"); // no such pid
      writeRecords(path.join(seeds, "later.jsonl"), corpusRecords(1700, 1710));

      const summary = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(summary.generation).to.be.greaterThan(committed.generation);
      expect(summary.added).to.deep.equal(["later.jsonl"]);
      await expectClean(index, "after recovery", true);
      const snapshot = await openIndex(index, { verifyChecksums: true });
      expect(snapshot.size).to.equal(committed.counts.articles + 10);
    });

    it("recover from a build killed while pruning: segments no manifest names are removed by the next build", async () => {
      // Pruning deletes an old manifest before its segments; killed in between, they stay orphaned.
      const committed = await readCurrentManifest(index);
      const orphan = path.join(index, SEGMENTS_DIR, "seg-000001-9");
      cpSync(path.join(index, SEGMENTS_DIR, committed.segments[0]!.name), orphan, { recursive: true });
      const summary = await buildIndex({ seeds: [seeds], indexDir: index });
      expect(summary.upToDate, "nothing to rebuild, only to clean").to.equal(true);
      expect(existsSync(orphan)).to.equal(false);
      await expectClean(index, "after an up-to-date build", false);
    });
  });

  describe("damaged index files", () => {
    let pristine: string;
    let seeds: string;
    let expected: { articles: number; generation: number };
    const probes = ["疫情防控", '"防疫知识"', "经济 发展", "科普"];

    before(async () => {
      seeds = pagesDir();
      writeRecords(path.join(seeds, "small.jsonl"), corpusRecords(0, 20));
      pristine = path.join(tempDir("index"), "index");
      await buildIndex({ seeds: [seeds], indexDir: pristine });
      const snapshot = await openIndex(pristine);
      expected = { articles: snapshot.size, generation: snapshot.manifest.generation };
    });

    /** A copy of the pristine index, and the path of one of its segment's files. */
    const damagedCopy = (file: string): { index: string; target: string } => {
      const index = path.join(tempDir("damaged"), "index");
      cpSync(pristine, index, { recursive: true });
      // The segment where this file is largest: a page's segment may have an empty unfold.bin.
      const targets = readdirSync(path.join(index, SEGMENTS_DIR)).map((segment) => {
        const target = path.join(index, SEGMENTS_DIR, segment, file);
        return file.includes(".") ? target : path.join(target, readdirSync(target).sort()[0]!); // a FlexSearch chunk
      });
      const target = targets.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
      return { index, target };
    };
    const flipByte = (file: string): void => {
      const data = readFileSync(file);
      const at = Math.floor(data.length / 2);
      data[at] = data[at]! ^ 0x20;
      writeFileSync(file, data);
    };

    // Every file kind of a segment (FlexSearch chunks under their directory name), truncated and with a flipped byte.
    const fileKinds: string[] = Object.values(SEGMENT_FILES);
    for (const [file, damage] of fileKinds.flatMap((kind) => [[kind, "truncated"], [kind, "flipped"]] as const)) {
      it(`detects a ${damage} ${file} at load, naming the file and what to do`, async () => {
        const { index, target } = damagedCopy(file);
        if (damage === "truncated") truncateSync(target, Math.floor(readFileSync(target).length / 2));
        else flipByte(target);
        const error = await openIndex(index, { verifyChecksums: true }).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(IndexUnusableError);
        const { message, hint } = error as IndexUnusableError;
        expect(message).to.equal(`index at ${target} cannot be used: checksum mismatch: the file is corrupt or truncated`);
        expect(hint).to.include("npm run index -- --full");
      });
    }

    it("detects a missing or unreadable manifest, naming it", async () => {
      const { index } = damagedCopy(SEGMENT_FILES.articles);
      const manifest = path.join(index, generationManifestFile(expected.generation));
      truncateSync(manifest, 100);
      const error = await openIndex(index, { verifyChecksums: true }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(IndexUnusableError);
      expect((error as Error).message).to.include(`index at ${manifest} cannot be used: manifest unreadable`);
      rmSync(manifest);
      const missing = await openIndex(index).then(() => undefined, (e: unknown) => e);
      expect((missing as Error).message).to.include(manifest);
    });

    it("an incremental build over a damaged segment names the file instead of failing obscurely", async () => {
      const { index, target } = damagedCopy(SEGMENT_FILES.articles);
      truncateSync(target, 10);
      const more = tempDir("more-seeds");
      writeRecords(path.join(more, "more.jsonl"), corpusRecords(30, 35));
      const error = await buildIndex({ seeds: [seeds, more], indexDir: index }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(IndexUnusableError);
      expect((error as Error).message).to.include(target);
      expect((error as IndexUnusableError).hint).to.include("--full");
      expect(leftovers(index)).to.deep.equal([]);
    });

    for (const [label, file, seedsChanged] of [
      ["a flipped byte in ngrams.bin", SEGMENT_FILES.ngrams, false],
      ["a truncated articles.bin, and a new seed file", SEGMENT_FILES.articles, true],
    ] as const) {
      it(`\`npm start\` rebuilds an index with ${label} and serves correct results`, async () => {
        const { index, target } = damagedCopy(file);
        if (file === SEGMENT_FILES.ngrams) flipByte(target);
        else truncateSync(target, 10);
        const serverSeeds = tempDir("server-seeds");
        cpSync(seeds, serverSeeds, { recursive: true });
        // A new file: the damaged segment is one the incremental build keeps (and reads the ids of).
        if (seedsChanged) writeRecords(path.join(serverSeeds, "extra.jsonl"), corpusRecords(20, 21));
        // What a correct index of these seeds answers: a full build of them elsewhere.
        const reference = path.join(tempDir("reference"), "index");
        await buildIndex({ seeds: [serverSeeds], indexDir: reference, full: true });
        const snapshot = await openIndex(reference);
        const wanted = new Map(probes.map((query) => [query, topIds(snapshot, query)]));
        const server = await startServer({ seedsDir: serverSeeds, indexDir: index });
        try {
          expect(server.output()).to.include(target);
          expect(server.output()).to.include("rebuilding the index from the seeds");
          const now = await health(server);
          expect(now.articles).to.equal(expected.articles + (seedsChanged ? 1 : 0));
          expect(now.generation).to.be.greaterThan(expected.generation);
          for (const query of probes) {
            expect(wanted.get(query), query).to.have.length.greaterThan(0);
            expect(await apiIds(server, query), query).to.deep.equal(wanted.get(query));
          }
          await openIndex(index, { verifyChecksums: true });
        } finally {
          await server.stop();
        }
      });
    }
  });
});
