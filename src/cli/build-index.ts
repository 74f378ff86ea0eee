// `npm run index`: builds or updates index/ from the seed files and prints a summary.
import { commonCommand, resolveCommon } from "./options.js";
import { buildAndReport, describe, watchSeeds } from "./report.js";

async function main(): Promise<void> {
  const command = commonCommand("index", "Build or update the search index from seed files (only new and changed files are analyzed again).");
  command.parse();
  const options = resolveCommon(command.opts());
  if (!options.watch) {
    await buildAndReport(options.seeds, options.index, options.full);
    return;
  }
  const watcher = await watchSeeds(options.seeds, options.index);
  await watcher.buildFirst(() => buildAndReport(options.seeds, options.index, options.full));
  console.log(`watching ${options.seeds.join(", ")} for changes (Ctrl-C to stop)`);
}

main().catch((error: unknown) => {
  console.error(describe(error));
  process.exitCode = 1;
});
