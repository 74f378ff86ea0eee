// IO: sets up the proxy database of a sharded deployment: PL/Proxy's cluster (one partition per
// shard of the shard map, in its order), the RUN ON ALL function the query side calls
// (search/postgres-shards.ts), and the shard map itself, so that an app server needs only the
// proxy's URL and a failing partition can be named. Run by the loader after it loaded the shards.
import type pg from "pg";
import { SearchError } from "../errors.js";
import { SHARD_FUNCTION } from "./postgres-schema.js";
import { connect, redactedUrl } from "./postgres-writer.js";
import type { ShardMap } from "./shard-map.js";

/** PL/Proxy's name for the shards, on the proxy (a SQL/MED server of the plproxy wrapper). */
export const PROXY_CLUSTER = "news_shards";

/** libpq's connection string for a postgres:// URL, as PL/Proxy's partitions are written. */
export function connectionString(url: string): string {
  const parsed = new URL(url);
  const quote = (value: string): string => `'${value.replace(/[\\']/g, (char) => `\\${char}`)}'`;
  const parts: Array<[string, string]> = [
    ["host", parsed.hostname || "localhost"],
    ["port", parsed.port || "5432"],
    ["dbname", decodeURIComponent(parsed.pathname.replace(/^\//, ""))],
  ];
  if (parsed.username) parts.push(["user", decodeURIComponent(parsed.username)]);
  if (parsed.password) parts.push(["password", decodeURIComponent(parsed.password)]);
  for (const [key, value] of parsed.searchParams) parts.push([key, value]);
  return parts.map(([key, value]) => `${key}=${quote(value)}`).join(" ");
}

/** (Re)creates the cluster, the function and the map on the proxy; idempotent. */
export async function setUpProxy(proxyUrl: string, map: ShardMap): Promise<void> {
  const client = await connect(proxyUrl);
  try {
    await client.query("BEGIN");
    await createExtension(client, proxyUrl);
    await client.query(`DROP SERVER IF EXISTS ${PROXY_CLUSTER} CASCADE`);
    const partitions = map.shards.map((shard, i) => `p${i} ${literal(connectionString(shard.url))}`).join(", ");
    await client.query(`CREATE SERVER ${PROXY_CLUSTER} FOREIGN DATA WRAPPER plproxy OPTIONS (connection_lifetime '1800', ${partitions})`);
    await client.query(`CREATE USER MAPPING FOR PUBLIC SERVER ${PROXY_CLUSTER}`);
    await client.query(`CREATE OR REPLACE FUNCTION ${SHARD_FUNCTION}(query text) RETURNS SETOF json LANGUAGE plproxy AS $$ CLUSTER '${PROXY_CLUSTER}'; RUN ON ALL; $$`);
    await client.query("DROP TABLE IF EXISTS shard_map");
    await client.query("CREATE TABLE shard_map (partition integer PRIMARY KEY, name text NOT NULL, dates text NOT NULL, host text NOT NULL, port text NOT NULL, dbname text NOT NULL)");
    for (const [i, shard] of map.shards.entries()) {
      const url = new URL(shard.url);
      await client.query("INSERT INTO shard_map VALUES ($1, $2, $3, $4, $5, $6)", [i, shard.name, shard.dates, url.hostname || "localhost", url.port || "5432", decodeURIComponent(url.pathname.slice(1))]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

async function createExtension(client: pg.Client, proxyUrl: string): Promise<void> {
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS plproxy");
  } catch (error) {
    throw new SearchError(
      `the proxy database ${redactedUrl(proxyUrl)} cannot have PL/Proxy: ${(error as Error).message}`,
      "install it on the proxy's server (Debian: apt-get install postgresql-15-plproxy) and load as a role that may create extensions",
    );
  }
}

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;
