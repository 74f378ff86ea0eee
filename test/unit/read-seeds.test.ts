import { expect } from "chai";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { SkippedSeedError } from "../../src/errors.js";
import { repairPage } from "../../src/ingest/normalize.js";
import { splitArticles } from "../../src/ingest/split-articles.js";
import { listSeedFiles, MAX_PAGE_BYTES, MAX_RECORD_CHARS, NON_SEED_FILES, readSeedFile, type KnownSeed, type SeedFile } from "../../src/ingest/read-seeds.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const HOUR_AGO = new Date(Date.now() - 3_600_000);

describe("listSeedFiles", () => {
  let root: string;
  let page: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-list-"));
    page = path.join(root, "a.txt");
    writeFileSync(page, "标题\n\n正文。\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("hashes a new file and records its time once it has settled", async () => {
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    const [seed] = (await listSeedFiles([root])).files;
    expect(seed).to.include({ file: "a.txt", bytes: Buffer.byteLength("标题\n\n正文。\n"), sha256: sha256("标题\n\n正文。\n") });
    expect(seed!.mtimeNs).to.equal(String(statSync(page, { bigint: true }).mtimeNs));
  });

  it("reuses the known hash while size and time are unchanged (the file is not read)", async () => {
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    const [listed] = (await listSeedFiles([root])).files;
    // A hash the content cannot have: returning it proves the file was not hashed again.
    const known: KnownSeed = { ...listed!, sha256: "f".repeat(64) };
    const [again] = (await listSeedFiles([root], [known])).files;
    expect(again!.sha256).to.equal("f".repeat(64));
  });

  it("hashes again when the time or the size differs from what is known", async () => {
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    const [listed] = (await listSeedFiles([root])).files;
    const stale: KnownSeed = { ...listed!, sha256: "f".repeat(64) };
    writeFileSync(page, "标题\n\n正文！\n"); // same length, new time
    expect((await listSeedFiles([root], [stale])).files[0]!.sha256).to.equal(sha256("标题\n\n正文！\n"));
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    expect((await listSeedFiles([root], [{ ...stale, bytes: stale.bytes + 1 }])).files[0]!.sha256).to.equal(sha256("标题\n\n正文！\n"));
  });

  it("does not record the time of a file modified just now (it could change again within the same tick)", async () => {
    const [seed] = (await listSeedFiles([root])).files;
    expect(seed!.mtimeNs).to.equal(undefined);
    const [again] = (await listSeedFiles([root], [{ ...seed!, sha256: "f".repeat(64) }])).files;
    expect(again!.sha256).to.equal(sha256("标题\n\n正文。\n"));
  });
});

describe("listSeedFiles: what is a seed", () => {
  let root: string;
  const PAGE = "标题\n\n正文。\n";
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-policy-"));
    writeFileSync(path.join(root, "a.txt"), PAGE);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const listed = async (): Promise<{ files: string[]; skipped: string[] }> => {
    const { files, skipped } = await listSeedFiles([root]);
    return { files: files.map((seed) => seed.file), skipped: skipped.map((error) => error.message) };
  };

  it("ignores hidden files and folders, editor locks, backups and the user dictionary", async () => {
    symlinkSync("root@host.1234:1700000000", path.join(root, ".#a.txt")); // emacs lock: a dangling link
    writeFileSync(path.join(root, ".a.txt.swp"), "x");
    writeFileSync(path.join(root, "a.txt~"), PAGE);
    writeFileSync(path.join(root, "#a.txt#"), PAGE);
    writeFileSync(path.join(root, "~$a.md"), PAGE);
    mkdirSync(path.join(root, ".git"));
    writeFileSync(path.join(root, ".git", "b.txt"), PAGE);
    expect(NON_SEED_FILES).to.include("userdict.txt");
    writeFileSync(path.join(root, "userdict.txt"), "王尚磊 10 nr\n");
    mkdirSync(path.join(root, "sub"));
    writeFileSync(path.join(root, "sub", "userdict.txt"), "王尚磊 10 nr\n");
    expect(await listed()).to.deep.equal({ files: ["a.txt"], skipped: [] });
  });

  it("does not descend a symbolic link to a directory: sub/up -> .. neither repeats articles nor loops", async () => {
    mkdirSync(path.join(root, "sub"));
    writeFileSync(path.join(root, "sub", "b.txt"), PAGE);
    symlinkSync("..", path.join(root, "sub", "up"));
    symlinkSync("../sub", path.join(root, "sub", "again"));
    const { files, skipped } = await listed();
    expect(files).to.deep.equal(["a.txt", path.join("sub", "b.txt")]);
    expect(skipped).to.have.length(2);
    expect(skipped[0]).to.equal(`${path.join("sub", "again")}: a symbolic link to a directory, which is not followed — pass that directory with another --seeds, or link its files one by one`);
  });

  it("follows a symbolic link to a file once, and lists a file reached by two names once, by its own name", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), "zh-news-outside-"));
    try {
      writeFileSync(path.join(outside, "c.jsonl"), '{"id":"1","title":"t","body":"b"}\n');
      symlinkSync(path.join(outside, "c.jsonl"), path.join(root, "c.jsonl"));
      symlinkSync("a.txt", path.join(root, "0-alias.txt")); // sorts before a.txt
      const { files, skipped } = await listed();
      expect(files).to.deep.equal(["a.txt", "c.jsonl"]);
      expect(skipped).to.deep.equal([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("skips a dangling link, a link loop, a pipe and a name that is not UTF-8, each saying what to do; a directory named x.txt is a directory", async () => {
    symlinkSync("gone.txt", path.join(root, "dangling.txt"));
    symlinkSync("loop.txt", path.join(root, "loop.txt"));
    execFileSync("mkfifo", [path.join(root, "pipe.txt")]);
    writeFileSync(Buffer.from(path.join(root, "caf\xe9.txt"), "latin1"), PAGE);
    mkdirSync(path.join(root, "x.txt"));
    writeFileSync(path.join(root, "x.txt", "inner.md"), PAGE);
    const { files, skipped } = await listed();
    expect(files).to.deep.equal(["a.txt", path.join("x.txt", "inner.md")]);
    expect(skipped).to.deep.equal([
      "caf\ufffd.txt: its name is not UTF-8 (shown with �) — rename it in UTF-8, e.g. with `convmv -f GBK -t UTF-8 --notest`",
      "dangling.txt: a symbolic link to gone.txt, which does not exist — remove the link or restore its target",
      "loop.txt: cannot be read: a loop of symbolic links (ELOOP) — remove the link that points back at itself",
      "pipe.txt: not a regular file (a pipe, socket or device) — seeds must be regular files; remove it",
    ]);
  });

  it("refuses a page over MAX_PAGE_BYTES at listing, without reading it", async () => {
    writeFileSync(path.join(root, "dump.txt"), Buffer.alloc(MAX_PAGE_BYTES + 1, 0x41));
    const { files, skipped } = await listed();
    expect(files).to.deep.equal(["a.txt"]);
    expect(skipped).to.deep.equal(["dump.txt: a page of 4.0 MiB; pages are read whole, up to 4.0 MiB — split it into smaller pages, or make it JSON Lines records"]);
  });
});

describe("readSeedFile", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "zh-news-read-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function seedOf(name: string, content: string | Buffer): Promise<SeedFile> {
    writeFileSync(path.join(root, name), content);
    const { files, skipped } = await listSeedFiles([root]);
    expect(skipped).to.deep.equal([]);
    return files.find((seed) => seed.file === name)!;
  }

  async function skipReason(seed: SeedFile): Promise<string> {
    const error = await readSeedFile(seed).then(() => undefined, (thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(SkippedSeedError);
    return (error as SkippedSeedError).message;
  }

  const record = (id: string, extra: Record<string, string> = {}): string => JSON.stringify({ id, title: `标题${id}`, body: "正文。", ...extra });

  it("keeps the first record of a JSONL file that starts with a UTF-8 BOM", async () => {
    const seed = await seedOf("bom.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${record("1")}\r\n${record("2")}\n`)]));
    const { articles, problems } = await readSeedFile(seed);
    expect(articles.map((article) => article.id)).to.deep.equal(["1", "2"]);
    expect(problems).to.deep.equal([]);
  });

  it("keeps an article with an impossible date, undated, with a file:line warning", async () => {
    const seed = await seedOf("dates.jsonl", [record("1", { date: "2020-13-45" }), record("2", { date: "2021-02-29" }), record("3", { date: "2020-02-29T19:00:00+08:00" }), record("4", { date: "2020-03-01T25:00" })].join("\n"));
    const { articles, problems } = await readSeedFile(seed);
    expect(articles.map((article) => [article.id, article.date])).to.deep.equal([["1", undefined], ["2", undefined], ["3", "2020-02-29T19:00:00+08:00"], ["4", undefined]]);
    expect(problems.map((problem) => problem.message.slice(0, 36))).to.deep.equal(['dates.jsonl:1: "date" "2020-13-45" i', 'dates.jsonl:2: "date" "2021-02-29" i', 'dates.jsonl:4: "date" "2020-03-01T25']);
    expect(problems[0]!.message).to.match(/indexed without a date — correct it$/);
  });

  it("skips a truncated .jsonl.gz as a whole, saying so", async () => {
    const lines = Array.from({ length: 400 }, (_, i) => record(String(i))).join("\n");
    const gz = gzipSync(lines);
    const seed = await seedOf("cut.jsonl.gz", gz.subarray(0, gz.length >> 1));
    expect(await skipReason(seed)).to.match(/^cut\.jsonl\.gz: cannot be read after line \d+: the gzip data is damaged or cut short \(unexpected end of file\) — copy or download the file again$/);
  });

  it("skips JSON Lines in UTF-16, binary or another encoding, and warns of a few undecodable bytes", async () => {
    expect(await skipReason(await seedOf("wide.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(record("1"), "utf16le")])))).to.include("UTF-16 text; JSON Lines must be UTF-8");
    expect(await skipReason(await seedOf("blob.jsonl", Buffer.from([0x7b, 0, 0, 1, 2, 0x0a])))).to.include("binary data");
    const latin1 = Buffer.from(record("1", { title: "é".repeat(50) }), "latin1"); // é is one byte there, not UTF-8
    expect(await skipReason(await seedOf("latin.jsonl", latin1))).to.match(/not UTF-8: \d+% of its characters do not decode/);
    const damaged = Buffer.from(Array.from({ length: 20 }, (_, i) => record(String(i), { body: "正文".repeat(200) })).join("\n"));
    damaged[damaged.indexOf(Buffer.from("正")) + 1] = 0x41;
    const { articles, problems } = await readSeedFile(await seedOf("damaged.jsonl", damaged));
    expect(articles).to.have.length(20);
    expect(problems.map((problem) => problem.message)).to.deep.equal([]); // 1 of 8,000 characters: under the warning share
  });

  it("skips a record line over MAX_RECORD_CHARS without holding it, and reads the lines after it", async () => {
    const long = record("big", { body: "x".repeat(MAX_RECORD_CHARS) });
    const { articles, problems } = await readSeedFile(await seedOf("long.jsonl", `${record("1")}\n${long}\n${record("2")}\n`));
    expect(articles.map((article) => article.id)).to.deep.equal(["1", "2"]);
    expect(problems.map((problem) => problem.message)).to.deep.equal([`long.jsonl:2: a record of ${long.length} characters, over the ${MAX_RECORD_CHARS} a line may have; skipped — split it`]);
  });

  it("decodes GB18030 and UTF-16 pages, and warns when a page lost characters", async () => {
    const page = "贫困人口疫情防控做得好\n\n疫情防控期间，防疫知识宣传到户。\n";
    const utf16 = await readSeedFile(await seedOf("wide.txt", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(page, "utf16le")])));
    const utf8 = await readSeedFile(await seedOf("plain.txt", page));
    expect(utf16.articles.map((article) => [article.title, article.body])).to.deep.equal(utf8.articles.map((article) => [article.title, article.body]));
    const lossy = Buffer.concat([Buffer.from(page), Buffer.from([0xff])]);
    const { problems } = await readSeedFile(await seedOf("lossy.txt", lossy));
    expect(problems.map((problem) => problem.message)).to.deep.equal(["lossy.txt: 1 character (3.2%) did not decode and show as �; indexed anyway — convert the file to UTF-8 from its real encoding"]);
  });

  it("skips a file that cannot be read (here a directory where the listing found a file), naming the error", async () => {
    const seed = await seedOf("gone.txt", "标题\n\n正文。\n");
    rmSync(seed.path);
    mkdirSync(seed.path);
    expect(await skipReason(seed)).to.equal("gone.txt: cannot be read: a directory where a file was expected (EISDIR) — check the path");
  });

  it("repairs and splits a line of 7 million characters in linear time and memory, without overflowing the stack", () => {
    // Over MAX_PAGE_BYTES as a file; the cap is there for the analysis, not for these stages. The
    // byline tokenizer and the dangling-clause and photo-credit patterns backtracked once per
    // character and overflowed V8's regular-expression stack from about 6 million (the issue's 24 MB
    // page), and a 73 MB line took 3.1 GB: an object per character.
    const line = `记者 张三 ${"中国经济发展，".repeat(1_000_000)}图为某某张三李四摄`;
    const articles = splitArticles(repairPage(line), "one-line.txt");
    expect(articles).to.have.length(1);
    expect(articles[0]!.authors).to.include("张三");
    expect(articles[0]!.body.length).to.equal(line.length - "记者 张三 ".length);
    // Combining marks: a character with 7 million of them was one cluster, and overflowed too.
    const marks = `标题${"\u0301".repeat(7_000_000)}`;
    expect(splitArticles(repairPage(marks), "marks.txt").map((article) => article.body.length)).to.deep.equal([marks.length]);
  });

});
