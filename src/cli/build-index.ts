// `npm run index`: builds or updates index/ from the seed files and prints a summary; `--rollback`
// makes the previous generation current again.
import { SearchError } from "../errors.js";
import { rollbackIndex } from "../index/index-writer.js";
import { addBackendOptions, commonCommand, resolveBackend, resolveCommon } from "./options.js";
import { buildAndReport, describe, loadAndReport, watchSeeds } from "./report.js";

async function main(): Promise<void> {
  const command = addBackendOptions(
    commonCommand("index", "Build or update the search index from seed files (only new and changed files are analyzed again).").option(
      "--rollback",
      "make the previous generation current again (a running server follows); the seeds are not read",
      false,
    ),
    false,
  );
  command.parse();
  const options = resolveCommon(command.opts());
  const debug = options.debug;
  const { rollback, watch } = command.opts<{ rollback: boolean; watch: boolean }>();
  try {
    const { backend, databaseUrl } = resolveBackend(command.opts());
    if (backend === "postgres" && databaseUrl) {
      if (rollback || watch) throw new SearchError(`--${rollback ? "rollback" : "watch"} is not supported by the postgres backend yet`, "load without it (a load is incremental: run it again after the seeds change)");
      await loadAndReport(options, databaseUrl);
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
    if (!options.watch) {
      await buildAndReport(options);
      return;
    }
    const watcher = await watchSeeds(options);
    await watcher.buildFirst(() => buildAndReport(options));
    console.log(`watching ${options.seeds.join(", ")} for changes (Ctrl-C to stop)`);
  } catch (error) {
    console.error(describe(error, debug));
    process.exitCode = 1;
  }
}

void main();
