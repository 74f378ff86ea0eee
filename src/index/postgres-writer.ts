// IO: loads the seeds into PostgreSQL (`npm run index -- --backend postgres`): the same listing,
// reading and analysis as index-writer.ts, then one transaction per seed file that replaces the
// file's rows and the global term statistics with them. Files that went away are deleted.
// Speed: a large load is analyzed on the segment pool's workers (postgres-rows.ts, the embedded
// build's parallel jieba), which also gather the BM25 and unit postings; rows and postings are
// streamed in with COPY, and a first load into an empty table builds the search indexes once after
// the rows are in, side by side. Before: one thread and INSERTs of JSON batches, the 74,545-story
// corpus unfinished after 230 s; then 115 s with the postings aggregated by SQL (15 s) and one gram
// index (38-46 s); then 60-85 s; then about 15% less (no single units in the gram index, each
// worker's postings merged once); now 71-84 s against 91-103 s for that (binary rows, terms
// counted by integer id), 2.5x the embedded build.
import { availableParallelism } from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { analyzerIdentity, namesOfArticles } from "../analysis/analyze.js";
import { backgroundLoadSettled, useUserDictionary } from "../analysis/jieba.js";
import { userDictionaryOf } from "../analysis/user-dictionary.js";
import { BuildRefusedError, SearchError, SeedFormatError, SkippedSeedError } from "../errors.js";
import { INGEST_VERSION, listSeedFiles, readSeedFile, unlistedReason, type SeedFile } from "../ingest/read-seeds.js";
import type { Article } from "../types.js";
import { duplicateIdProblem, type BuildProgress } from "./index-writer.js";
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, encodeRows, FilePostings, firstOfEachId, ROW_COLUMNS, TermPostings, type EncodedRows, type LoadedArticle } from "./postgres-rows.js";
import { articleIndexes, checkDatabase, POSTGRES_SCHEMA_VERSION, schemaStatements, shardStatements, TABLES, textColumns } from "./postgres-schema.js";
import { TEXT_FIELDS } from "./schema.js";
import { poolSizeFor, SegmentWorkerPool } from "./segment-pool.js";
import { shardOf, type Shard, type ShardMap } from "./shard-map.js";

export interface LoadOptions {
  seeds: readonly string[];
  /** One database; or `shards`: each article into the shard of its date. */
  databaseUrl?: string;
  shards?: ShardMap;
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
  /** Distinct terms of the database (the largest of the shards'). */
  distinctTerms: number;
  seconds: number;
  added: string[];
  changed: string[];
  removed: string[];
  articlesLoaded: number;
  /** pg_database_size after the load (summed over the shards). */
  bytes: number;
  /** Each shard's articles and size; empty for one database. */
  shards: Array<{ name: string; dates: string; articles: number; bytes: number }>;
  problems: SeedFormatError[];
  skipped: SkippedSeedError[];
}

/** Articles per job of a worker: small enough that the COPY stream never waits long for the next, large enough that messages cost little. */
const CHUNK_ARTICLES = 250;
/** Memory for building each GIN index after a first load (a sort in memory instead of runs on disk). */
const INDEX_BUILD_MEMORY = "512MB";
/** Held for the whole load, so that two loaders never interleave their transactions. */
const LOAD_LOCK = "zh-news-search load";

interface KnownFile {
  file: string;
  sha256: string;
  bytes: number;
  mtimeNs?: string;
  /** The byline names of the file's rows in this database (as the embedded manifest's SeedRecord.names). */
  names: string[];
}

/** A database being loaded: one, or a shard with the dates it holds. */
interface Target {
  shard: Shard | undefined;
  url: string;
  client: pg.Client;
  accepts: (article: Article) => boolean;
  known: Map<string, KnownFile>;
  toRead: Set<string>;
  removed: string[];
  /** The articles table was empty: indexes are built after the rows are in. */
  bulk: boolean;
  /** Files of toRead whose rows this load has replaced already. */
  done: Set<string>;
}

export async function loadPostgres(options: LoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const map = options.shards;
  const urls = map ? map.shards.map((shard) => ({ shard, url: shard.url })) : options.databaseUrl ? [{ shard: undefined, url: options.databaseUrl }] : [];
  if (urls.length === 0) throw new SearchError("nothing to load into", "give --database-url, or --shard/--shard-map");
  const targets: Target[] = [];
  let pool: SegmentWorkerPool | undefined;
  try {
    const jiebaWords = userDictionaryOf(options.seeds);
    await useUserDictionary(jiebaWords);
    await backgroundLoadSettled();
    const identity = loadIdentity(map?.shards.map(({ dates }) => dates));
    for (const { shard, url } of urls) {
      const client = await connect(url, shard);
      targets.push({ shard, url, client, accepts: shard && map ? (article) => shardOf(map, article.date) === shard : () => true, known: new Map(), toRead: new Set(), removed: [], bulk: false, done: new Set() });
      await prepare(client, identity, options.full ?? false, shard);
    }

    const listings = [];
    for (const target of targets) {
      const { rows: known } = await target.client.query<KnownFile>('SELECT file, sha256, bytes::float8 AS bytes, mtime_ns AS "mtimeNs", names FROM seed_files');
      const listing = await listSeedFiles(options.seeds, known.map((row) => ({ ...row, mtimeNs: row.mtimeNs ?? undefined })));
      target.known = new Map(known.map((row) => [row.file, row]));
      const now = new Set(listing.files.map((seed) => seed.file));
      for (const seed of listing.files) if (target.known.get(seed.file)?.sha256 !== seed.sha256) target.toRead.add(seed.file);
      // A loaded file the listing could not see (a dangling link, a folder it may not read) keeps its rows: only a file gone from the listing is deleted.
      target.removed = known.filter((row) => !now.has(row.file) && !unlistedReason(row.file, listing.skipped, options.seeds)).map((row) => row.file);
      listings.push(listing);
    }
    const listing = listings[0]!;
    const toRead = listing.files.filter((seed) => targets.some((target) => target.toRead.has(seed.file))).sort((a, b) => a.file.localeCompare(b.file));
    const added = toRead.filter((seed) => targets.every((target) => !target.known.has(seed.file)));
    const changed = toRead.filter((seed) => !added.includes(seed));
    const removed = [...new Set(targets.flatMap((target) => target.removed))];

    const problems: SeedFormatError[] = [];
    const skipped = [...listing.skipped];
    const contents: LoadedFile[] = [];
    for (const [i, seed] of toRead.entries()) {
      const content = await readOrSkip(seed);
      if (content.skipped) skipped.push(content.skipped);
      problems.push(...content.problems);
      contents.push(content);
      options.progress?.({ phase: "read", done: i + 1, total: toRead.length });
    }
    if (options.strict && skipped.length > 0) {
      throw new BuildRefusedError(
        `--strict: ${skipped.length} seed file${skipped.length === 1 ? " was" : "s were"} skipped, so nothing was loaded:\n${skipped.map((error) => `  ${error.message}`).join("\n")}`,
        "fix or remove those files, or load without --strict to load the others",
      );
    }

    // The lines loaded of each file in each database: the first of each id, of the dates it holds.
    const firstLines = new Map(contents.map((content) => [content, new Set(firstOfEachId(content.articles))]));
    const parts = (content: LoadedFile, target: Target): Article[] =>
      target.toRead.has(content.seed.file) ? content.articles.filter((article) => target.accepts(article) && firstLines.get(content)!.has(article)) : [];
    // Every article is analyzed with the names of all bylines (analyze.ts withNames): files loaded
    // before whose text has a name that came or went are loaded again (usually none).
    const names = loadedNames(targets, contents, parts);
    const stale = await filesWithChangedNames(targets, names);
    for (const seed of listing.files.filter((seed) => stale.has(seed.file))) {
      const content = await readOrSkip(seed);
      contents.push(content);
      firstLines.set(content, new Set(firstOfEachId(content.articles)));
    }

    const indexes = articleIndexes();
    let nextDoc = 1;
    for (const target of targets) {
      const { client } = target;
      // Into an empty table the rows go first and the indexes are built once at the end. An
      // interrupted load leaves them missing: the next one finds rows and builds them before loading.
      const { rows } = await client.query<{ empty: boolean; last: string | null }>("SELECT NOT EXISTS (SELECT 1 FROM articles) AS empty, (SELECT max(doc) FROM articles) AS last");
      target.bulk = rows[0]!.empty;
      nextDoc = Math.max(nextDoc, Number(rows[0]!.last ?? 0) + 1);
      for (const { name, create } of indexes) await client.query(target.bulk ? `DROP INDEX IF EXISTS ${name}` : create);
      for (const file of target.removed) await inTransaction(client, () => deleteFile(client, file));
    }

    const total = contents.reduce((sum, content) => sum + targets.reduce((part, target) => part + parts(content, target).length, 0), 0);
    const workers = poolSizeFor(total);
    if (workers > 0) pool = new SegmentWorkerPool(workers, jiebaWords, names);
    let done = 0;
    const advance = (articles: number): void => {
      done += articles;
      options.progress?.({ phase: "analyze", done, total });
    };
    for (const content of contents) {
      // The file's articles are numbered alike in every shard, after everything loaded before.
      const docs = new Map(content.articles.map((article, i) => [article, nextDoc + i]));
      nextDoc += content.articles.length;
      // An id twice in the file: its first line is loaded, whichever shard each line's date picks.
      for (const article of content.articles) if (!firstLines.get(content)!.has(article)) problems.push(duplicateIdProblem(content.seed.file, article));
      for (const target of targets) {
        if (!target.toRead.has(content.seed.file)) continue;
        // A loaded file that cannot be read now keeps its rows (as the embedded build keeps its articles) until it reads again or goes away.
        if (content.skipped && target.known.has(content.seed.file)) {
          target.done.add(content.seed.file);
          continue;
        }
        const articles = parts(content, target);
        const file = {
          seed: content.seed,
          articles: articles.map((article) => ({ article, doc: docs.get(article)! })),
          skipped: content.skipped,
          known: target.known.has(content.seed.file),
        };
        const elsewhere = (ids: readonly string[]): Promise<Map<string, string>> => heldByOtherShards(targets, target, ids);
        problems.push(...(await inTransaction(target.client, () => replaceFile(target.client, file, names, pool, advance, elsewhere))));
        target.done.add(content.seed.file);
      }
    }
    await pool?.close();
    pool = undefined;

    const figures: Array<{ files: number; articles: number; terms: number; bytes: number }> = [];
    for (const target of targets) {
      const { client } = target;
      if (target.bulk) {
        options.progress?.({ phase: "write", done: 0, total: indexes.length });
        await buildIndexes(target, indexes, (done) => options.progress?.({ phase: "write", done, total: indexes.length }));
      }
      // The planner's statistics, on which its choice between an index and a scan depends.
      if (target.toRead.size > 0 || target.removed.length > 0) await client.query("ANALYZE articles");
      const { rows } = await client.query<{ files: number; articles: number; terms: number; bytes: string }>(
        `SELECT (SELECT count(*) FROM seed_files)::int AS files, (SELECT count(*) FROM articles)::int AS articles,
                (SELECT count(DISTINCT term) FROM term_stats)::int AS terms, pg_database_size(current_database()) AS bytes`,
      );
      figures.push({ ...rows[0]!, bytes: Number(rows[0]!.bytes) });
    }
    return {
      upToDate: toRead.length === 0 && removed.length === 0,
      files: Math.max(...figures.map(({ files }) => files)),
      articles: figures.reduce((sum, { articles }) => sum + articles, 0),
      distinctTerms: Math.max(...figures.map(({ terms }) => terms)),
      seconds: (performance.now() - started) / 1000,
      added: added.map((seed) => seed.file),
      changed: changed.map((seed) => seed.file),
      removed,
      articlesLoaded: total,
      bytes: figures.reduce((sum, { bytes }) => sum + bytes, 0),
      shards: targets.flatMap(({ shard }, i) => (shard ? [{ name: shard.name, dates: shard.dates, articles: figures[i]!.articles, bytes: figures[i]!.bytes }] : [])),
      problems,
      skipped,
    };
  } finally {
    await pool?.close();
    for (const { client } of targets) await client.end().catch(() => {});
  }
}

/**
 * Builds a first load's indexes side by side, on a connection per core (PostgreSQL 15 builds an
 * index on one core), each taking the next of the list as it finishes one. Fails with the first
 * error once every connection has stopped.
 */
async function buildIndexes(target: Target, indexes: ReadonlyArray<{ create: string }>, advance: (done: number) => void): Promise<void> {
  const queue = [...indexes];
  let done = 0;
  const lanes = Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    const client = await connect(target.url, target.shard);
    try {
      await client.query(`SET maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
      for (let next = queue.shift(); next; next = queue.shift()) {
        await client.query(next.create);
        advance(++done);
      }
    } catch (error) {
      queue.length = 0; // the other connections start nothing more
      throw error;
    } finally {
      await client.end().catch(() => {});
    }
  });
  const failed = (await Promise.allSettled(lanes)).find((lane) => lane.status === "rejected");
  if (failed) throw failed.reason;
}

/** A seed file as read for a load, or skipped (`skipped` says why, and it has no articles). */
interface LoadedFile {
  seed: SeedFile;
  articles: Article[];
  problems: SeedFormatError[];
  skipped?: SkippedSeedError;
}

/** One bad file is left out (its rows too), not the load. */
function readOrSkip(seed: SeedFile): Promise<LoadedFile> {
  return readSeedFile(seed).then(
    ({ articles, problems }) => ({ seed, articles, problems }),
    (error: unknown) => {
      if (!(error instanceof SkippedSeedError)) throw error;
      return { seed, articles: [], problems: [], skipped: error };
    },
  );
}

/**
 * The byline names of the databases once this load is done: of the files it keeps as they are, of
 * the unreadable files whose rows it keeps, and of what it loads now (`parts`).
 */
function loadedNames(targets: readonly Target[], contents: readonly LoadedFile[], parts: (content: LoadedFile, target: Target) => Article[]): ReadonlySet<string> {
  const names = new Set<string>();
  for (const target of targets) {
    for (const [file, known] of target.known) if (!target.toRead.has(file) && !target.removed.includes(file)) for (const name of known.names) names.add(name);
    for (const content of contents) {
      if (!target.toRead.has(content.seed.file)) continue;
      const kept = content.skipped && target.known.get(content.seed.file);
      for (const name of kept ? kept.names : namesOfArticles(parts(content, target))) names.add(name);
    }
  }
  return names;
}

/**
 * The files loaded before, and kept by this load, whose text has a name that is in `names` and not
 * in the names their rows were analyzed with, or the other way round; each is added to the toRead
 * of the databases that hold it.
 */
async function filesWithChangedNames(targets: readonly Target[], names: ReadonlySet<string>): Promise<Set<string>> {
  const before = new Set(targets.flatMap((target) => [...target.known.values()].flatMap((known) => known.names)));
  const changed = [...names].filter((name) => !before.has(name)).concat([...before].filter((name) => !names.has(name)));
  const stale = new Set<string>();
  if (changed.length === 0) return stale;
  for (const target of targets) {
    const { rows } = await target.client.query<{ file: string }>("SELECT DISTINCT file FROM articles WHERE NOT (file = ANY($1::text[])) AND folded LIKE ANY($2::text[])", [
      [...target.toRead, ...target.removed],
      changed.map((name) => `%${name}%`), // names are CJK characters only: nothing to escape
    ]);
    for (const { file } of rows) {
      target.toRead.add(file);
      stale.add(file);
    }
  }
  return stale;
}

/**
 * What the rows of a database were loaded under (table layout, analyzer, ingest, and for a shard
 * the shard map's ranges, `shardDates`): another one means they must be loaded again. A server
 * compares it too (with the ranges the proxy records).
 */
export function loadIdentity(shardDates?: readonly string[]): string {
  return JSON.stringify({ schema: POSTGRES_SCHEMA_VERSION, analyzer: analyzerIdentity(), ingest: INGEST_VERSION, ...(shardDates ? { shards: shardDates } : {}) });
}

/**
 * Checks the database, takes the load lock, and creates the tables; drops what is loaded first on
 * `full`, or when it was loaded by another analyzer, ingest, schema or shard map (its rows would
 * not match the queries or would be in the wrong shard).
 */
async function prepare(client: pg.Client, identity: string, full: boolean, shard: Shard | undefined): Promise<void> {
  await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
  await checkDatabase(client);
  const { rows: locked } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [LOAD_LOCK]);
  if (!locked[0]!.locked) throw new BuildRefusedError(`another load into ${shard ? `shard ${shard.name}` : "this database"} is running`, "wait for it to finish, then load again");
  await client.query(`SET maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
  await preferLz4(client);
  const loadedUnder = await loadedIdentity(client);
  if (full || (loadedUnder !== undefined && loadedUnder !== identity)) await dropTables(client);
  for (const statement of schemaStatements()) await client.query(statement);
  if (shard) for (const statement of shardStatements()) await client.query(statement);
  await client.query("INSERT INTO load_identity (key, value) VALUES ('identity', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [identity]);
}

/**
 * The long values this loader writes (folded text, gram arrays, term frequencies) are compressed
 * with lz4 instead of PostgreSQL's default pglz: several times faster to compress, and faster to
 * read back for BM25. Each value records its method, so rows of either kind are read alike; a
 * server built without lz4 refuses the setting (22023) and keeps pglz.
 */
async function preferLz4(client: pg.Client): Promise<void> {
  await client.query("SET default_toast_compression = 'lz4'").catch((error: { code?: string }) => {
    if (error.code !== "22023") throw error;
  });
}

/** A connection, or an error that says which server (or shard) could not be reached (without the password) and why. */
export async function connect(databaseUrl: string, shard?: Shard): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const what = shard ? `shard ${shard.name} (${shard.dates}) at ${redactedUrl(databaseUrl)}` : redactedUrl(databaseUrl);
    throw new SearchError(`cannot connect to ${what}: ${(error as Error).message}`, `check ${shard ? "the shard map" : "--database-url"} and that the server is running and accepts the connection`);
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
  await uncountFile(client, file);
  await client.query("DELETE FROM seed_files WHERE file = $1", [file]); // its articles by cascade
}

interface FileContent {
  seed: SeedFile;
  articles: readonly LoadedArticle[];
  skipped: SkippedSeedError | undefined;
  /** The file was loaded before: its rows are replaced. */
  known: boolean;
}

/**
 * Where the other shards hold these ids (a description per id), leaving out the rows this load is
 * about to replace (files still to be read there): an article whose date moved it to another shard
 * is moved, an id that another file loaded into another shard is a duplicate.
 */
async function heldByOtherShards(targets: readonly Target[], target: Target, ids: readonly string[]): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const other of targets) {
    if (other === target || !other.shard || ids.length === 0) continue;
    const pending = [...other.toRead].filter((file) => !other.done.has(file));
    const { rows } = await other.client.query<{ id: string; file: string }>("SELECT id, file FROM articles WHERE id = ANY($1::text[]) AND file <> ALL($2::text[])", [ids, pending]);
    for (const { id, file } of rows) if (!held.has(id)) held.set(id, `shard ${other.shard.name} (${other.shard.dates}) from ${file}`);
  }
  return held;
}

/**
 * Replaces the file's rows with its articles; returns the problems of those left out because their
 * id is already loaded: here (from another file) or, `elsewhere`, on another shard.
 */
async function replaceFile(
  client: pg.Client,
  { seed, articles, skipped, known }: FileContent,
  names: ReadonlySet<string>,
  pool: SegmentWorkerPool | undefined,
  advance: (articles: number) => void,
  elsewhere: (ids: readonly string[]) => Promise<Map<string, string>>,
): Promise<SeedFormatError[]> {
  if (known) {
    await uncountFile(client, seed.file);
    await client.query("DELETE FROM postings WHERE file = $1", [seed.file]);
    await client.query("DELETE FROM unit_postings WHERE file = $1", [seed.file]);
    await client.query("DELETE FROM articles WHERE file = $1", [seed.file]);
  }
  await client.query(
    `INSERT INTO seed_files (file, sha256, bytes, mtime_ns, articles, skipped) VALUES ($1, $2, $3, $4, 0, $5)
     ON CONFLICT (file) DO UPDATE SET sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, mtime_ns = EXCLUDED.mtime_ns, skipped = EXCLUDED.skipped`,
    [seed.file, seed.sha256, seed.bytes, seed.mtimeNs ?? null, skipped ? JSON.stringify({ reason: skipped.reason, hint: skipped.hint }) : null],
  );
  // The first of several articles with one id is the one loaded, as in the embedded build; the others are duplicates.
  const ids = articles.map(({ article }) => article.id);
  const { rows: loaded } = await client.query<{ id: string }>("SELECT id FROM articles WHERE id = ANY($1::text[])", [ids]);
  const taken = new Set(loaded.map(({ id }) => id));
  const onOtherShards = await elsewhere(ids);
  const duplicates: SeedFormatError[] = [];
  const unique = articles.filter(({ article }) => {
    const where = onOtherShards.get(article.id);
    if (taken.has(article.id) || where !== undefined) {
      duplicates.push(
        where === undefined
          ? duplicateIdProblem(seed.file, article)
          : new SeedFormatError(seed.file, article.lineStart, `duplicate article id "${article.id}" (already loaded in ${where}; the date of this line would put it in another shard); skipped`),
      );
      return false;
    }
    taken.add(article.id);
    return true;
  });

  const postings = new FilePostings();
  const rows = async function* (): AsyncGenerator<Buffer> {
    yield BINARY_COPY_HEADER;
    for await (const chunk of analyzed(unique, names, pool, postings)) {
      yield Buffer.from(chunk.copy.buffer, chunk.copy.byteOffset, chunk.copy.byteLength);
      advance(chunk.articles);
    }
    yield BINARY_COPY_TRAILER;
  };
  await pipeline(Readable.from(rows()), client.query(copyFrom(`COPY articles (${ROW_COLUMNS.map((name) => `"${name}"`).join(", ")}) FROM STDIN (FORMAT binary)`)));
  await pipeline(Readable.from(postings.termRows(seed.file)), client.query(copyFrom("COPY postings (file, field, term, docs, tfs, lengths) FROM STDIN (FORMAT binary)")));
  await pipeline(Readable.from(postings.unitRows(seed.file)), client.query(copyFrom("COPY unit_postings (file, unit, docs) FROM STDIN (FORMAT binary)")));
  await countFile(client, seed.file);
  const fileNames = namesOfArticles(articles.map(({ article }) => article));
  await client.query("UPDATE seed_files SET articles = $2, duplicates = $3, names = $4 WHERE file = $1", [seed.file, unique.length, duplicates.length, fileNames]);
  return duplicates;
}

/** Numbers each file's analysis, so that a worker never counts a failed load's terms in the next one's postings. */
let collections = 0;

/**
 * The articles' rows in order, chunk by chunk, their postings gathered into `postings`: on the
 * pool's workers (each lane a chunk at a time, a few chunks ahead of the COPY stream, so that
 * memory stays bounded; each lane's term postings asked for at the end) or here.
 */
async function* analyzed(
  articles: readonly LoadedArticle[],
  names: ReadonlySet<string>,
  pool: SegmentWorkerPool | undefined,
  postings: FilePostings,
): AsyncGenerator<EncodedRows & { articles: number }> {
  const chunks: LoadedArticle[][] = [];
  for (let from = 0; from < articles.length; from += CHUNK_ARTICLES) chunks.push(articles.slice(from, from + CHUNK_ARTICLES));
  const collection = ++collections;
  if (!pool) {
    const terms = new TermPostings(collection);
    for (const chunk of chunks) {
      const rows = encodeRows(chunk, names, terms);
      postings.addUnits(rows.units);
      yield { ...rows, articles: chunk.length };
    }
    postings.addTerms(terms.pack());
    return;
  }
  const workers = pool;
  const ahead = workers.size * 2;
  const lanes: Array<Promise<unknown>> = Array.from({ length: workers.size }, () => Promise.resolve());
  const results: Array<Promise<EncodedRows> | undefined> = [];
  const dispatch = (i: number): void => {
    const lane = i % workers.size;
    const result = lanes[lane]!.then(() => workers.rows(lane, chunks[i]!, collection));
    // Marked handled: a failing chunk further ahead must not be an unhandled rejection while an earlier one is awaited.
    lanes[lane] = result.catch(() => {});
    results[i] = result;
  };
  for (let i = 0; i < Math.min(ahead, chunks.length); i++) dispatch(i);
  for (let i = 0; i < chunks.length; i++) {
    const result = await results[i]!;
    results[i] = undefined;
    if (i + ahead < chunks.length) dispatch(i + ahead);
    postings.addUnits(result.units);
    yield { ...result, articles: chunks[i]!.length };
  }
  for (let lane = 0; lane < workers.size; lane++) postings.addTerms(await workers.postings(lane, collection));
}

/**
 * Adds a loaded file's articles to the global statistics that BM25 reads: each term's document
 * frequency is the length of the file's postings list (loaded first), each field's
 * article and term counts come from its rows.
 */
async function countFile(client: pg.Client, file: string): Promise<void> {
  await client.query(
    `INSERT INTO term_stats (field, term, df) SELECT field, term, cardinality(docs) FROM postings WHERE file = $1
     ON CONFLICT (field, term) DO UPDATE SET df = term_stats.df + EXCLUDED.df`,
    [file],
  );
  for (const { name } of TEXT_FIELDS) {
    await client.query(
      `INSERT INTO field_stats (field, articles, terms) SELECT $2, articles, terms FROM (${fileFieldCounts(name)}) AS added
       ON CONFLICT (field) DO UPDATE SET articles = field_stats.articles + EXCLUDED.articles, terms = field_stats.terms + EXCLUDED.terms`,
      [file, name],
    );
  }
}

/** The articles of file $1 and their terms in the text field: what the file adds to the field's row of field_stats. */
const fileFieldCounts = (field: string): string => `SELECT count(*) AS articles, coalesce(sum(${textColumns(field).length}), 0) AS terms FROM articles WHERE file = $1`;

/** Takes the file's loaded articles out of the global statistics, countFile undone (before its postings and rows are deleted). */
async function uncountFile(client: pg.Client, file: string): Promise<void> {
  await client.query(
    `UPDATE term_stats SET df = term_stats.df - gone.df FROM (SELECT field, term, cardinality(docs) AS df FROM postings WHERE file = $1) AS gone
     WHERE term_stats.field = gone.field AND term_stats.term = gone.term`,
    [file],
  );
  for (const { name } of TEXT_FIELDS) {
    await client.query(
      `UPDATE field_stats SET articles = field_stats.articles - gone.articles, terms = field_stats.terms - gone.terms
       FROM (${fileFieldCounts(name)}) AS gone WHERE field_stats.field = $2`,
      [file, name],
    );
  }
  await client.query("DELETE FROM term_stats WHERE df <= 0");
}
