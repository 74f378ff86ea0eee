// The shard map of a sharded PostgreSQL deployment: which database holds which dates. Written by
// the operator as `--shard URL=DATES` (repeated) or one `URL=DATES` per line of a file
// (`--shard-map FILE`), read alike by the loader (which routes each article to its shard) and by
// the proxy set-up (postgres-proxy.ts). DATES is FROM..TO with either end open, each a year, a
// month or a day: `..2016`, `2017..2019-06`, `2019-07..`. The ranges, in the order given, must
// cover every date exactly once (no gap, no overlap); undated articles go to the first shard.
import { readFileSync } from "node:fs";
import { SearchError } from "../errors.js";
import { calendarDate } from "../ingest/dates.js";

export interface Shard {
  /** The database's name, or host:port/database when two shards share one: how messages name it. */
  name: string;
  url: string;
  /** The range as written, e.g. `2017..`. */
  dates: string;
  /** First and last day held (YYYY-MM-DD); undefined for an open end. */
  from: string | undefined;
  to: string | undefined;
}

export interface ShardMap {
  shards: Shard[];
}

const BOUND = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const HINT = "write each shard as URL=FROM..TO, e.g. --shard 'postgres://news@db1/news_a=..2016' --shard 'postgres://news@db2/news_b=2017..' (years, months or days; either end open)";

/** The shard map of `--shard` specs, or of the lines of a `--shard-map` file (blank lines and # comments skipped). */
export function parseShardMap(specs: readonly string[], file?: string): ShardMap {
  const lines = file === undefined ? specs.map((spec, i) => ({ spec, where: `--shard #${i + 1}` })) : fileLines(file);
  const shards = lines.map(({ spec, where }) => parseShard(spec, where));
  checkCoverage(shards);
  const names = new Map<string, number>();
  for (const shard of shards) names.set(shard.name, (names.get(shard.name) ?? 0) + 1);
  for (const shard of shards) {
    if (names.get(shard.name)! > 1) {
      const url = new URL(shard.url);
      shard.name = `${url.hostname}:${url.port || "5432"}/${shard.name}`;
    }
  }
  if (new Set(shards.map((shard) => shard.name)).size !== shards.length) throw new SearchError("two shards name the same database", "give each shard its own database");
  // PL/Proxy addresses partitions by hash masks: their number must be a power of two.
  if ((shards.length & (shards.length - 1)) !== 0) {
    throw new SearchError(`${shards.length} shards: PL/Proxy needs a power of two (2, 4, 8, …)`, "split or merge date ranges to make 2, 4 or 8 shards");
  }
  return { shards };
}

function fileLines(file: string): Array<{ spec: string; where: string }> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SearchError(`cannot read the shard map ${file}: ${(error as Error).message}`, "check the --shard-map path");
  }
  return text
    .split("\n")
    .map((line, i) => ({ spec: line.replace(/#.*/, "").trim(), where: `${file}:${i + 1}` }))
    .filter(({ spec }) => spec !== "");
}

function parseShard(spec: string, where: string): Shard {
  // The last "=": a URL may hold "=" in its query (?sslmode=require); a date range never does.
  const at = spec.lastIndexOf("=");
  if (at < 0) throw new SearchError(`${where}: "${spec}" has no =DATES`, HINT);
  const url = spec.slice(0, at).trim();
  const dates = spec.slice(at + 1).trim();
  let database: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") throw new Error("not postgres://");
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
    if (database === "") throw new Error("no database");
  } catch {
    throw new SearchError(`${where}: "${url}" is not a database URL`, "write postgres://user@host:port/database");
  }
  const range = /^([^.]*)\.\.([^.]*)$/.exec(dates);
  if (!range) throw new SearchError(`${where}: "${dates}" is not a date range`, HINT);
  return { name: database, url, dates, from: bound(range[1]!, "first", where), to: bound(range[2]!, "last", where) };
}

/** The first or last day of a year, month or day written as a bound; undefined for an open end. */
function bound(text: string, end: "first" | "last", where: string): string | undefined {
  if (text === "") return undefined;
  const match = BOUND.exec(text);
  const [year, month, day] = match ? [Number(match[1]), match[2] === undefined ? undefined : Number(match[2]), match[3] === undefined ? undefined : Number(match[3])] : [];
  const days = year === undefined ? undefined : end === "first" ? calendarDate(year, month ?? 1, day ?? 1) : calendarDate(year, month ?? 12, day ?? lastDayOf(year, month ?? 12));
  if (days === undefined) throw new SearchError(`${where}: "${text}" is not a year, month or day (2017, 2017-06, 2017-06-30)`, HINT);
  return days;
}

const lastDayOf = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The calendar day after a YYYY-MM-DD day. */
export function dayAfter(day: string): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

function checkCoverage(shards: readonly Shard[]): void {
  if (shards.length === 0) throw new SearchError("no shards given", HINT);
  const first = shards[0]!;
  const last = shards.at(-1)!;
  if (first.from !== undefined) throw new SearchError(`the first shard (${first.dates}) must be open at the start (..${first.dates.split("..")[1]}): earlier dates would have no shard`, HINT);
  if (last.to !== undefined) throw new SearchError(`the last shard (${last.dates}) must be open at the end (${last.dates.split("..")[0]}..): later dates would have no shard`, HINT);
  for (let i = 1; i < shards.length; i++) {
    const previous = shards[i - 1]!;
    const shard = shards[i]!;
    if (previous.to === undefined || shard.from === undefined || dayAfter(previous.to) !== shard.from) {
      throw new SearchError(
        `shards ${previous.dates} and ${shard.dates} do not meet: the next range must start the day after the previous one ends`,
        `list the shards in date order, e.g. ..2016 then 2017..; ${previous.to === undefined ? "only the last range may be open at the end" : `after ${previous.to} comes ${dayAfter(previous.to)}`}`,
      );
    }
  }
}

/** The shard that holds an article of this date (YYYY-MM-DD…); undated articles are the first shard's. */
export function shardOf(map: ShardMap, date: string | undefined): Shard {
  if (!date) return map.shards[0]!;
  const day = date.slice(0, 10);
  return map.shards.find((shard) => (shard.from === undefined || day >= shard.from) && (shard.to === undefined || day <= shard.to))!;
}
