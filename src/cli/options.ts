// Flags shared by `npm run index` and `npm start`, parsed with commander.
import { Command, InvalidArgumentError, Option } from "commander";
import path from "node:path";
import { SearchError } from "../errors.js";
import { BACKENDS, type BackendName } from "../search/backend.js";
import { DEFAULT_POOL_SIZE } from "../search/postgres-pools.js";

const DEFAULT_SEEDS = "seeds";
const DEFAULT_INDEX = "index";

export interface CommonOptions {
  seeds: string[];
  index: string;
  full: boolean;
  watch: boolean;
  strict: boolean;
  allowShrink: boolean;
  debug: boolean;
}

export function commonCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(
      new Option("--seeds <dir|file>", "seed directory or file (.txt, .md, .jsonl, .jsonl.gz); repeat for several (default: seeds)")
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option("--index <dir>", "index directory", DEFAULT_INDEX)
    .option("--full", "re-analyze every seed file instead of only new and changed ones", false)
    .option("--watch", "rebuild when seed files appear, change or disappear", false)
    .option("--strict", "commit nothing when any seed file has to be skipped (unreadable, undecodable, …)", false)
    .option("--allow-shrink", "commit a build even when it keeps less than half of the articles indexed now", false)
    .option("--debug", "show where an error happened (its stack trace)", false)
    .showHelpAfterError();
}

export function resolveCommon(options: Omit<CommonOptions, "seeds"> & { seeds?: string[] }): CommonOptions {
  return {
    seeds: (options.seeds && options.seeds.length > 0 ? options.seeds : [DEFAULT_SEEDS]).map((seed) => path.resolve(seed)),
    index: path.resolve(options.index),
    full: options.full,
    watch: options.watch,
    strict: options.strict,
    allowShrink: options.allowShrink,
    debug: options.debug,
  };
}

export interface BackendOptions {
  backend: BackendName;
  /** The primary (postgres). */
  databaseUrl?: string;
  /** Streaming standbys that serve reads (postgres, serving only). */
  readUrls: string[];
  /** Connections per database (postgres, serving only). */
  poolSize: number;
}

/** --backend and --database-url; with `reads`, also --read-url and --db-pool (commands that read: start, search). */
export function addBackendOptions(command: Command, reads: boolean): Command {
  command
    .addOption(new Option("--backend <name>", "where the index lives: embedded (index/ files) or postgres (--database-url)").choices(BACKENDS).default("embedded"))
    .option("--database-url <url>", "with --backend postgres: the database (the primary), postgres://user@host:port/database");
  if (!reads) return command;
  return command
    .addOption(
      new Option("--read-url <url>", "with --backend postgres: a streaming hot standby to read from (repeat for several; reads go to the primary when none answers)").argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .addOption(
      new Option("--db-pool <n>", "with --backend postgres: connections per database").default(DEFAULT_POOL_SIZE).argParser((value: string) => {
        if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("give a whole number of connections, at least 1.");
        return Number(value);
      }),
    );
}

export function resolveBackend(options: { backend: BackendName; databaseUrl?: string; readUrl?: string[]; dbPool?: number }): BackendOptions {
  const resolved = { backend: options.backend, databaseUrl: options.databaseUrl, readUrls: options.readUrl ?? [], poolSize: options.dbPool ?? DEFAULT_POOL_SIZE };
  if (resolved.backend === "postgres" && !resolved.databaseUrl) throw new SearchError("--backend postgres needs --database-url", "add --database-url postgres://user@host:port/database");
  if (resolved.backend !== "postgres" && (resolved.databaseUrl || resolved.readUrls.length > 0)) {
    throw new SearchError(`--${resolved.databaseUrl ? "database-url" : "read-url"} is for --backend postgres`, "add --backend postgres, or leave it out to use the embedded index");
  }
  return resolved;
}
