import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { listSeedFiles, type KnownSeed } from "../../src/ingest/read-seeds.js";

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
    const [seed] = await listSeedFiles([root]);
    expect(seed).to.include({ file: "a.txt", bytes: Buffer.byteLength("标题\n\n正文。\n"), sha256: sha256("标题\n\n正文。\n") });
    expect(seed!.mtimeNs).to.equal(String(statSync(page, { bigint: true }).mtimeNs));
  });

  it("reuses the known hash while size and time are unchanged (the file is not read)", async () => {
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    const [listed] = await listSeedFiles([root]);
    // A hash the content cannot have: returning it proves the file was not hashed again.
    const known: KnownSeed = { ...listed!, sha256: "f".repeat(64) };
    const [again] = await listSeedFiles([root], [known]);
    expect(again!.sha256).to.equal("f".repeat(64));
  });

  it("hashes again when the time or the size differs from what is known", async () => {
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    const [listed] = await listSeedFiles([root]);
    const stale: KnownSeed = { ...listed!, sha256: "f".repeat(64) };
    writeFileSync(page, "标题\n\n正文！\n"); // same length, new time
    expect((await listSeedFiles([root], [stale]))[0]!.sha256).to.equal(sha256("标题\n\n正文！\n"));
    utimesSync(page, HOUR_AGO, HOUR_AGO);
    expect((await listSeedFiles([root], [{ ...stale, bytes: stale.bytes + 1 }]))[0]!.sha256).to.equal(sha256("标题\n\n正文！\n"));
  });

  it("does not record the time of a file modified just now (it could change again within the same tick)", async () => {
    const [seed] = await listSeedFiles([root]);
    expect(seed!.mtimeNs).to.equal(undefined);
    const [again] = await listSeedFiles([root], [{ ...seed!, sha256: "f".repeat(64) }]);
    expect(again!.sha256).to.equal(sha256("标题\n\n正文。\n"));
  });
});
