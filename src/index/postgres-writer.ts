// IO: loads the seeds into PostgreSQL (`npm run index -- --backend postgres`): the same listing,
// reading and analysis as index-writer.ts, then one transaction per seed file that replaces the
// file's rows and the global term statistics with them. Files that went away are deleted.
import pg from "pg";
import { analyzerIdentity } from "../analysis/analyze.js";
import { backgroundLoadSettled, useUserDictionary } from "../analysis/jieba.js";
import { userDictionaryOf } from "../analysis/user-dictionary.js";
import { BuildRefusedError, SearchError, SkippedSeedError, type SeedFormatError } from "../errors.js";
import { INGEST_VERSION, listSeedFiles, readSeedFile, type SeedFile } from "../ingest/read-seeds.js";
import type { Article } from "../types.js";
import { dateSortKey } from "./article-store.js";
import { duplicateIdProblem, type BuildProgress } from "./index-writer.js";
import { checkDatabase, keywordColumnType, POSTGRES_SCHEMA_VERSION, schemaStatements, TABLES, textColumns } from "./postgres-schema.js";
import { COLUMN_KEYWORDS, TEXT_FIELDS, type ColumnKeywordName } from "./schema.js";
import { analyzeArticle } from "./segment-writer.js";

export interface LoadOptions {
  seeds: readonly string[];
  databaseUrl: string;
  /** Drop what is loaded and load every seed file again. */
  full?: boolean;
  /** Load nothing when any seed file has to be skipped. */
  strict?: boolean;
  progress?: (event: BuildProgress) => void;
}

export interface LoadSummary {
  upToDate: boolean;
  files: number;
  articles: number;
  distinctTerms: number;
  seconds: number;
  added: string[];
  changed: string[];
  removed: string[];
  articlesLoaded: number;
  problems: SeedFormatError[];
  skipped: SkippedSeedError[];
}

/** Rows per INSERT: one JSON parameter each, so the statement stays far below the protocol's limits. */
const BATCH_ROWS = 500;
/** Held for the whole load, so that two loaders never interleave their transactions. */
const LOAD_LOCK = "zh-news-search load";

interface KnownFile {
  file: string;
  sha256: string;
  bytes: number;
  mtimeNs?: string;
}

export async function loadPostgres(options: LoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const client = await connect(options.databaseUrl);
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    await checkDatabase(client);
    const { rows: locked } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [LOAD_LOCK]);
    if (!locked[0]!.locked) throw new BuildRefusedError("another load into this database is running", "wait for it to finish, then load again");
    const jiebaWords = userDictionaryOf(options.seeds);
    await useUserDictionary(jiebaWords);
    await backgroundLoadSettled();
    const identity = { schema: POSTGRES_SCHEMA_VERSION, analyzer: analyzerIdentity(), ingest: INGEST_VERSION };
    const loadedUnder = await loadedIdentity(client);
    // Rows analyzed by another analyzer or read by another ingest would not match the queries: load everything again.
    if (options.full || (loadedUnder !== undefined && loadedUnder !== JSON.stringify(identity))) await dropTables(client);
    for (const statement of schemaStatements()) await client.query(statement);
    await client.query("INSERT INTO load_identity (key, value) VALUES ('identity', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [JSON.stringify(identity)]);

    const { rows: known } = await client.query<KnownFile>('SELECT file, sha256, bytes::float8 AS bytes, mtime_ns AS "mtimeNs" FROM seed_files');
    const listing = await listSeedFiles(options.seeds, known.map((row) => ({ ...row, mtimeNs: row.mtimeNs ?? undefined })));
    const before = new Map(known.map((row) => [row.file, row]));
    const now = new Set(listing.files.map((seed) => seed.file));
    const added = listing.files.filter((seed) => !before.has(seed.file));
    const changed = listing.files.filter((seed) => before.has(seed.file) && before.get(seed.file)!.sha256 !== seed.sha256);
    const removed = known.filter((row) => !now.has(row.file)).map((row) => row.file);
    const toRead = [...added, ...changed].sort((a, b) => a.file.localeCompare(b.file));

    const problems: SeedFormatError[] = [];
    const skipped = [...listing.skipped];
    const contents: Array<{ seed: SeedFile; articles: Article[]; skipped?: SkippedSeedError }> = [];
    for (const [i, seed] of toRead.entries()) {
      // One bad file is left out (its rows too), not the load.
      const content = await readSeedFile(seed).catch((error: unknown) => {
        if (!(error instanceof SkippedSeedError)) throw error;
        skipped.push(error);
        return { articles: [], problems: [], skipped: error };
      });
      problems.push(...content.problems);
      contents.push({ seed, articles: content.articles, ...("skipped" in content ? { skipped: content.skipped } : {}) });
      options.progress?.({ phase: "read", done: i + 1, total: toRead.length });
    }
    if (options.strict && skipped.length > 0) {
      throw new BuildRefusedError(
        `--strict: ${skipped.length} seed file${skipped.length === 1 ? " was" : "s were"} skipped, so nothing was loaded:\n${skipped.map((error) => `  ${error.message}`).join("\n")}`,
        "fix or remove those files, or load without --strict to load the others",
      );
    }

    for (const file of removed) await inTransaction(client, () => deleteFile(client, file));
    const total = contents.reduce((sum, { articles }) => sum + articles.length, 0);
    let done = 0;
    for (const { seed, articles, skipped: why } of contents) {
      const duplicates = await inTransaction(client, () => replaceFile(client, seed, articles, why));
      problems.push(...duplicates.map((article) => duplicateIdProblem(seed.file, article)));
      done += articles.length;
      options.progress?.({ phase: "analyze", done, total });
    }

    const { rows: counts } = await client.query<{ files: number; articles: number; terms: number }>(
      "SELECT (SELECT count(*) FROM seed_files)::int AS files, (SELECT count(*) FROM articles)::int AS articles, (SELECT count(DISTINCT term) FROM term_stats)::int AS terms",
    );
    return {
      upToDate: toRead.length === 0 && removed.length === 0,
      files: counts[0]!.files,
      articles: counts[0]!.articles,
      distinctTerms: counts[0]!.terms,
      seconds: (performance.now() - started) / 1000,
      added: added.map((seed) => seed.file),
      changed: changed.map((seed) => seed.file),
      removed,
      articlesLoaded: total,
      problems,
      skipped,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** A connection, or an error that says which server could not be reached (without the password) and why. */
export async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new SearchError(`cannot connect to ${redactedUrl(databaseUrl)}: ${(error as Error).message}`, "check --database-url and that the server is running and accepts the connection");
  }
  return client;
}

/** The URL with any password replaced, for messages. */
export function redactedUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "the --database-url given (not a URL: postgres://user@host:port/database)";
  }
}

async function loadedIdentity(client: pg.Client): Promise<string | undefined> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('load_identity') IS NOT NULL AS exists");
  if (!rows[0]!.exists) return undefined;
  const { rows: identity } = await client.query<{ value: string }>("SELECT value FROM load_identity WHERE key = 'identity'");
  return identity[0]?.value;
}

async function dropTables(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${TABLES.join(", ")} CASCADE`);
}

async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

async function deleteFile(client: pg.Client, file: string): Promise<void> {
  await countFile(client, file, -1);
  await client.query("DELETE FROM seed_files WHERE file = $1", [file]); // its articles by cascade
}

/** Replaces the file's rows with `articles`; returns the articles left out because their id is already loaded (from another file or line). */
async function replaceFile(client: pg.Client, seed: SeedFile, articles: readonly Article[], skipped: SkippedSeedError | undefined): Promise<Article[]> {
  await countFile(client, seed.file, -1);
  await client.query("DELETE FROM articles WHERE file = $1", [seed.file]);
  await client.query(
    `INSERT INTO seed_files (file, sha256, bytes, mtime_ns, articles, skipped) VALUES ($1, $2, $3, $4, 0, $5)
     ON CONFLICT (file) DO UPDATE SET sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, mtime_ns = EXCLUDED.mtime_ns, skipped = EXCLUDED.skipped`,
    [seed.file, seed.sha256, seed.bytes, seed.mtimeNs ?? null, skipped ? JSON.stringify({ reason: skipped.reason, hint: skipped.hint }) : null],
  );
  const inserted = new Set<string>();
  for (let from = 0; from < articles.length; from += BATCH_ROWS) {
    const rows = articles.slice(from, from + BATCH_ROWS).map(articleRow);
    const { rows: ids } = await client.query<{ id: string }>(
      `INSERT INTO articles (${ROW_COLUMNS.map(([name]) => `"${name}"`).join(", ")})
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${ROW_COLUMNS.map(([name, type]) => `"${name}" ${type}`).join(", ")})
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [JSON.stringify(rows)],
    );
    for (const { id } of ids) inserted.add(id);
  }
  await client.query("UPDATE seed_files SET articles = $2, duplicates = $3 WHERE file = $1", [seed.file, inserted.size, articles.length - inserted.size]);
  await countFile(client, seed.file, 1);
  // The first of several articles with one id is the one loaded, as in the embedded build; the others are duplicates.
  const first = new Set<string>();
  return articles.filter((article) => {
    if (!inserted.has(article.id) || first.has(article.id)) return true;
    first.add(article.id);
    return false;
  });
}

/** Adds (+1) or removes (-1) the file's articles to or from the global statistics that BM25 reads. */
async function countFile(client: pg.Client, file: string, sign: 1 | -1): Promise<void> {
  for (const { name } of TEXT_FIELDS) {
    const { tf, length } = textColumns(name);
    await client.query(
      `INSERT INTO term_stats (field, term, df)
       SELECT $2, t.term, $3 * count(*) FROM articles a, jsonb_object_keys(a.${tf}) AS t(term) WHERE a.file = $1 GROUP BY t.term
       ON CONFLICT (field, term) DO UPDATE SET df = term_stats.df + EXCLUDED.df`,
      [file, name, sign],
    );
    await client.query(
      `INSERT INTO field_stats (field, articles, terms) SELECT $2, $3 * count(*), $3 * coalesce(sum(${length}), 0) FROM articles WHERE file = $1
       ON CONFLICT (field) DO UPDATE SET articles = field_stats.articles + EXCLUDED.articles, terms = field_stats.terms + EXCLUDED.terms`,
      [file, name, sign],
    );
  }
  if (sign < 0) await client.query("DELETE FROM term_stats WHERE df <= 0");
}

/** The columns the loader writes, with their types (generated columns are left out). */
const ROW_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["id", "text"],
  ["file", "text"],
  ["folded", "text"],
  ["title_length", "integer"],
  ["grams", "text[]"],
  ["date_key", "double precision"],
  ["details", "jsonb"],
  ...TEXT_FIELDS.flatMap(({ name }) => {
    const { text, tf, length } = textColumns(name);
    return [[text, "text"], [tf, "jsonb"], [length, "integer"]] as const;
  }),
  ...COLUMN_KEYWORDS.map((name) => [name, keywordColumnType(name)] as const),
];

/** The values of a keyword column, as the embedded store keeps them (article-store.ts). */
const KEYWORD_VALUES: Record<ColumnKeywordName, (article: Article) => string | string[]> = {
  author: (article) => article.authors,
  source: (article) => article.source,
  date: (article) => article.date ?? "",
};

function articleRow(article: Article): Record<string, unknown> {
  const { folded, fieldTerms } = analyzeArticle(article);
  const row: Record<string, unknown> = {
    id: article.id,
    file: article.file,
    folded,
    // In characters (code points), as PostgreSQL's left() counts them.
    title_length: Array.from(folded.slice(0, article.title.length)).length,
    grams: grams(folded),
    // null sorts undated articles last, as -Infinity does in the embedded engine (JSON has no -Infinity).
    date_key: Number.isFinite(dateSortKey(article.date)) ? dateSortKey(article.date) : null,
    details: { byline: article.byline, lineStart: article.lineStart, lineEnd: article.lineEnd, bodyLines: article.bodyLines },
  };
  TEXT_FIELDS.forEach(({ name }, i) => {
    const { text, tf, length } = textColumns(name);
    const frequencies: Record<string, number> = {};
    for (const term of fieldTerms[i]!) frequencies[term] = (frequencies[term] ?? 0) + 1;
    Object.assign(row, { [text]: article[name], [tf]: frequencies, [length]: fieldTerms[i]!.length });
  });
  for (const name of COLUMN_KEYWORDS) row[name] = KEYWORD_VALUES[name](article);
  return row;
}

/**
 * Every distinct character and pair of adjacent characters (code points) of the folded text, none
 * across a line break: an article holds a phrase of one or two characters exactly when its grams do.
 */
export function grams(folded: string): string[] {
  const found = new Set<string>();
  for (const line of folded.split("\n")) {
    const chars = Array.from(line);
    for (let i = 0; i < chars.length; i++) {
      found.add(chars[i]!);
      if (i + 1 < chars.length) found.add(chars[i]! + chars[i + 1]!);
    }
  }
  return [...found];
}
