// `npm run index`: builds or updates index/ from the seed files and prints a summary; `--rollback`
// makes the previous generation current again. With --backend postgres, loads a database, or the
// shards of a shard map and their proxy.
import { Option } from "commander";
import { SearchError } from "../errors.js";
import { rollbackIndex } from "../index/index-writer.js";
import { parseShardMap } from "../index/shard-map.js";
import { addBackendOptions, commonCommand, resolveBackend, resolveCommon, type CommonOptions } from "./options.js";
import { buildAndReport, describe, loadAndReport, watchSeeds } from "./report.js";

async function main(): Promise<void> {
  const command = addBackendOptions(
    commonCommand("index", "Build or update the search index from seed files (only new and changed files are analyzed again).").option(
      "--rollback",
      "make the previous generation current again (a running server follows); the seeds are not read",
      false,
    ),
    false,
  )
    .addOption(
      new Option("--shard <url=dates>", "with --backend postgres, instead of --database-url: a shard and the dates it holds, e.g. postgres://db1/news_a=..2016; repeat in date order")
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option("--shard-map <file>", "the shards as a file, one URL=DATES per line (# comments), instead of --shard")
    .option("--proxy-url <url>", "with shards: the PL/Proxy database the app servers query, set up after the load");
  command.parse();
  const options = resolveCommon(command.opts());
  const debug = options.debug;
  const { rollback, shard = [], shardMap, proxyUrl } = command.opts<{ rollback: boolean; shard?: string[]; shardMap?: string; proxyUrl?: string }>();
  try {
    const sharded = shard.length > 0 || shardMap !== undefined;
    if (sharded) {
      const { backend, databaseUrl } = command.opts<{ backend: string; databaseUrl?: string }>();
      if (backend !== "postgres") throw new SearchError("--shard and --shard-map are for --backend postgres", "add --backend postgres");
      if (databaseUrl !== undefined) throw new SearchError("give either --database-url or shards (--shard/--shard-map), not both", "keep --database-url for one database, or the shards and --proxy-url");
      if (shard.length > 0 && shardMap !== undefined) throw new SearchError("give the shards either as --shard options or as --shard-map, not both", "keep one of them");
      if (!proxyUrl) throw new SearchError("shards need --proxy-url: the PL/Proxy database the app servers query", "add --proxy-url postgres://user@host:port/proxy");
      if (rollback) throw rollbackRefused();
      const target = { shards: parseShardMap(shard, shardMap), proxyUrl };
      await runAndWatch(options, (full) => loadAndReport({ ...options, full }, target));
      return;
    }
    const { backend, databaseUrl } = resolveBackend(command.opts());
    if (backend === "postgres" && databaseUrl) {
      if (rollback) throw rollbackRefused();
      await runAndWatch(options, (full) => loadAndReport({ ...options, full }, { databaseUrl }));
      return;
    }
    if (rollback) {
      const { generation, restored, replaced } = await rollbackIndex(options.index);
      console.log(
        `generation ${generation} committed: the articles of generation ${restored.generation} (${restored.counts.articles}, built ${restored.builtAt}) ` +
          `replace those of generation ${replaced.generation} (${replaced.counts.articles}); a running server follows within seconds.\n` +
          `  The next build compares the seeds with it: fix the seeds first, or it will bring the change back.`,
      );
      return;
    }
    await runAndWatch(options, (full) => buildAndReport(options, full));
  } catch (error) {
    console.error(describe(error, debug));
    process.exitCode = 1;
  }
}

/**
 * Builds the index or loads the database (in full when --full); with --watch, again (only the
 * new, changed and removed files) whenever the seeds change: servers see each build or load.
 */
async function runAndWatch(options: CommonOptions, run: (full: boolean) => Promise<unknown>): Promise<void> {
  if (!options.watch) {
    await run(options.full);
    return;
  }
  const watcher = await watchSeeds(options, () => run(false));
  await watcher.buildFirst(() => run(options.full));
  console.log(`watching ${options.seeds.join(", ")} for changes (Ctrl-C to stop)`);
}

function rollbackRefused(): SearchError {
  return new SearchError("--rollback is for the embedded index: a database keeps no previous generation", "restore the seed files as they were and load again (only the changed files are loaded)");
}

void main();
