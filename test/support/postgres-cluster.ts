// Real PostgreSQL 15 clusters for tests: initdb as the `postgres` user (tests run as root, and
// PostgreSQL refuses to run as root) into a temporary directory, a free port on 127.0.0.1, the
// socket in that directory. Stopped and removed after the tests, and at process exit whatever
// happened (an interrupted run leaves no server behind). test/support/ensure-postgres.sh installs
// the binaries before `npm test`.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";

export interface PostgresCluster {
  port: number;
  /** The cluster's directory: data/, the socket and the log. */
  root: string;
  /** postgres://postgres@127.0.0.1:port/<database> */
  url(database: string): string;
  /** A new database; UTF-8 with the C.UTF-8 character type unless another `ctype` is given. */
  createDatabase(name: string, ctype?: string): Promise<string>;
  stop(): void;
}

const running = new Set<PostgresCluster>();
process.on("exit", () => {
  for (const cluster of running) cluster.stop();
});
// Ctrl-C or a kill stops the clusters too (then exits as the signal would have).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    for (const cluster of running) cluster.stop();
    process.kill(process.pid, signal);
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a PostgreSQL program as the `postgres` user when we are root (as in CI), else as ourselves; throws when it fails. */
function runAsPostgres(program: string, args: readonly string[]): void {
  const result = spawnAsPostgres(program, args);
  if (result.status !== 0) throw new Error(`${program} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

function spawnAsPostgres(program: string, args: readonly string[]): SpawnSyncReturns<string> {
  const command = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", path.join(POSTGRES_BIN, program), ...args]] as const : [path.join(POSTGRES_BIN, program), args] as const;
  return spawnSync(command[0], command[1], { encoding: "utf8" });
}

/** A new temporary directory for a cluster's data, socket and log, owned by the `postgres` user when we are root. */
function makeClusterRoot(prefix: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
  }
  return root;
}

/**
 * The stop() of a cluster: once only, it stops the server immediately (the data is thrown away
 * anyway) and removes the directory. It never throws, as it runs on every way out.
 */
function stopAndDiscard(cluster: () => PostgresCluster): () => void {
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    const { root } = cluster();
    running.delete(cluster());
    spawnAsPostgres("pg_ctl", ["-D", path.join(root, "data"), "-m", "immediate", "-w", "stop"]);
    rmSync(root, { recursive: true, force: true });
  };
}

export async function startCluster(): Promise<PostgresCluster> {
  if (!existsSync(path.join(POSTGRES_BIN, "initdb"))) throw new Error(`no PostgreSQL 15 under ${POSTGRES_BIN}: run bash test/support/ensure-postgres.sh`);
  const root = makeClusterRoot("zh-news-pg-");
  const data = path.join(root, "data");
  const port = await freePort();
  const cluster: PostgresCluster = {
    port,
    root,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name, ctype = "C.UTF-8") {
      const client = new pg.Client({ connectionString: cluster.url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE '${ctype}'`);
      } finally {
        await client.end();
      }
      return cluster.url(name);
    },
    stop: stopAndDiscard(() => cluster),
  };
  try {
    runAsPostgres("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
    running.add(cluster);
    startServer(cluster);
  } catch (error) {
    cluster.stop();
    throw error;
  }
  return cluster;
}

/** Starts (again) the server of a cluster made by startCluster or startStandby, on its port and socket directory. */
function startServer(cluster: Pick<PostgresCluster, "port" | "root">): void {
  // Durability is not what these tests are about: fsync off saves most of a load's time on a busy disk.
  const settings = `-p ${cluster.port} -k ${cluster.root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  runAsPostgres("pg_ctl", ["-D", path.join(cluster.root, "data"), "-l", path.join(cluster.root, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
}

/** Stops a cluster's server but keeps its data, so that `resumeCluster` can start it again (a database that goes down and comes back). */
export function pauseCluster(cluster: PostgresCluster): void {
  runAsPostgres("pg_ctl", ["-D", path.join(cluster.root, "data"), "-m", "immediate", "-w", "stop"]);
}

export function resumeCluster(cluster: PostgresCluster): void {
  startServer(cluster);
}

/**
 * A streaming hot standby of `primary`, made as an operator would: `pg_basebackup -R` (the
 * replication settings written into its data directory), then started on a free port. Stopped
 * and removed by its stop(), and at process exit whatever happened.
 */
export async function startStandby(primary: PostgresCluster): Promise<PostgresCluster> {
  const root = makeClusterRoot("zh-news-pg-standby-");
  const data = path.join(root, "data");
  const port = await freePort();
  const standby: PostgresCluster = {
    port,
    root,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: () => Promise.reject(new Error("a standby is read-only: create databases on the primary")),
    stop: stopAndDiscard(() => standby),
  };
  running.add(standby);
  try {
    runAsPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
    startServer(standby);
  } catch (error) {
    standby.stop();
    throw error;
  }
  return standby;
}

/** Waits until the standby has replayed everything the primary has written so far (a load becomes visible there). */
export async function waitForReplay(primary: PostgresCluster, standby: PostgresCluster, timeoutMs = 30_000): Promise<void> {
  const query = async (cluster: PostgresCluster, sql: string): Promise<string> => {
    const client = new pg.Client({ connectionString: cluster.url("postgres") });
    await client.connect();
    try {
      return (await client.query<{ lsn: string }>(sql)).rows[0]!.lsn;
    } finally {
      await client.end();
    }
  };
  const target = await query(primary, "SELECT pg_current_wal_lsn()::text AS lsn");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caughtUp = await query(standby, `SELECT (pg_last_wal_replay_lsn() >= '${target}'::pg_lsn)::text AS lsn`);
    if (caughtUp === "true") return;
    if (Date.now() > deadline) throw new Error(`the standby on port ${standby.port} did not replay the primary's WAL up to ${target} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Shards in clusters of their own (so that one can be stopped alone), and a proxy in another. */
export interface ShardedClusters {
  shards: Array<{ cluster: PostgresCluster; url: string }>;
  proxy: { cluster: PostgresCluster; url: string };
  stop(): void;
}

/** `count` shard clusters, each with a database news_s<i>, and a proxy cluster with a database news_proxy (PL/Proxy is created by the loader). */
export async function startShardedClusters(count = 2): Promise<ShardedClusters> {
  const started: PostgresCluster[] = [];
  const stop = (): void => {
    for (const cluster of started) cluster.stop();
  };
  try {
    const shards = [];
    for (let i = 1; i <= count; i++) {
      const cluster = await startCluster();
      started.push(cluster);
      shards.push({ cluster, url: await cluster.createDatabase(`news_s${i}`) });
    }
    const proxyCluster = await startCluster();
    started.push(proxyCluster);
    return { shards, proxy: { cluster: proxyCluster, url: await proxyCluster.createDatabase("news_proxy") }, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
