// The PostgreSQL backend against a real cluster (test/support/postgres-cluster.ts): the loader
// writes what the embedded build indexes, refuses a database that would leave Chinese unindexed,
// keeps the global term statistics in step through incremental loads, and the database answers
// sampled phrases with the embedded engine's exact article sets and occurrence counts.
import { expect } from "chai";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { buildIndex } from "../../src/index/index-writer.js";
import { openIndex, type IndexSnapshot } from "../../src/index/index-reader.js";
import { chunkUnits, phraseGrams } from "../../src/index/postgres-rows.js";
import { articleIndexes, GRAM_INDEX_PARTS, READ_SETTINGS, readOptions } from "../../src/index/postgres-schema.js";
import { analyzeAtom } from "../../src/search/candidates.js";
import { gramCandidates, matchInPostgres, rankInPostgres, searchPostgres, unitCandidates } from "../../src/search/postgres-match.js";
import { textOf } from "../../src/search/postgres-pools.js";
import { search } from "../../src/search/search.js";
import { parseQuery } from "../../src/search/query-parser.js";
import { loadPostgres, type LoadSummary } from "../../src/index/postgres-writer.js";
import { TEXT_FIELDS } from "../../src/index/schema.js";
import { CliProcess, corpusRecords, removeTempDirs, runBuildCli, SERVE_CLI, tempDir, waitUntil, writeRecords } from "../support/index-fixtures.js";
import { startCluster, type PostgresCluster } from "../support/postgres-cluster.js";
import { expectSameMatches, expectSamePhrases, expectSameRanking } from "../support/postgres-conformance.js";

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

  it("builds every search index after a first load, and a phrase is looked up in each part of the gram index, a character in its postings", async () => {
    const { rows } = await client.query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'articles'");
    expect(rows.map(({ name }) => name)).to.include.members(articleIndexes().map(({ name }) => name));
    await client.query("BEGIN");
    try {
      for (const [name, value] of Object.entries(READ_SETTINGS)) await client.query(`SET LOCAL ${name} = ${value}`);
      const { rows: plan } = await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) SELECT doc FROM articles WHERE ${gramCandidates("$1")}`, [phraseGrams("防疫")]);
      const text = JSON.stringify(plan[0]!["QUERY PLAN"]);
      for (let part = 0; part < GRAM_INDEX_PARTS; part++) expect(text).to.include(`"Index Name":"articles_grams_${part}"`);
      expect(text).not.to.include("Seq Scan");
      // One character, or'ed with a pair: its postings once, then the doc index, in the same bitmap as the gram index's.
      const { rows: unitPlan } = await client.query<{ "QUERY PLAN": unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT doc FROM articles WHERE ${unitCandidates("$1")} OR ${gramCandidates("$2")}`,
        ["疫".charCodeAt(0), phraseGrams("防疫")],
      );
      const unitText = JSON.stringify(unitPlan[0]!["QUERY PLAN"]);
      expect(unitText).to.include(`"Index Name":"unit_postings_unit"`);
      expect(unitText).to.include(`"Index Name":"articles_doc_key"`);
      expect(unitText).to.include("BitmapOr");
      expect(unitText).not.to.include("Seq Scan");
    } finally {
      await client.query("ROLLBACK");
    }
  });

  it("lets the gram index propose when a query also has one-character words, and a character's postings only where nothing else does; words' grams in one containment", async () => {
    /** The plan of the statement that finds the query's articles (the first that matchInPostgres sends). */
    const planOf = async (query: string): Promise<string> => {
      const sent: Array<{ text: string; values?: unknown[] }> = [];
      await matchInPostgres({ query: async (statement, values) => (sent.push({ text: textOf(statement), values }), client.query(statement, values)) }, query);
      const { text, values } = sent.find(({ text }) => text.includes("AS only_expanded"))!;
      await client.query("BEGIN");
      try {
        for (const [name, value] of Object.entries(READ_SETTINGS)) await client.query(`SET LOCAL ${name} = ${value}`);
        const { rows } = await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
        return JSON.stringify(rows[0]!["QUERY PLAN"]);
      } finally {
        await client.query("ROLLBACK");
      }
    };
    // A headline's word of one character (新) beside longer ones: the planner, which guesses that a
    // character's postings hold 10 articles, would read all of them (74,373 for 新 in the full corpus).
    const needles = analyzeAtom(parseQuery("缅甸新外国投资法").required[0]![0]!).needles;
    expect(needles, "the case under test").to.include("新").and.satisfy((all: string[]) => all.some((needle) => needle.length > 1));
    const headline = await planOf("缅甸新外国投资法");
    expect(headline).to.include('"Index Name":"articles_grams_0"');
    expect(headline).not.to.include("unit_postings").and.not.to.include("articles_doc_key");
    // Words of one character only: one of them is looked up in its postings, the others checked on those articles.
    const characters = await planOf("新 在 中");
    expect(characters.match(/unit_postings_unit/g)).to.have.length(1);
    // Several words: their grams in one containment per part of the gram index, not one per word.
    const words = await planOf("防疫 知识 社区");
    expect(words.match(/grams @>/g), "one containment per part, in the index condition and the recheck").to.have.length(2 * GRAM_INDEX_PARTS);
  });

  it("compresses the long values with lz4, not pglz", async () => {
    // Values under about 2 KB are stored as they are (no method); the folded text of most stories is longer.
    const { rows } = await client.query<{ method: string | null; values: number }>(
      "SELECT pg_column_compression(folded) AS method, count(*)::int AS values FROM articles GROUP BY 1 ORDER BY 1",
    );
    expect(rows.filter(({ method }) => method !== null).map(({ method }) => method)).to.deep.equal(["lz4"]);
    expect(rows.find(({ method }) => method === "lz4")!.values).to.be.greaterThan(100);
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
    await expectSamePhrases(client, snapshot);
  });

  it("matches queries as the embedded engine does: article sets, totals, relaxed fallback, item and phrase counts (AND, OR, -, title:, filters)", async () => {
    await expectSameMatches(client, snapshot);
  });

  it("ranks, sorts and pages as the embedded engine does: the same ids in the same order with the same scores", async () => {
    await expectSameRanking(client, snapshot);
  });

  it("finds a headline's words in the statement that reads the term frequencies when every match is re-ranked, with the embedded engine's scores", async () => {
    let merged = 0;
    for (let doc = 0; doc < 40; doc++) {
      // A headline's start typed as one word: jieba splits it, so its place in each article earns a bonus.
      const query = snapshot.folded(doc).slice(0, 6).replace(/[\p{P}\p{S}\s]/gu, "");
      if (query.length < 4) continue;
      const request = { query, sort: "relevance" as const, page: 1, size: 10, correct: false };
      const sent: string[] = [];
      const page = await searchPostgres({ query: async (statement, values) => (sent.push(textOf(statement)), client.query(statement, values)) }, request);
      const embedded = search(snapshot, request);
      expect(page.pageIds.map((id, at) => `${id} ${page.scores[at]!.toPrecision(12)}`), query).to.deep.equal(embedded.hits.map((hit) => `${hit.article.id} ${hit.score.toPrecision(12)}`));
      const finding = sent.filter((text) => text.includes("strpos(folded, word)"));
      expect(finding, "the words are looked up once").to.have.length(1);
      if (finding[0]!.includes("->> term")) merged++;
    }
    expect(merged, "queries whose words came with the term frequencies").to.be.at.least(5);
  });

  it("reads a one-page result's display columns in the ranking statement, the rows of the ranked articles", async () => {
    const embeddedDoc = new Map(Array.from({ length: snapshot.size }, (_, doc) => [snapshot.id(doc), doc]));
    let withRows = 0;
    for (let doc = 0; doc < 40; doc++) {
      const query = snapshot.folded(doc).slice(0, 8).replace(/[\p{P}\p{S}\s]/gu, "");
      if (query.length < 4) continue;
      const matches = await matchInPostgres(client, query);
      const sent: string[] = [];
      const request = { sort: "relevance" as const, page: 1, size: 10 };
      const ranked = await rankInPostgres<{ id: string; body: string }>({ query: async (statement, values) => (sent.push(textOf(statement)), client.query(statement, values)) }, matches, request, undefined, ["id", "body"]);
      const plain = await rankInPostgres(client, matches, request);
      expect(ranked.map(({ doc, id, score }) => ({ doc, id, score })), query).to.deep.equal(plain);
      if (ranked.some(({ row }) => row === undefined)) {
        expect(ranked.every(({ row }) => row === undefined), `${query}: rows for some articles only`).to.equal(true);
        continue;
      }
      withRows++;
      expect(sent.filter((text) => text.includes("FROM articles")), `${query}: one statement reads the articles`).to.have.length(1);
      for (const { id, row } of ranked) expect(row, id).to.deep.include({ id, body: snapshot.body(embeddedDoc.get(id)!) });
    }
    expect(withRows, "queries whose rows came with the ranking").to.be.at.least(5);
  });

  it("prepares the lookups by article number and the plain matches once per connection, and PostgreSQL plans them once (generic plans)", async () => {
    const reader = new pg.Client({ connectionString: url, options: readOptions() });
    await reader.connect();
    try {
      for (let doc = 0; doc < 40; doc++) {
        const query = snapshot.folded(doc).slice(0, 8).replace(/[\p{P}\p{S}\s]/gu, "");
        if (query.length >= 4) await searchPostgres(reader, { query, sort: "relevance", page: 1, size: 10, correct: false });
      }
      const { rows } = await reader.query<{ statement: string; generic_plans: string; custom_plans: string }>("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements");
      const statements = rows.map(({ statement }) => statement).join("\n");
      expect(statements, "the BM25 statement").to.include("->> term");
      expect(statements, "a match").to.include("grams @>");
      for (const row of rows) {
        expect(Number(row.custom_plans), row.statement).to.equal(0);
        expect(Number(row.generic_plans), row.statement).to.be.above(0);
      }
    } finally {
      await reader.end();
    }
  });

  it("makes a new seed file visible, replaces a changed one's rows and deletes a removed one's, statistics in step", async () => {
    const marker = "邮政储蓄测试标记";
    const extra = corpusRecords(400, 405).map((record) => ({ ...record, title: `${marker}${record.title}` }));
    writeRecords(path.join(seeds, "c.jsonl"), extra);
    const added = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(added.added).to.deep.equal(["c.jsonl"]);
    expect(added.articlesLoaded).to.equal(5);
    expect(added.articles).to.equal(405);
    expect([...(await matchInPostgres(client, `title:"${marker}"`)).ids].sort()).to.deep.equal(extra.map(({ id }) => id).sort());

    writeRecords(path.join(seeds, "c.jsonl"), extra.slice(0, 2));
    const changed = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(changed.changed).to.deep.equal(["c.jsonl"]);
    expect(changed.articles).to.equal(402);
    expect((await matchInPostgres(client, `title:"${marker}"`)).total).to.equal(2);
    await expectStatisticsRecounted(client);

    rmSync(path.join(seeds, "c.jsonl"));
    const removed = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(removed.removed).to.deep.equal(["c.jsonl"]);
    expect(removed.articles).to.equal(400);
    expect((await matchInPostgres(client, `title:"${marker}"`)).ids).to.deep.equal([]);
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

  it("analyzes every row with the names of all bylines: a new name reloads the loaded files that spell it, and a name that goes too", async () => {
    const termStats = async (): Promise<Map<string, number>> => {
      const { rows } = await client.query<{ term: string; df: number }>("SELECT term, df FROM term_stats WHERE field = 'body'");
      return new Map(rows.map(({ term, df }) => [term, df]));
    };
    const embeddedStats = async (): Promise<Map<string, number>> => {
      const indexDir = path.join(tempDir("pg-names"), "index");
      await buildIndex({ seeds: [seeds], indexDir });
      return (await openIndex(indexDir)).termFrequencies();
    };
    writeRecords(path.join(seeds, "e.jsonl"), [{ id: "names-e1", title: "来信", body: "据周钊梁说，路修好了。", source: "generated" }]);
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect((await termStats()).get("周钊梁")).to.equal(undefined);

    writeRecords(path.join(seeds, "f.jsonl"), [{ id: "names-f1", title: "修路", body: "周钊梁报道", source: "generated", authors: ["周钊梁"] }]);
    const named = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(named.added).to.deep.equal(["f.jsonl"]);
    expect(named.articlesLoaded, "f1, and e1 again (a.jsonl and b.jsonl do not spell the name)").to.equal(2);
    expect((await termStats()).get("周钊梁")).to.equal(2);
    expect(await termStats()).to.deep.equal(await embeddedStats());
    const { rows } = await client.query<{ names: string[] }>("SELECT names FROM seed_files WHERE file = 'f.jsonl'");
    expect(rows[0]!.names).to.deep.equal(["周钊梁"]);

    rmSync(path.join(seeds, "f.jsonl"));
    const gone = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(gone.articlesLoaded, "e1 again").to.equal(1);
    expect((await termStats()).get("周钊梁")).to.equal(undefined);
    rmSync(path.join(seeds, "e.jsonl"));
    await loadPostgres({ seeds: [seeds], databaseUrl: url });
    await expectStatisticsRecounted(client);
  });

  it("keeps a loaded file's rows while the listing cannot see it (a link whose target is gone: a missing mount), and deletes them once it is gone", async () => {
    const store = tempDir("pg-store");
    writeRecords(path.join(store, "g.jsonl"), corpusRecords(410, 415));
    symlinkSync(path.join(store, "g.jsonl"), path.join(seeds, "g.jsonl"));
    expect((await loadPostgres({ seeds: [seeds], databaseUrl: url })).articles).to.equal(405);

    renameSync(store, `${store}-away`);
    const unseen = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect({ removed: unseen.removed, articles: unseen.articles, skipped: unseen.skipped.map(({ file }) => file) }).to.deep.equal({ removed: [], articles: 405, skipped: ["g.jsonl"] });

    renameSync(`${store}-away`, store);
    const back = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect({ upToDate: back.upToDate, loaded: back.articlesLoaded, articles: back.articles }).to.deep.equal({ upToDate: true, loaded: 0, articles: 405 });

    rmSync(path.join(seeds, "g.jsonl"));
    const gone = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect({ removed: gone.removed, articles: gone.articles }).to.deep.equal({ removed: ["g.jsonl"], articles: 400 });
    await expectStatisticsRecounted(client);
  });

  it("keeps a loaded file's rows while it cannot be read, and leaves them as they were once it reads again", async () => {
    const file = path.join(seeds, "b.jsonl");
    const original = readFileSync(file);
    writeFileSync(file, Buffer.alloc(4096, 0));
    try {
      const summary = await loadPostgres({ seeds: [seeds], databaseUrl: url });
      expect(summary.skipped.map(({ file }) => file)).to.deep.equal(["b.jsonl"]);
      expect(summary.articles).to.equal(400);
      await expectStatisticsRecounted(client);
    } finally {
      writeFileSync(file, original);
    }
    const again = await loadPostgres({ seeds: [seeds], databaseUrl: url });
    expect(again.upToDate).to.equal(true);
    expect(again.articles).to.equal(400);
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

  it("--watch loads again when a seed file appears, changes or goes away; npm start refuses --watch and says to watch with the loader", async () => {
    const watched = path.join(tempDir("pg-watch"), "seeds");
    mkdirSync(watched);
    writeRecords(path.join(watched, "a.jsonl"), FIRST.slice(0, 20));
    const fresh = await cluster.createDatabase("news_watch");
    const count = async (sql: string): Promise<number> => {
      const reader = new pg.Client({ connectionString: fresh });
      await reader.connect();
      try {
        return (await reader.query<{ n: number }>(sql)).rows[0]!.n;
      } finally {
        await reader.end();
      }
    };
    const watcher = new CliProcess(["--backend", "postgres", "--database-url", fresh, "--seeds", watched, "--watch"]);
    try {
      await watcher.waitFor(/watching .* for changes/, 60_000);
      expect(await count("SELECT count(*)::int AS n FROM articles")).to.equal(20);
      writeRecords(path.join(watched, "b.jsonl"), FIRST.slice(20, 30));
      await waitUntil("the new file loaded", 30_000, async () => ((await count("SELECT count(*)::int AS n FROM articles WHERE file = 'b.jsonl'")) === 10 ? true : undefined), 200);
      writeRecords(path.join(watched, "b.jsonl"), FIRST.slice(20, 25));
      await waitUntil("the changed file's rows replaced", 30_000, async () => ((await count("SELECT count(*)::int AS n FROM articles WHERE file = 'b.jsonl'")) === 5 ? true : undefined), 200);
      rmSync(path.join(watched, "a.jsonl"));
      await waitUntil("the removed file's rows deleted", 30_000, async () => ((await count("SELECT count(*)::int AS n FROM articles")) === 5 ? true : undefined), 200);
      expect(watcher.stdout).to.match(/database loaded[\s\S]*added: b\.jsonl/);
      expect(watcher.child.exitCode, "still watching").to.equal(null);
    } finally {
      watcher.child.kill("SIGTERM");
      await watcher.exited;
    }
    const server = await runBuildCli(["--backend", "postgres", "--database-url", fresh, "--seeds", watched, "--watch", "--port", "0"], [], SERVE_CLI);
    expect(server.code).to.equal(1);
    expect(server.stderr).to.contain("--watch is not for `npm start -- --backend postgres`");
    expect(server.stderr).to.contain("npm run index -- --backend postgres --database-url … --watch");
  });
});

/** term_stats, field_stats and the unit postings as a load from scratch would compute them. */
async function expectStatisticsRecounted(client: pg.Client): Promise<void> {
  const { rows: texts } = await client.query<{ doc: number; folded: string }>("SELECT doc, folded FROM articles ORDER BY doc");
  const { units, counts, docs } = chunkUnits(texts);
  let at = 0;
  const expected = [...units].map((unit, u) => ({ unit, docs: [...docs.slice(at, (at += counts[u]!))] }));
  const { rows: stored } = await client.query<{ unit: number; docs: number[] }>("SELECT unit, array_agg(doc ORDER BY doc) AS docs FROM unit_postings, unnest(docs) AS doc GROUP BY unit ORDER BY unit");
  expect(stored).to.deep.equal(expected);
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
