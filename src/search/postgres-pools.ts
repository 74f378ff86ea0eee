// Connections of a server over PostgreSQL: a pool for the primary and one per streaming standby
// (--read-url). Reads go to the standbys in turn; a standby that cannot be reached is skipped
// (with a warning) for a while, and when none can be, reads go to the primary. Each request reads
// in one read-only REPEATABLE READ transaction (one snapshot of the data for all its statements),
// each statement limited to what is left of the request's budget. Failures become the errors the
// web layer answers with: out of time (503 query_too_expensive), no connection free in time (503
// server_busy), the database unreachable (503 database_unavailable); never a crash.
import pg from "pg";
import { DatabaseUnavailableError, QueryTooExpensiveError, ServerBusyError } from "../errors.js";
import { readOptions } from "../index/postgres-schema.js";
import { redactedUrl } from "../index/postgres-writer.js";
import type { Budget } from "./budget.js";

/**
 * A statement each connection parses and plans once (the read connections force generic plans,
 * READ_SETTINGS): only for statements whose best plan is the same for any values, such as lookups
 * by article number (a plan for filters, for one, depends on how many articles they keep).
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** What the backend's SQL needs of a connection: pg's clients and pools have it, and so has the shards' proxy (postgres-shards.ts). */
export interface Queryable {
  query<Row extends pg.QueryResultRow>(statement: string | PreparedStatement, values?: unknown[]): Promise<{ rows: Row[] }>;
}

export const textOf = (statement: string | PreparedStatement): string => (typeof statement === "string" ? statement : statement.text);

const preparedStatements = new Map<string, PreparedStatement>();

/**
 * Texts prepared at most: each connection keeps every statement it prepared, and the statements
 * that find a query's articles have a text per query shape (26 for the 200 dev keyword queries).
 */
const MAX_PREPARED = 500;

/** The text as a prepared statement, one name per text (a connection refuses a name given to two texts); past MAX_PREPARED texts, the text. */
export function prepared(text: string): PreparedStatement | string {
  let statement = preparedStatements.get(text);
  if (!statement) {
    if (preparedStatements.size >= MAX_PREPARED) return text;
    preparedStatements.set(text, (statement = { name: `zh_news_${preparedStatements.size}`, text }));
  }
  return statement;
}

export interface PoolOptions {
  /** The primary: loads go there; reads too when there are no standbys or none can be reached. */
  databaseUrl: string;
  /** Streaming hot standbys that serve the reads. */
  readUrls: readonly string[];
  /** Connections per database. */
  size: number;
  /** Where warnings go (a standby down, back). */
  warn?: (message: string) => void;
}

export const DEFAULT_POOL_SIZE = 8;

/** A standby that failed is not tried again for this long. */
const DOWN_FOR_MS = 5000;
/** Connecting to a server that does not answer gives up after this long. */
const CONNECT_TIMEOUT_MS = 3000;

/** PostgreSQL's SQLSTATE for a statement stopped by statement_timeout. */
const QUERY_CANCELED = "57014";

interface Database {
  url: string;
  pool: pg.Pool;
  role: "primary" | "standby";
  /** performance.now() until which it is skipped; 0 when up. */
  downUntil: number;
}

/** Errors that say the server cannot be reached or the connection is gone, not that the SQL failed. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (/^(08|57P|53)/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  const message = (error as Error).message ?? "";
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client has encountered a connection error/i.test(message);
}

export class DatabasePools {
  private readonly primary: Database;
  private readonly standbys: Database[];
  private next = 0;
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    const open = (url: string, role: Database["role"]): Database => {
      const pool = new pg.Pool({ connectionString: url, max: options.size, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 30_000, options: readOptions() });
      // An idle connection whose server went away is reported here; unheard, it would stop the process.
      pool.on("error", (error) => this.warn(`${role} ${redactedUrl(url)}: idle connection lost (${error.message})`));
      return { url, pool, role, downUntil: 0 };
    };
    this.primary = open(options.databaseUrl, "primary");
    this.standbys = options.readUrls.map((url) => open(url, "standby"));
  }

  /** How the reads are spread, for /healthz. */
  describe(): { primary: string; standbys: Array<{ url: string; up: boolean }> } {
    const now = performance.now();
    return { primary: redactedUrl(this.primary.url), standbys: this.standbys.map((db) => ({ url: redactedUrl(db.url), up: db.downUntil <= now })) };
  }

  /**
   * Runs `work` in a read-only transaction on a standby (in turn; the primary when none can be
   * reached), each statement within what is left of `budget` (none: no limit, for exports).
   * A connection failure before the work succeeded moves on to the next database.
   */
  async read<T>(budget: Budget | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    let lastFailure: unknown;
    for (const db of this.readOrder()) {
      try {
        return await this.inTransaction(db, budget, work);
      } catch (error) {
        if (!isConnectionError(error)) throw mapError(error, budget);
        lastFailure = error;
        this.markDown(db, error);
      }
    }
    throw this.unavailable(lastFailure);
  }

  /**
   * A connection with an open read-only transaction, for a stream that outlives one call (an
   * export's cursor): `done()` ends the transaction and returns the connection.
   */
  async session(): Promise<{ db: Queryable; done: () => Promise<void> }> {
    let lastFailure: unknown;
    for (const db of this.readOrder()) {
      let client: pg.PoolClient | undefined;
      let unguard = (): void => {};
      try {
        client = await db.pool.connect();
        unguard = guard(client);
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const held = client;
        const release = unguard;
        let finished = false;
        return {
          db: { query: (statement, values) => held.query(statement, values).catch((error: unknown) => Promise.reject(mapError(error, undefined))) },
          done: async () => {
            if (finished) return;
            finished = true;
            const ended = await held.query("COMMIT").then(() => undefined, (error: unknown) => error);
            release();
            held.release(ended instanceof Error ? ended : undefined);
          },
        };
      } catch (error) {
        unguard();
        client?.release(error instanceof Error ? error : undefined);
        if (!isConnectionError(error)) throw mapError(error, undefined);
        lastFailure = error;
        this.markDown(db, error);
      }
    }
    throw this.unavailable(lastFailure);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.primary, ...this.standbys].map(({ pool }) => pool.end().catch(() => {})));
  }

  /** The standbys that are up, starting with the next in turn, then the primary. Standbys down for a while are tried again. */
  private readOrder(): Database[] {
    const now = performance.now();
    const up = this.standbys.filter((db) => db.downUntil <= now);
    const start = up.length > 0 ? this.next++ % up.length : 0;
    return [...up.slice(start), ...up.slice(0, start), this.primary];
  }

  private markDown(db: Database, error: unknown): void {
    if (db.role === "primary") return;
    if (db.downUntil === 0) this.warn(`standby ${redactedUrl(db.url)} cannot be reached (${(error as Error).message}); reading from the others${this.standbys.length > 1 ? "" : " (the primary)"} for now`);
    db.downUntil = performance.now() + DOWN_FOR_MS;
  }

  private async inTransaction<T>(db: Database, budget: Budget | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    const client = await this.connect(db, budget);
    const unguard = guard(client);
    let broken: Error | undefined;
    try {
      const limited = budget !== undefined && Number.isFinite(budget.limitMs);
      // The timeout set in the transaction: a statement is stopped when the request's time is up.
      // It is lowered (a round trip) only once less than half of it is left, so a statement
      // overruns the budget by at most what was left when it started.
      let timeout = limited ? timeLeft(budget) : 0;
      await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${timeout}`);
      const result = await work({
        query: async (statement, values) => {
          if (limited) {
            const left = timeLeft(budget);
            if (left < timeout / 2) await client.query(`SET LOCAL statement_timeout = ${(timeout = left)}`);
          }
          return client.query(statement, values);
        },
      });
      await client.query("COMMIT");
      if (db.downUntil !== 0 && db.role === "standby") this.warn(`standby ${redactedUrl(db.url)} answers again`);
      db.downUntil = 0;
      return result;
    } catch (error) {
      broken = error as Error;
      if (!isConnectionError(error)) await client.query("ROLLBACK").then(() => (broken = undefined), () => {});
      throw error;
    } finally {
      unguard();
      client.release(broken); // a connection in an unknown state is closed, not reused
    }
  }

  /** A pooled connection, waiting at most for what is left of the budget. */
  private async connect(db: Database, budget: Budget | undefined): Promise<pg.PoolClient> {
    if (!budget || !Number.isFinite(budget.limitMs)) return db.pool.connect();
    const waiting = db.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ServerBusyError(1)), Math.max(1, timeLeft(budget)));
    });
    try {
      return await Promise.race([waiting, timedOut]);
    } catch (error) {
      // The connection that comes after the request gave up goes back to the pool.
      waiting.then((client) => client.release(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Readers are told that the database is down; the log says which and why. */
  private unavailable(error: unknown): DatabaseUnavailableError {
    this.warn(`no database can answer reads: ${(error as Error | undefined)?.message ?? "none configured"} (primary ${redactedUrl(this.primary.url)})`);
    return new DatabaseUnavailableError("连不上数据库");
  }

  private warn(message: string): void {
    if (!this.closed) (this.options.warn ?? console.warn)(message);
  }
}

/**
 * Listens for the connection's own 'error' while it is checked out (the pool listens only while it
 * is idle): a server that goes away emits one beside failing the query, and an 'error' nobody
 * hears stops the process. The failed query reports it; returns the function that stops listening.
 */
function guard(client: pg.PoolClient): () => void {
  const ignore = (): void => {};
  client.on("error", ignore);
  return () => void client.removeListener("error", ignore);
}

/** Whole milliseconds left of the budget, at least 1; past the deadline, the request is stopped. */
function timeLeft(budget: Budget): number {
  const left = Math.floor(budget.remaining());
  if (left <= 0) throw new QueryTooExpensiveError(budget.limitMs);
  return left;
}

/** The database's error as the web layer answers it. */
function mapError(error: unknown, budget: Budget | undefined): unknown {
  if ((error as { code?: unknown }).code === QUERY_CANCELED && budget) return new QueryTooExpensiveError(budget.limitMs);
  if (isConnectionError(error)) return new DatabaseUnavailableError("与数据库的连接中断");
  return error;
}
