// The build and load summaries (cli/report.ts): every seed file in exactly one of added, changed,
// removed, kept and skipped, for both writers (the PostgreSQL loader lists a file it could not read
// among the added or changed ones; the summary does not).
import { expect } from "chai";
import { SkippedSeedError } from "../../src/errors.js";
import { formatLoadSummary, formatSummary } from "../../src/cli/report.js";
import type { BuildSummary } from "../../src/index/index-writer.js";
import type { LoadSummary } from "../../src/index/postgres-writer.js";

const unreadable = new SkippedSeedError("bad.txt", "binary data (NUL bytes), not text", "remove it");
const kept = new SkippedSeedError("old.jsonl", "cannot be read: permission denied (EACCES)", "give read access", { articles: 12, generation: 4 });

describe("build and load summaries", () => {
  it("lists added, changed, removed, kept and skipped files, each file once", () => {
    const summary: BuildSummary = {
      generation: 5,
      upToDate: false,
      files: 5,
      articles: 40,
      distinctTerms: 900,
      bytes: 1024 * 1024,
      seconds: 1.25,
      added: ["new.jsonl"],
      changed: ["edited.txt"],
      removed: ["gone.txt"],
      articlesAnalyzed: 20,
      articlesRemoved: 8,
      segmentsMerged: 0,
      problems: [],
      skipped: [unreadable, kept],
      leftovers: [],
    };
    expect(formatSummary(summary).split("\n")).to.deep.equal([
      "generation 5 committed",
      "  files 5, articles 40, distinct terms 900, 1.3 s, 1.0 MiB on disk",
      "  added 1, changed 1, removed 1, kept 1, skipped 1 files; analyzed 20 articles, dropped 8",
      "  added: new.jsonl",
      "  changed: edited.txt",
      "  removed: gone.txt",
      "  kept, unreadable now: old.jsonl (12 articles of generation 4) (why on stderr)",
      "  skipped: bad.txt (why on stderr)",
    ]);
  });

  it("never counts a skipped file as added or changed, whichever writer listed it so (the PostgreSQL loader)", () => {
    const summary: LoadSummary = {
      upToDate: false,
      files: 3,
      articles: 10,
      distinctTerms: 300,
      seconds: 0.5,
      added: ["a.jsonl", "bad.txt"],
      changed: ["old.jsonl"],
      removed: [],
      articlesLoaded: 10,
      bytes: 0,
      shards: [],
      problems: [],
      skipped: [unreadable, kept],
    };
    expect(formatLoadSummary(summary).split("\n").slice(2)).to.deep.equal([
      "  added 1, changed 0, removed 0, kept 1, skipped 1 files; loaded 10 articles",
      "  added: a.jsonl",
      "  kept, unreadable now: old.jsonl (12 articles of generation 4) (why on stderr)",
      "  skipped: bad.txt (why on stderr)",
    ]);
  });

  it("cuts long lists after ten names", () => {
    const names = Array.from({ length: 13 }, (_, i) => `f${String(i).padStart(2, "0")}.txt`);
    const summary: LoadSummary = { upToDate: false, files: 13, articles: 13, distinctTerms: 1, seconds: 0, added: names, changed: [], removed: [], articlesLoaded: 13, bytes: 0, shards: [], problems: [], skipped: [] };
    expect(formatLoadSummary(summary)).to.include(`  added: ${names.slice(0, 10).join(", ")}, … and 3 more`);
  });

  it("reports a sharded load shard by shard, with the databases' sizes", () => {
    const summary: LoadSummary = {
      upToDate: false,
      files: 1,
      articles: 30,
      distinctTerms: 300,
      seconds: 2,
      added: ["a.jsonl"],
      changed: [],
      removed: [],
      articlesLoaded: 30,
      bytes: 3 * 1024 * 1024,
      shards: [
        { name: "news_a", dates: "..2016", articles: 10, bytes: 1024 * 1024 },
        { name: "news_b", dates: "2017..", articles: 20, bytes: 2 * 1024 * 1024 },
      ],
      problems: [],
      skipped: [],
    };
    expect(formatLoadSummary(summary).split("\n").slice(0, 4)).to.deep.equal([
      "shards loaded",
      "  files 1, articles 30, distinct terms 300, 2.0 s, 3.0 MiB in the databases",
      "  shard news_a (..2016): 10 articles, 1.0 MiB",
      "  shard news_b (2017..): 20 articles, 2.0 MiB",
    ]);
  });
});
