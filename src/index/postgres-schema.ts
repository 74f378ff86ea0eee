// The PostgreSQL backend's tables, derived from schema.ts (a new field there is a new column here),
// and the checks that a database can hold them. Read by postgres-writer.ts and postgres-reader.ts.
import type pg from "pg";
import { BuildRefusedError } from "../errors.js";
import { KEYWORD_FIELDS, keywordField, TEXT_FIELDS, type KeywordFieldName } from "./schema.js";

/** Bump when the tables below change: a database loaded under another version is loaded again in full. */
export const POSTGRES_SCHEMA_VERSION = 8;

/** The text field's display text, its terms with their frequencies ({term: tf}), and its number of terms (BM25's field length). */
export const textColumns = (name: string): { text: string; tf: string; length: string } => ({ text: name, tf: `${name}_tf`, length: `${name}_terms` });

/** A column keyword field's SQL type: several values (authors) are an array. */
export function keywordColumnType(name: KeywordFieldName): "text" | "text[]" {
  const { stored } = keywordField(name);
  return "column" in stored && stored.multiple ? "text[]" : "text";
}

/**
 * The gram index is this many GIN indexes, each over the rows of one gram_part: PostgreSQL 15 builds
 * a GIN index on one core, and the parts are built side by side (the full corpus's 44 million gram
 * keys: 38-46 s as one index, 18-25 s as two on two cores). A query asks every part (postgres-match.ts).
 */
export const GRAM_INDEX_PARTS = 2;

/** Column definitions of the articles table: one per text field (three) and per keyword field of schema.ts. */
function articleColumns(): string[] {
  const columns = [
    // Loading order, numbered by the loader: a new or changed file's articles come after those loaded
    // before, as in the embedded index, and shards share one numbering (ties rank in this order).
    "doc integer NOT NULL UNIQUE",
    "id text PRIMARY KEY",
    "file text NOT NULL REFERENCES seed_files (file) ON DELETE CASCADE",
    // fold(title + "\n" + body): phrases are matched in it, exactly as the embedded engine does.
    "folded text NOT NULL",
    // The title's length in characters (code points): left(folded, title_length) is the title.
    "title_length integer NOT NULL",
    // The codes of every distinct pair of UTF-16 units of `folded` (postgres-rows.ts pairGrams): the phrase index.
    "grams integer[] NOT NULL",
    // Which of the GRAM_INDEX_PARTS gram indexes holds the row's grams.
    `gram_part smallint GENERATED ALWAYS AS (doc % ${GRAM_INDEX_PARTS}) STORED`,
    // dateSortKey() of the date; NULL when undated (sorted last).
    "date_key double precision",
    "details jsonb NOT NULL",
  ];
  for (const field of TEXT_FIELDS) {
    const { text, tf, length } = textColumns(field.name);
    columns.push(`${text} text NOT NULL`, `${tf} jsonb NOT NULL`, `${length} integer NOT NULL`);
  }
  for (const field of KEYWORD_FIELDS) {
    const { stored } = field;
    if ("column" in stored) columns.push(`"${field.name}" ${keywordColumnType(field.name)} NOT NULL`);
    else if ("prefixOf" in stored) columns.push(`"${field.name}" text GENERATED ALWAYS AS (left("${stored.prefixOf}", ${stored.length})) STORED`);
    // { detail: "file" }: the file column above.
  }
  return columns;
}

/** Creates the tables that are missing. Statements are idempotent, so a loader and a later session can both run them. */
export function schemaStatements(): string[] {
  return [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    // Text, not jsonb: compared as written (jsonb reorders keys).
    "CREATE TABLE IF NOT EXISTS load_identity (key text PRIMARY KEY, value text NOT NULL)",
    `CREATE TABLE IF NOT EXISTS seed_files (
      file text PRIMARY KEY, sha256 text NOT NULL, bytes bigint NOT NULL, mtime_ns text,
      articles integer NOT NULL, duplicates integer NOT NULL DEFAULT 0, skipped jsonb,
      names text[] NOT NULL DEFAULT '{}')`,
    `CREATE TABLE IF NOT EXISTS articles (${articleColumns().join(", ")})`,
    // Global statistics for BM25, kept by the loader in the transaction that changes the articles.
    "CREATE TABLE IF NOT EXISTS term_stats (field text NOT NULL, term text NOT NULL, df integer NOT NULL, PRIMARY KEY (field, term))",
    "CREATE TABLE IF NOT EXISTS field_stats (field text PRIMARY KEY, articles bigint NOT NULL, terms bigint NOT NULL)",
    // BM25's postings, per seed file (replaced with its rows): each field's terms with the articles
    // holding them, their term frequencies and field lengths, side by side. Ranking reads only the
    // query terms' rows (jsonb tf of 35,003 articles for 中国: 540 ms; these: about 40 ms).
    `CREATE TABLE IF NOT EXISTS postings (
      file text NOT NULL REFERENCES seed_files (file) ON DELETE CASCADE, field text NOT NULL, term text NOT NULL,
      docs integer[] NOT NULL, tfs integer[] NOT NULL, lengths integer[] NOT NULL)`,
    "CREATE INDEX IF NOT EXISTS postings_term ON postings (field, term)",
    "CREATE INDEX IF NOT EXISTS postings_file ON postings (file)",
    // The articles holding each UTF-16 unit of `folded` (line breaks aside), per seed file: a phrase
    // of one unit is looked up here, not in the gram index (postgres-rows.ts pairGrams says why).
    `CREATE TABLE IF NOT EXISTS unit_postings (
      file text NOT NULL REFERENCES seed_files (file) ON DELETE CASCADE, unit integer NOT NULL, docs integer[] NOT NULL)`,
    "CREATE INDEX IF NOT EXISTS unit_postings_unit ON unit_postings (unit)",
    "CREATE INDEX IF NOT EXISTS unit_postings_file ON unit_postings (file)",
  ];
}

/**
 * The articles' search indexes, by name, the longest to build first. A first load into an empty
 * table builds them after the rows are in (one sort per index instead of an index update per row),
 * side by side; other loads keep them.
 */
export function articleIndexes(): Array<{ name: string; create: string }> {
  const index = (name: string, definition: string): { name: string; create: string } => ({ name, create: `CREATE INDEX IF NOT EXISTS ${name} ON articles ${definition}` });
  return [
    ...Array.from({ length: GRAM_INDEX_PARTS }, (_, part) => index(`articles_grams_${part}`, `USING gin (grams) WHERE gram_part = ${part}`)),
    index("articles_file", "(file)"),
    index("articles_date_key", "(date_key)"),
    ...KEYWORD_FIELDS.flatMap((field) => ("column" in field.stored ? [index(`articles_${field.name}`, `USING ${field.stored.multiple ? "gin" : "btree"} ("${field.name}")`)] : [])),
  ];
}

/**
 * The planner settings of every connection that reads for the search (startup options of the app's
 * pools, and the shards' function below). No sequential scans: the planner prices `grams @> …` like
 * any operator, so for a common gram it prefers reading every row to the gram index, and every
 * row's gram array is then decompressed (`中国 -北京` on the full corpus: 2.2 s instead of 70 ms).
 * No JIT: compiling a large statement costs 50–200 ms, more than any statement of a search runs.
 * Generic plans for the prepared statements (postgres-pools.ts prepared(); unnamed statements are
 * still planned for their values): only statements with one good plan for any values are prepared,
 * and PostgreSQL kept planning some for their values at every run (a match 0.29 ms a bind, 0.17
 * generic; the same time to run).
 */
export const READ_SETTINGS: Readonly<Record<string, string>> = { enable_seqscan: "off", jit: "off", plan_cache_mode: "force_generic_plan" };

/** READ_SETTINGS as a connection's startup options (libpq `options`). */
export const readOptions = (): string => Object.entries(READ_SETTINGS).map(([name, value]) => `-c ${name}=${value}`).join(" ");

/** The function of a shard that the proxy's RUN ON ALL function of the same name calls (postgres-proxy.ts). */
export const SHARD_FUNCTION = "shard_rows";

/**
 * A shard runs the read queries the app builds (search/postgres-match.ts), parameters inlined, and
 * returns each row as JSON; the proxy gathers the rows of every shard. Read only: a query that
 * would write fails (the function is declared STABLE).
 */
export function shardStatements(): string[] {
  return [
    `CREATE OR REPLACE FUNCTION ${SHARD_FUNCTION}(query text) RETURNS SETOF json LANGUAGE plpgsql STABLE
     ${Object.entries(READ_SETTINGS).map(([name, value]) => `SET ${name} = ${value}`).join(" ")} AS $$
     BEGIN RETURN QUERY EXECUTE 'SELECT row_to_json(r) FROM (' || query || ') AS r'; END $$`,
  ];
}

/** The tables, dropped by a full load or a change of schema or analyzer. */
export const TABLES = ["postings", "unit_postings", "articles", "seed_files", "term_stats", "field_stats", "load_identity"] as const;

/**
 * Refuses a database where pg_trgm would leave Chinese unindexed: with a `C` character type,
 * show_trgm('防疫知识') is empty, every CJK phrase becomes a full scan and nothing says so.
 */
export async function checkDatabase(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ encoding: string; ctype: string; grams: number }>(
    "SELECT pg_encoding_to_char(encoding) AS encoding, datctype AS ctype, cardinality(show_trgm('防疫知识')) AS grams FROM pg_database WHERE datname = current_database()",
  );
  const { encoding, ctype, grams } = rows[0]!;
  const remedy = "create the database with: CREATE DATABASE news TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'";
  if (encoding !== "UTF8") throw new BuildRefusedError(`the database's encoding is ${encoding}; Chinese text needs UTF8`, remedy);
  if (grams === 0) {
    throw new BuildRefusedError(`the database's character type (LC_CTYPE ${ctype}) leaves Chinese unindexed: pg_trgm finds no trigrams in 防疫知识`, remedy);
  }
}
