// The query side of a sharded deployment: a database handle over the proxy (index/postgres-proxy.ts)
// that runs each read query of postgres-match.ts on every shard at once (PL/Proxy RUN ON ALL) and
// returns the rows of all of them. The match stage adds up what shards count (articles, occurrences,
// term statistics), so that answers are those of one database. A shard that does not answer fails
// the whole query with ShardUnavailableError, naming it: never a silently smaller count.
import pg from "pg";
import { ShardUnavailableError } from "../errors.js";
import { SHARD_FUNCTION } from "../index/postgres-schema.js";
import { arrayLiteral } from "../index/postgres-rows.js";
import { textOf, type PreparedStatement, type Queryable } from "./postgres-pools.js";

/** A shard as the proxy records it (postgres-proxy.ts shard_map), with what names it in PL/Proxy's errors. */
export interface ProxyShard {
  partition: number;
  name: string;
  dates: string;
  host: string;
  port: string;
  dbname: string;
}

/** The shards a proxy database serves, in partition order; undefined for a database that holds the articles itself. */
export async function readProxyShards(db: Queryable): Promise<ProxyShard[] | undefined> {
  const { rows } = await db.query<{ proxy: boolean }>("SELECT to_regclass('shard_map') IS NOT NULL AND to_regclass('articles') IS NULL AS proxy");
  if (!rows[0]!.proxy) return undefined;
  return (await db.query<ProxyShard>("SELECT partition, name, dates, host, port, dbname FROM shard_map ORDER BY partition")).rows;
}

export class ProxyDatabase implements Queryable {
  private shardMap: Promise<readonly ProxyShard[]> | undefined;

  /**
   * `proxy`: a connection or pool to the proxy database. `shards`: its shard map when already read
   * (inside a transaction, which a failed statement aborts, it could not be read after a failure).
   */
  constructor(
    private readonly proxy: Queryable,
    shards?: readonly ProxyShard[],
  ) {
    if (shards) this.shardMap = Promise.resolve(shards);
  }

  /** A prepared statement is sent as text: each shard's function runs what it is given. */
  async query<Row extends pg.QueryResultRow>(statement: string | PreparedStatement, values: unknown[] = []): Promise<{ rows: Row[] }> {
    try {
      const { rows } = await this.proxy.query<{ row: Row }>(`SELECT ${SHARD_FUNCTION}($1) AS row`, [inlineParameters(textOf(statement), values)]);
      return { rows: rows.map(({ row }) => row) };
    } catch (error) {
      throw (await this.unavailableShard(error)) ?? error;
    }
  }

  /** The shards, in partition order, as the loader recorded them on the proxy. */
  shards(): Promise<readonly ProxyShard[]> {
    this.shardMap ??= this.proxy.query<ProxyShard>("SELECT partition, name, dates, host, port, dbname FROM shard_map ORDER BY partition").then(({ rows }) => rows);
    this.shardMap.catch(() => (this.shardMap = undefined));
    return this.shardMap;
  }

  /**
   * The shard a PL/Proxy error names, if it is one: PL/Proxy prefixes a partition's failure with its
   * database, and libpq's message gives the server (`[news_s2] PQconnectPoll: connection to server
   * at "10.0.0.2", port 5432 failed`).
   */
  private async unavailableShard(error: unknown): Promise<ShardUnavailableError | undefined> {
    const message = (error as Error).message ?? "";
    if (!message.startsWith("PL/Proxy")) return undefined;
    const shards = await this.shards().catch(() => []);
    const named = shards.filter((row) => message.includes(`[${row.dbname}]`));
    const shard = named.length > 1 ? named.find((row) => message.includes(`"${row.host}", port ${row.port}`)) : named[0];
    if (shard) return new ShardUnavailableError(`${shard.name}（${shard.dates}）`, message);
    // Every shard is down, or the proxy cannot say which: still no partial answer.
    return /connect|connection|terminat/i.test(message) ? new ShardUnavailableError("之一", message) : undefined;
  }
}

/**
 * The query with its $n parameters written in as literals: the proxy passes one text to every shard.
 * Strings and arrays are quoted (pg's own escaping), numbers written exactly (shortest round trip).
 */
export function inlineParameters(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (placeholder, index: string) => {
    const value = values[Number(index) - 1];
    if (Number(index) > values.length) throw new Error(`${placeholder} has no value (${values.length} given)`);
    return literal(value);
  });
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot send ${value} to the shards`);
    return `(${String(value)})`;
  }
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (Array.isArray(value)) return escapeLiteral(arrayLiteral(value.map(String)));
  return escapeLiteral(String(value));
}

const escapeLiteral = (value: string): string => pg.escapeLiteral(value);

/**
 * Rows with the same `keys` merged, their `counts` added up (as numbers: bigint columns arrive as
 * text): one database gives a row per key already, shards one each. No keys: one row of totals.
 */
export function sumRows<Row extends object, Count extends keyof Row>(rows: readonly Row[], keys: ReadonlyArray<keyof Row>, counts: readonly Count[]): Array<Omit<Row, Count> & Record<Count, number>> {
  const merged = new Map<string, Omit<Row, Count> & Record<Count, number>>();
  for (const row of rows) {
    const key = JSON.stringify(keys.map((name) => row[name]));
    const into = merged.get(key) ?? ({ ...row, ...Object.fromEntries(counts.map((name) => [name, 0])) } as Omit<Row, Count> & Record<Count, number>);
    for (const name of counts) (into as Record<Count, number>)[name] += Number(row[name]);
    merged.set(key, into);
  }
  if (keys.length === 0 && merged.size === 0) return [Object.fromEntries(counts.map((name) => [name, 0])) as Omit<Row, Count> & Record<Count, number>];
  return [...merged.values()];
}
