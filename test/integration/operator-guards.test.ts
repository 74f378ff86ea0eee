// Issue 13: a bad seed file or an operator's slip never takes search down. Hostile files are
// skipped with a reason and the rest is committed; --strict, the shrink guard, --rollback and the
// index-directory checks; a server starts without the build lock (another build holds it, the
// directory is read-only, the disk is full) and keeps following new generations.
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { LOCK_FILE } from "../../src/index/format.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { readCurrentManifest } from "../../src/index/index-reader.js";
import { LiveIndex } from "../../src/index/live-index.js";
import { CliProcess, corpusRecords, removeTempDirs, runBuildCli, SERVE_CLI, spawnIdle, tempDir, toJsonl, unprivilegedPrefix, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { getJson, REPO, startServer, type RunningServer } from "../support/server.js";

const PAGE = readFileSync(path.join(REPO, "seeds", "000_74dd44bdc35d0dd1.txt"));
const NO_STACK = /^\s+at /m;

/** A seeds directory with two good files (a page, 20 records) and every kind of hostile file the issue lists. */
function hostileSeeds(): string {
  const seeds = tempDir("hostile");
  writeFileSync(path.join(seeds, "good.txt"), PAGE);
  writeRecords(path.join(seeds, "good.jsonl"), corpusRecords(0, 20));
  writeFileSync(path.join(seeds, "huge.txt"), `记者 张三 ${"中国经济发展，".repeat(1_300_000)}`); // 27 MB on one line
  const gz = gzipSync(toJsonl(corpusRecords(20, 60)));
  writeFileSync(path.join(seeds, "cut.jsonl.gz"), gz.subarray(0, gz.length >> 1));
  symlinkSync("user@host.42:1700000000", path.join(seeds, ".#good.txt")); // an editor's lock: ignored
  symlinkSync("gone.txt", path.join(seeds, "dangling.txt"));
  symlinkSync("loop.md", path.join(seeds, "loop.md"));
  mkdirSync(path.join(seeds, "x.txt"));
  execFileSync("mkfifo", [path.join(seeds, "pipe.txt")]); // cannot be read as a file (root reads any mode bits)
  writeFileSync(Buffer.from(path.join(seeds, "gbk-name-\xd6\xd0.txt"), "latin1"), PAGE);
  writeFileSync(path.join(seeds, "binary.txt"), Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(64), PAGE]));
  mkdirSync(path.join(seeds, "sub"));
  symlinkSync("..", path.join(seeds, "sub", "up"));
  writeFileSync(path.join(seeds, "userdict.txt"), "王尚磊 10 nr\n");
  return seeds;
}

const SKIPPED = [
  /binary\.txt: binary data \(NUL bytes\), not text — /,
  /cut\.jsonl\.gz: cannot be read after line \d+: the gzip data is damaged or cut short \(unexpected end of file\) — copy or download the file again/,
  /dangling\.txt: a symbolic link to gone\.txt, which does not exist — remove the link or restore its target/,
  /gbk-name-\uFFFD\uFFFD\.txt: its name is not UTF-8/,
  /huge\.txt: a page of 26\.\d MiB; pages are read whole, up to 4\.0 MiB — split it/,
  /loop\.md: cannot be read: a loop of symbolic links \(ELOOP\)/,
  /pipe\.txt: not a regular file/,
  /sub\/up: a symbolic link to a directory, which is not followed/,
];

/** A seeds directory holding `count` records (a.jsonl) and an index built from it (in `indexDir` if given). */
async function builtIndex(count: number, indexDir = path.join(tempDir("index"), "index")): Promise<{ seeds: string; index: string }> {
  const seeds = tempDir("seeds");
  writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, count));
  await buildIndex({ seeds: [seeds], indexDir });
  return { seeds, index: indexDir };
}

async function health(url: string): Promise<{ generation: number; articles: number }> {
  return (await getJson(`${url}/healthz`)).body as unknown as { generation: number; articles: number };
}

describe("operator guards and hostile seeds (integration)", function () {
  this.timeout(120_000);
  const servers: RunningServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    removeTempDirs();
  });

  describe("a bad seed file is skipped, the rest is committed", () => {
    it("skips each hostile file with file: reason — what to do, commits the good ones and exits 0", async () => {
      const seeds = hostileSeeds();
      const index = path.join(tempDir("index"), "index");
      const run = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/generation 1 committed/).and.match(/added 2, changed 0, removed 0, kept 0, skipped 8 files;/).and.match(/^  added: good.jsonl, good.txt$/m);
      expect(run.stdout).to.match(/^  skipped: binary.txt, cut.jsonl.gz, .*\(why on stderr\)$/m);
      expect(run.stdout).to.match(/files 4, articles (\d+)/); // good.txt, good.jsonl, and the two recorded as skipped
      for (const pattern of SKIPPED) expect(run.stderr).to.match(pattern);
      expect(run.stderr).not.to.match(NO_STACK);
      const manifest = await readCurrentManifest(index);
      expect(manifest.seeds.map((seed) => [seed.file, seed.articles > 0])).to.deep.equal([
        ["binary.txt", false],
        ["cut.jsonl.gz", false],
        ["good.jsonl", true],
        ["good.txt", true],
      ]);
      // Unchanged, the skipped files are reported again without being read again.
      const again = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/index is up to date \(generation 1\)/);
      for (const pattern of SKIPPED) expect(again.stderr).to.match(pattern);
    });

    it("--strict commits nothing and exits 1 when any file is skipped; a build of nothing but bad files exits 1", async () => {
      const seeds = hostileSeeds();
      const index = path.join(tempDir("index"), "index");
      const strict = await runBuildCli(["--seeds", seeds, "--index", index, "--strict"]);
      expect(strict.code).to.equal(1);
      expect(strict.stderr).to.match(/error: --strict: 8 seed files were skipped, so nothing was committed/);
      expect(strict.stderr).to.match(SKIPPED[0]!);
      expect(existsSync(path.join(index, "CURRENT"))).to.equal(false);

      const bad = tempDir("bad");
      writeFileSync(path.join(bad, "binary.txt"), Buffer.alloc(100));
      const nothing = await runBuildCli(["--seeds", bad, "--index", path.join(tempDir("index"), "index")]);
      expect(nothing.code).to.equal(1);
      expect(nothing.stderr).to.match(/error: nothing to index: every seed file was skipped:\n {2}binary\.txt: binary data/);
    });

    it("--watch keeps indexing after a bad file", async () => {
      const seeds = tempDir("watch");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 5));
      const index = path.join(tempDir("index"), "index");
      const watcher = new CliProcess(["--seeds", seeds, "--index", index, "--watch"]);
      try {
        await watcher.waitFor(/watching/, 60_000);
        writeFileSync(path.join(seeds, "bad.txt"), Buffer.alloc(50));
        await watcher.waitFor(/bad\.txt: binary data[\s\S]*/, 30_000);
        writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(5, 8));
        await waitUntil("b.jsonl indexed", 30_000, async () => ((await readCurrentManifest(index)).seeds.some((seed) => seed.file === "b.jsonl") ? true : undefined), 200);
        expect((await readCurrentManifest(index)).counts.articles).to.equal(8);
      } finally {
        await watcher.kill();
      }
    });
  });

  describe("guards", () => {
    it("refuses a build that would drop more than half of the articles, or all of them, unless --allow-shrink", async () => {
      const seeds = tempDir("shrink");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 30));
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 40));
      const index = path.join(tempDir("index"), "index");
      expect((await runBuildCli(["--seeds", seeds, "--index", index])).code).to.equal(0);

      const empty = tempDir("empty");
      const none = await runBuildCli(["--seeds", empty, "--index", index]);
      expect(none.code).to.equal(1);
      expect(none.stderr).to.include("error: this build would keep 0 of the 40 articles in generation 1 (2 seed files gone (a.jsonl, b.jsonl)), so it was not committed");
      expect(none.stderr).to.include("if the drop is intended, run again with --allow-shrink");
      rmSync(path.join(seeds, "a.jsonl"));
      const most = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(most.code).to.equal(1);
      expect(most.stderr).to.include("would keep 10 of the 40 articles");
      expect((await readCurrentManifest(index)).generation).to.equal(1);

      const allowed = await runBuildCli(["--seeds", seeds, "--index", index, "--allow-shrink"]);
      expect(allowed.code, allowed.stderr).to.equal(0);
      expect((await readCurrentManifest(index)).counts.articles).to.equal(10);
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(30, 36)); // 6 of 10: more than half stays
      expect((await runBuildCli(["--seeds", seeds, "--index", index])).code).to.equal(0);
    });

    it("refuses an --index directory holding other files (and deletes none), and an index inside the seeds", async () => {
      const seeds = tempDir("seeds");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 3));
      const foreign = tempDir("mine");
      writeFileSync(path.join(foreign, "thesis.md"), "my work");
      mkdirSync(path.join(foreign, "segments"));
      writeFileSync(path.join(foreign, "segments", "notes.txt"), "mine too");
      const run = await runBuildCli(["--seeds", seeds, "--index", foreign]);
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include(`error: ${foreign} is not an index directory: it holds thesis.md, segments/notes.txt; nothing there was changed`);
      expect(readdirSync(foreign).sort()).to.deep.equal(["segments", "thesis.md"]);
      expect(readFileSync(path.join(foreign, "segments", "notes.txt"), "utf8")).to.equal("mine too");

      const inside = await runBuildCli(["--seeds", seeds, "--index", path.join(seeds, "index")]);
      expect(inside.code).to.equal(1);
      expect(inside.stderr).to.include(`error: the index ${path.join(seeds, "index")} and the seeds ${seeds} are inside one another`);
      expect(existsSync(path.join(seeds, "index"))).to.equal(false);
    });

    it("builds into the index/ of a fresh clone, which holds only the repository's .gitkeep, and keeps it", async () => {
      const seeds = tempDir("seeds");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 3));
      const index = tempDir("clone-index");
      writeFileSync(path.join(index, ".gitkeep"), "");
      const run = await runBuildCli(["--seeds", seeds, "--index", index]);
      expect(run.code, run.stderr).to.equal(0);
      expect((await readCurrentManifest(index)).counts.articles).to.equal(3);
      expect(existsSync(path.join(index, ".gitkeep"))).to.equal(true);
    });

    it("--rollback makes the previous generation current, the running server follows, and a second rollback undoes it", async () => {
      const seeds = tempDir("seeds");
      writeRecords(path.join(seeds, "a.jsonl"), corpusRecords(0, 10));
      const index = path.join(tempDir("index"), "index");
      const server = await startServer({ seedsDir: seeds, indexDir: index });
      servers.push(server);
      expect(await health(server.url)).to.include({ generation: 1, articles: 10 });
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 15));
      expect((await runBuildCli(["--seeds", seeds, "--index", index])).code).to.equal(0);
      await waitUntil("generation 2 served", 10_000, async () => ((await health(server.url)).generation === 2 ? true : undefined), 100);

      const back = await runBuildCli(["--index", index, "--rollback"]);
      expect(back.code, back.stderr).to.equal(0);
      expect(back.stdout).to.match(/generation 3 committed: the articles of generation 1 \(10, built .*\) replace those of generation 2 \(15\)/);
      const served = await waitUntil("generation 3 served", 10_000, async () => {
        const now = await health(server.url);
        return now.generation === 3 ? now : undefined;
      }, 100);
      expect(served.articles).to.equal(10);
      expect((await runBuildCli(["--index", index, "--rollback"])).code).to.equal(0);
      expect((await readCurrentManifest(index)).counts.articles).to.equal(15);

      const lone = path.join(tempDir("index"), "index");
      await buildIndex({ seeds: [seeds], indexDir: lone });
      const nothing = await runBuildCli(["--index", lone, "--rollback"]);
      expect(nothing.code).to.equal(1);
      expect(nothing.stderr).to.include("has no generation before 1 to roll back to");
    });
  });

  describe("reading never needs the write lock", () => {
    it("starts while another build holds the lock, serves the index there, and follows the next generation", async () => {
      const { seeds, index } = await builtIndex(10);
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 12)); // stale: the server would build
      const holder = spawnIdle();
      try {
        writeFileSync(path.join(index, LOCK_FILE), `${holder.pid}\n`);
        const server = await startServer({ seedsDir: seeds, indexDir: index });
        servers.push(server);
        expect(await health(server.url)).to.include({ generation: 1, articles: 10 });
        expect(server.output()).to.include(`another build (pid ${holder.pid}) is writing`);
        expect(server.output()).to.include("serving the index already there (generation 1) without updating it");
        holder.kill();
        rmSync(path.join(index, LOCK_FILE));
        expect((await runBuildCli(["--seeds", seeds, "--index", index])).code).to.equal(0);
        await waitUntil("generation 2 served", 10_000, async () => ((await health(server.url)).articles === 12 ? true : undefined), 100);
      } finally {
        holder.kill();
      }
    });

    it("serves an index from a directory it may not write (without mount: another user's, or mode 555), saying why it did not rebuild", async function () {
      const prefix = unprivilegedPrefix();
      if (prefix === undefined) this.skip(); // root, and nobody cannot read this checkout
      const parent = tempDir("index");
      const { seeds, index } = await builtIndex(10, path.join(parent, "index"));
      writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 12)); // stale: the server would build
      for (const dir of [seeds, parent]) chmodSync(dir, 0o755);
      // As root, nobody may not write root's 0755 directory; as any other user, its own 0555 one.
      if (prefix.length === 0) chmodSync(index, 0o555);
      try {
        const server = await startServer({ seedsDir: seeds, indexDir: index, prefix });
        servers.push(server);
        expect(await health(server.url)).to.include({ generation: 1, articles: 10 });
        expect(server.output()).to.match(/permission denied \(EACCES\)/);
        expect(server.output()).not.to.match(NO_STACK);
      } finally {
        chmodSync(index, 0o755);
      }
    });

    describe("on a read-only directory and on a full disk (tmpfs mounts; skipped where mount is not allowed)", () => {
      const mounts: string[] = [];
      const mount = (dir: string, options: string): boolean => spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]).status === 0;
      after(() => {
        for (const dir of mounts) spawnSync("umount", ["-l", dir]);
      });

      async function indexOn(sizeKb: number): Promise<{ seeds: string; index: string }> {
        const dir = tempDir("mnt");
        if (!mount(dir, `size=${sizeKb}k`)) return { seeds: "", index: "" };
        mounts.push(dir);
        const { seeds, index } = await builtIndex(10, path.join(dir, "index"));
        writeRecords(path.join(seeds, "b.jsonl"), corpusRecords(10, 12)); // stale: the server would build
        return { seeds, index };
      }

      it("serves an index on a read-only file system", async function () {
        const { seeds, index } = await indexOn(20_000);
        if (!index) this.skip();
        expect(spawnSync("mount", ["-o", "remount,ro", path.dirname(index)]).status).to.equal(0);
        const server = await startServer({ seedsDir: seeds, indexDir: index });
        servers.push(server);
        expect(await health(server.url)).to.include({ generation: 1, articles: 10 });
        expect(server.output()).to.match(/read-only file system \(EROFS\)/);
      });

      it("serves an index on a full disk, and the index stays intact", async function () {
        const { seeds, index } = await indexOn(20_000);
        if (!index) this.skip();
        const filler = path.join(path.dirname(index), "filler");
        spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" }); // until ENOSPC
        writeRecords(path.join(seeds, "c.jsonl"), corpusRecords(12, 400));
        const server = await startServer({ seedsDir: seeds, indexDir: index });
        servers.push(server);
        expect(await health(server.url)).to.include({ generation: 1, articles: 10 });
        expect(server.output()).to.match(/no space left on the device \(ENOSPC\)/);
        rmSync(filler);
        expect((await runBuildCli(["--seeds", seeds, "--index", index])).code).to.equal(0);
        await waitUntil("the next generation served", 10_000, async () => ((await health(server.url)).articles === 400 ? true : undefined), 100);
      });
    });
  });

  describe("errors", () => {
    it("names an I/O error as what it is (a CURRENT that cannot be read is not 'no CURRENT file')", async () => {
      const { index } = await builtIndex(3);
      const live = await LiveIndex.open(index);
      rmSync(path.join(index, "CURRENT"));
      mkdirSync(path.join(index, "CURRENT"));
      const error = await live.reloadIfChanged().then(() => undefined, (thrown: unknown) => thrown as Error);
      expect(error?.message).to.equal(`cannot read ${path.join(index, "CURRENT")}: a directory where a file was expected (EISDIR)`);
      expect(live.current().size).to.equal(3);
    });

    it("reports EMFILE in the reload poller as too many open files, under a low open-file limit", async () => {
      const { index } = await builtIndex(3);
      // A child with `ulimit -n 64` opens files until it gets EMFILE, then polls as a server does.
      const script = `
        const { openSync } = await import("node:fs");
        const { LiveIndex } = await import(${JSON.stringify(path.join(REPO, "dist/src/index/live-index.js"))});
        const live = await LiveIndex.open(${JSON.stringify(index)});
        const exhaust = () => { try { for (;;) openSync("/dev/null", "r"); } catch (error) { if (error.code !== "EMFILE") throw error; } };
        // The loader's worker thread closes its descriptors as it ends: take those too, once it has.
        exhaust();
        await new Promise((resolve) => setTimeout(resolve, 500));
        exhaust();
        await live.reloadIfChanged().then(() => console.log("no error"), (error) => console.log(error.message));
        process.exit(0);`;
      const file = path.join(tempDir("emfile"), "poll.mjs");
      writeFileSync(file, script);
      const child = spawnSync("bash", ["-c", 'ulimit -n 64 && exec "$0" "$1"', process.execPath, file], { encoding: "utf8" });
      expect(child.stdout.trim(), child.stderr).to.equal(`cannot read ${path.join(index, "CURRENT")}: too many open files in this process (EMFILE)`);
    });

    it("prints every CLI error as a sentence without a stack; --debug adds the stack", async () => {
      const file = path.join(tempDir("index"), "a-file");
      writeFileSync(file, "");
      const plain = await runBuildCli(["--seeds", path.join(REPO, "seeds"), "--index", file]);
      expect(plain.code).to.equal(1);
      expect(plain.stderr).to.match(/^error: --index .*a-file cannot be used: a file where a directory was expected \(ENOTDIR\)\n {2}give a new or empty directory/);
      expect(plain.stderr).not.to.match(NO_STACK);
      const debug = await runBuildCli(["--seeds", path.join(REPO, "seeds"), "--index", file, "--debug"]);
      expect(debug.stderr).to.match(NO_STACK);
    });

    it("`npm start` too: a port in use, missing seeds and a bad option are a sentence and a hint; --debug adds the stack", async () => {
      const { seeds, index } = await builtIndex(3);
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      const port = String((taken.address() as AddressInfo).port);
      const serve = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => runBuildCli(args, [], SERVE_CLI);
      try {
        const inUse = await serve(["--seeds", seeds, "--index", index, "--port", port]);
        expect(inUse.code).to.equal(1);
        expect(inUse.stderr).to.equal(`error: cannot listen on port ${port}: the address is already in use (EADDRINUSE)\n  stop the other server, or choose another port with --port\n`);
        expect((await serve(["--seeds", seeds, "--index", index, "--port", port, "--debug"])).stderr).to.match(NO_STACK);
      } finally {
        taken.close();
      }
      // Without an index to serve meanwhile (with one, it serves that and says why it could not build).
      const missing = await serve(["--seeds", path.join(seeds, "nowhere"), "--index", path.join(tempDir("index"), "index"), "--port", "0"]);
      expect([missing.code, missing.stderr]).to.deep.equal([1, `error: seeds not found: ${path.join(seeds, "nowhere")}\n  pass an existing directory or file with --seeds\n`]);
      const option = await serve(["--port", "abc"]);
      expect(option.code).to.equal(1);
      expect(option.stderr).to.match(/^error: option '--port <n>' argument 'abc' is invalid\. give a whole number from 0 to 65535/);
      expect(option.stderr).not.to.match(NO_STACK);
    });
  });
});
