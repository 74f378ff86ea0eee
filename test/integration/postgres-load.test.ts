// The PostgreSQL backend against a real cluster (test/support/postgres-cluster.ts): the loader
// writes what the embedded build indexes, refuses a database that would leave Chinese unindexed,
// keeps the global term statistics in step through incremental loads, and the database answers
// sampled phrases with the embedded engine's exact article sets and occurrence counts.
import { expect } from "chai";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { queryTerms } from "../../src/analysis/analyze.js";
import { fold } from "../../src/analysis/fold.js";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";
import { matchInPostgres, phraseMatches, searchPostgres } from "../../src/search/postgres-match.js";
import { SORT_ORDERS } from "../../src/search/rank.js";
import { loadPostgres, type LoadSummary } from "../../src/index/postgres-writer.js";
import { TEXT_FIELDS } from "../../src/index/schema.js";
import { search } from "../../src/search/search.js";
import { corpusRecords, QUERIES, removeTempDirs, runBuildCli, tempDir, writeRecords } from "../support/index-fixtures.js";
import { startCluster, type PostgresCluster } from "../support/postgres-cluster.js";
import { Random } from "../support/random.js";

/** The 400 records of the corpus sample, in two seed files (so that one can change alone). */
const FIRST = corpusRecords(0, 200);
const SECOND = corpusRecords(200, 400);

describe("PostgreSQL backend: loading and phrase conformance (real cluster)", function () {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let url: string;
  let seeds: string;
  let snapshot: IndexSnapshot;
  let client: pg.Client;
  let firstLoad: LoadSummary;

  before(async function () {
    this.timeout(180_000);
    cluster = await startCluster();
    url = await cluster.createDatabase("news");
    const root = tempDir("pg-load");
    seeds = path.join(root, "seeds");
    mkdirSync(seeds);
    writeRecords(path.join(seeds, "a.jsonl"), FIRST);
    writeRecords(path.join(seeds, "b.jsonl"), SECOND);
    await buildIndex({ seeds: [seeds], indexDir: path.join(root, "index") });
    snapshot = await openIndex(path.join(root, "index"));
    firstLoad = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  after(async () => {
    await client?.end().catch(() => {});
    cluster?.stop();
    removeTempDirs();
  });

  it("loads every article the embedded build indexes, with the same ids", async () => {
    expect(firstLoad.articles).to.equal(400);
    expect(firstLoad.added).to.deep.equal(["a.jsonl", "b.jsonl"]);
    const { rows } = await client.query<{ id: string }>("SELECT id FROM articles ORDER BY id");
    const embedded = Array.from({ length: snapshot.size }, (_, doc) => snapshot.id(doc)).sort();
    expect(rows.map(({ id }) => id)).to.deep.equal(embedded);
  });

  it("keeps the embedded build's BM25 statistics: body document frequencies and mean field lengths", async () => {
    const { rows } = await client.query<{ term: string; df: number }>("SELECT term, df FROM term_stats WHERE field = 'body'");
    const database = new Map(rows.map(({ term, df }) => [term, df]));
    expect(database).to.deep.equal(snapshot.termFrequencies());
    const { rows: fields } = await client.query<{ field: string; articles: string; terms: string }>("SELECT field, articles, terms FROM field_stats");
    for (const { name } of TEXT_FIELDS) {
      const row = fields.find(({ field }) => field === name)!;
      expect(Number(row.articles)).to.equal(snapshot.size);
      expect(Math.max(1, Number(row.terms) / snapshot.size)).to.be.closeTo(snapshot.averageTermCounts[name], 1e-9);
    }
  });

  it("writes the metadata columns of schema.ts, derived ones included", async () => {
    const doc = snapshot.findArticle(FIRST[7]!.id)!;
    const { rows } = await client.query<{ source: string; date: string; year: string; month: string; author: string[]; file: string }>(
      "SELECT source, date, year, month, author, file FROM articles WHERE id = $1",
      [FIRST[7]!.id],
    );
    expect(rows[0]).to.deep.equal({
      source: snapshot.keywordValues(doc, "source")[0],
      date: snapshot.keywordValues(doc, "date")[0],
      year: snapshot.keywordValues(doc, "year")[0],
      month: snapshot.keywordValues(doc, "month")[0],
      author: snapshot.keywordValues(doc, "author"),
      file: "a.jsonl",
    });
  });

  it("finds sampled phrases in exactly the articles the embedded engine finds, with the same occurrence counts", async () => {
    const phrases = samplePhrases(snapshot, 240);
    const kinds = { short: 0, punctuation: 0, latin: 0, title: 0 };
    const differences: string[] = [];
    for (const { phrase, field } of phrases) {
      if (Array.from(phrase).length <= 2) kinds.short++;
      if (/[\p{P}\p{S}]/u.test(phrase)) kinds.punctuation++;
      if (/[a-z0-9]/.test(phrase)) kinds.latin++;
      if (field === "title") kinds.title++;
      const result = search(snapshot, { query: `${field === "title" ? "title:" : ""}"${phrase}"`, page: 1, size: snapshot.size, sort: "relevance" });
      const count = result.phrases[0]!;
      const embedded = result.hits.map((hit) => hit.article.id).sort();
      const database = await phraseMatches(client, phrase, field);
      const occurrences = database.reduce((sum, match) => sum + match.occurrences, 0);
      const ids = database.map(({ id }) => id).sort();
      if (JSON.stringify(ids) !== JSON.stringify(embedded) || result.total !== ids.length || count.articles !== ids.length || count.occurrences !== occurrences) {
        differences.push(`${field}:"${phrase}": embedded ${result.total} articles / ${count.occurrences} occurrences, postgres ${ids.length} / ${occurrences}`);
      }
    }
    expect(differences).to.deep.equal([]);
    expect(phrases.length).to.be.at.least(200);
    // The sample covers what the gram array and pg_trgm must each get right.
    expect(kinds.short).to.be.at.least(40);
    expect(kinds.punctuation).to.be.at.least(20);
    expect(kinds.latin).to.be.at.least(20);
    expect(kinds.title).to.be.at.least(20);
  });

  it("matches queries as the embedded engine does: article sets, totals, relaxed fallback, item and phrase counts (AND, OR, -, title:, filters)", async () => {
    const queries = [...QUERIES, ...sampleQueries(snapshot, 120)];
    const differences: string[] = [];
    let compared = 0;
    for (const query of queries) {
      const embedded = search(snapshot, { query, page: 1, size: snapshot.size, sort: "relevance", correct: false });
      // Pinyin readings are the embedded engine's only (they need its vocabulary); synonyms are on both.
      if (embedded.expansions.some(({ reason }) => reason === "pinyin")) continue;
      compared++;
      const database = await matchInPostgres(client, query);
      const expected = { ids: embedded.hits.map((hit) => hit.article.id).sort(), total: embedded.total, relaxed: embedded.relaxed, itemCounts: embedded.itemCounts, phrases: embedded.phrases };
      const actual = { ids: [...database.ids].sort(), total: database.total, relaxed: database.relaxed, itemCounts: database.itemCounts, phrases: database.phrases };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${query}: embedded ${JSON.stringify({ ...expected, ids: expected.ids.length })}, postgres ${JSON.stringify({ ...actual, ids: actual.ids.length })}`);
      }
    }
    expect(differences).to.deep.equal([]);
    expect(compared).to.be.at.least(120);
  });

  it("ranks, sorts and pages as the embedded engine does: the same ids in the same order with the same scores", async () => {
    const queries = [...QUERIES, ...sampleQueries(snapshot, 60)];
    const differences: string[] = [];
    let compared = 0;
    for (const [i, query] of queries.entries()) {
      const request = { query, sort: SORT_ORDERS[i % SORT_ORDERS.length]!, page: 1 + (i % 2), size: 10, correct: false };
      const embedded = search(snapshot, request);
      if (embedded.expansions.some(({ reason }) => reason === "pinyin")) continue;
      compared++;
      const database = await searchPostgres(client, request);
      const expected = embedded.hits.map((hit) => `${hit.article.id} ${hit.score.toPrecision(12)}`);
      const actual = database.pageIds.map((id, at) => `${id} ${database.scores[at]!.toPrecision(12)}`);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) differences.push(`${query} (${request.sort}, page ${request.page}): embedded ${expected.join(", ")}; postgres ${actual.join(", ")}`);
    }
    expect(differences).to.deep.equal([]);
    expect(compared).to.be.at.least(80);
  });

  it("makes a new seed file visible, replaces a changed one's rows and deletes a removed one's, statistics in step", async () => {
    const marker = "邮政储蓄测试标记";
    const extra = corpusRecords(400, 405).map((record) => ({ ...record, title: `${marker}${record.title}` }));
    writeRecords(path.join(seeds, "c.jsonl"), extra);
    const added = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(added.added).to.deep.equal(["c.jsonl"]);
    expect(added.articlesLoaded).to.equal(5);
    expect(added.articles).to.equal(405);
    expect((await phraseMatches(client, fold(marker), "title")).map(({ id }) => id).sort()).to.deep.equal(extra.map(({ id }) => id).sort());

    writeRecords(path.join(seeds, "c.jsonl"), extra.slice(0, 2));
    const changed = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(changed.changed).to.deep.equal(["c.jsonl"]);
    expect(changed.articles).to.equal(402);
    expect(await phraseMatches(client, fold(marker), "title")).to.have.length(2);
    await expectStatisticsRecounted(client);

    rmSync(path.join(seeds, "c.jsonl"));
    const removed = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(removed.removed).to.deep.equal(["c.jsonl"]);
    expect(removed.articles).to.equal(400);
    expect(await phraseMatches(client, fold(marker), "title")).to.deep.equal([]);
    await expectStatisticsRecounted(client);

    const again = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(again.upToDate).to.equal(true);
    expect(again.articlesLoaded).to.equal(0);
  });

  it("reports an article whose id is already loaded as a problem of its line and keeps the first", async () => {
    writeRecords(path.join(seeds, "d.jsonl"), [{ ...FIRST[3]!, title: "重复的编号" }]);
    const summary = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(summary.problems.map(String)).to.deep.equal([`SeedFormatError: d.jsonl:1: duplicate article id "${FIRST[3]!.id}" (already indexed from another line or file); skipped`]);
    const { rows } = await client.query<{ file: string }>("SELECT file FROM articles WHERE id = $1", [FIRST[3]!.id]);
    expect(rows).to.deep.equal([{ file: "a.jsonl" }]);
    rmSync(path.join(seeds, "d.jsonl"));
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
  });

  it("refuses a database whose character type leaves Chinese unindexed, and says how to create one", async () => {
    const cUrl = await cluster.createDatabase("news_c", "C");
    const { code, stderr } = await runBuildCli(["--backend", "postgres", "--database-url", cUrl, "--seeds", seeds]);
    expect(code).to.equal(1);
    expect(stderr).to.contain("LC_CTYPE C");
    expect(stderr).to.contain("防疫知识");
    expect(stderr).to.contain("LC_CTYPE 'C.UTF-8'");
  });

  it("loads from the command line (npm run index -- --backend postgres) and names a server it cannot reach", async () => {
    const fresh = await cluster.createDatabase("news_cli");
    const loaded = await runBuildCli(["--backend", "postgres", "--database-url", fresh, "--seeds", seeds]);
    expect(loaded.stderr).to.equal("");
    expect(loaded.code).to.equal(0);
    expect(loaded.stdout).to.contain("database loaded");
    expect(loaded.stdout).to.contain("articles 400");
    const unreachable = await runBuildCli(["--backend", "postgres", "--database-url", "postgres://news:secret@127.0.0.1:1/news", "--seeds", seeds]);
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.contain("cannot connect to postgres://news:***@127.0.0.1:1/news");
    expect(unreachable.stderr).not.to.contain("secret");
    const missing = await runBuildCli(["--backend", "postgres", "--seeds", seeds]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("--database-url");
  });
});

/**
 * Queries made of the sample's own words (jieba terms of random titles): one and two words, OR,
 * exclusions, title:, the filters (a month, a source, an author) with them, and the start of a
 * headline typed as one word.
 */
function sampleQueries(snapshot: IndexSnapshot, count: number): string[] {
  const random = new Random(20201202);
  const word = (): string => {
    const terms = queryTerms(snapshot.folded(random.int(0, snapshot.size - 1)).slice(0, 40)).filter((term) => !/^[\p{P}\p{S}\s]+$/u.test(term));
    return terms.length > 0 ? random.pick(terms) : "新闻";
  };
  const doc = (): number => random.int(0, snapshot.size - 1);
  const shapes: Array<() => string> = [
    () => word(),
    () => `${word()} ${word()}`,
    () => `${word()} OR ${word()}`,
    () => `${word()} -${word()}`,
    () => `title:${word()}`,
    () => `${word()} date:${snapshot.keywordValues(doc(), "date")[0]!.slice(0, 7)}`,
    () => `${word()} source:${snapshot.keywordValues(doc(), "source")[0]!}`,
    () => `"${word()}${word()}" ${word()}`,
    () => `${word()} ${word()} ${word()}`,
    // Several words typed together, as a headline has them: the proximity bonus applies.
    () => snapshot.folded(doc()).slice(0, 5).replace(/[\p{P}\p{S}\s]/gu, "") || "新闻联播",
  ];
  const authored = Array.from({ length: snapshot.size }, (_, doc) => snapshot.keywordValues(doc, "author")).flat();
  if (authored.length > 0) shapes.push(() => `${word()} author:${random.pick(authored)}`);
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!());
}

/** term_stats and field_stats as a load from scratch would compute them. */
async function expectStatisticsRecounted(client: pg.Client): Promise<void> {
  for (const { name } of TEXT_FIELDS) {
    const { rows: kept } = await client.query<{ term: string; df: number }>("SELECT term, df FROM term_stats WHERE field = $1 ORDER BY term", [name]);
    const { rows: recounted } = await client.query<{ term: string; df: number }>(
      `SELECT t.term, count(*)::int AS df FROM articles a, jsonb_object_keys(a.${name}_tf) AS t(term) GROUP BY t.term ORDER BY t.term`,
    );
    expect(kept).to.deep.equal(recounted);
    const { rows: lengths } = await client.query<{ same: boolean }>(
      `SELECT (SELECT articles FROM field_stats WHERE field = $1) = count(*) AND (SELECT terms FROM field_stats WHERE field = $1) = sum(${name}_terms) AS same FROM articles`,
      [name],
    );
    expect(lengths[0]!.same).to.equal(true);
  }
}

/**
 * Phrases cut from the articles' folded text at random: 1–2 characters (the gram array), longer
 * ones across jieba's word boundaries (pg_trgm), some at punctuation or Latin letters and digits,
 * some restricted to titles. Phrases the query language cannot quote, or that fold().trim() would
 * change, are left out.
 */
function samplePhrases(snapshot: IndexSnapshot, count: number): Array<{ phrase: string; field: "any" | "title" }> {
  const random = new Random(20201201);
  const found = new Map<string, { phrase: string; field: "any" | "title" }>();
  const lengths = [1, 2, 2, 3, 4, 5, 7];
  const quotable = (text: string): boolean => text.trim() === text && !/["“”「」\n]/.test(text) && fold(text) === text;
  for (let tries = 0; found.size < count && tries < 100_000; tries++) {
    const doc = random.int(0, snapshot.size - 1);
    const text = snapshot.folded(doc);
    const title = tries % 8 === 0;
    const limit = title ? snapshot.titleLength(doc) : text.length;
    const length = lengths[random.int(0, lengths.length - 1)]!;
    // Every third phrase starts at punctuation or a Latin letter or digit, where there are some.
    const special = [...text.slice(0, limit).matchAll(/[\p{P}\p{S}a-z0-9]/gu)].map((match) => match.index);
    const start = tries % 3 === 0 && special.length > 0 ? special[random.int(0, special.length - 1)]! : random.int(0, Math.max(0, limit - length));
    const phrase = text.slice(start, Math.min(start + length, limit));
    if (phrase.length === 0 || !quotable(phrase)) continue;
    found.set(`${title}${phrase}`, { phrase, field: title ? "title" : "any" });
  }
  return [...found.values()];
}
