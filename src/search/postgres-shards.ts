// The query side of a sharded deployment: a database handle over the proxy (index/postgres-proxy.ts)
// that runs each read query of postgres-match.ts on every shard at once (PL/Proxy RUN ON ALL) and
// returns the rows of all of them. The match stage adds up what shards count (articles, occurrences,
// term statistics), so that answers are those of one database. A shard that does not answer fails
// the whole query with ShardUnavailableError, naming it: never a silently smaller count.
import pg from "pg";
import { ShardUnavailableError } from "../errors.js";
import { SHARD_FUNCTION } from "../index/postgres-schema.js";
import { arrayLiteral } from "../index/postgres-rows.js";
import type { Queryable } from "./postgres-pools.js";


interface ShardRow {
  partition: number;
  name: string;
  dates: string;
  host: string;
  port: string;
  dbname: string;
}

export class ProxyDatabase implements Queryable {
  private shardMap: Promise<ShardRow[]> | undefined;

  /** `proxy`: a connection or pool to the proxy database. */
  constructor(private readonly proxy: Queryable) {}

  async query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<{ rows: Row[] }> {
    try {
      const { rows } = await this.proxy.query<{ row: Row }>(`SELECT ${SHARD_FUNCTION}($1) AS row`, [inlineParameters(text, values)]);
      return { rows: rows.map(({ row }) => row) };
    } catch (error) {
      throw (await this.unavailableShard(error)) ?? error;
    }
  }

  /** The shards, in partition order, as the loader recorded them on the proxy. */
  shards(): Promise<ShardRow[]> {
    this.shardMap ??= this.proxy.query<ShardRow>("SELECT partition, name, dates, host, port, dbname FROM shard_map ORDER BY partition").then(({ rows }) => rows);
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
