// `npm run index`: builds or updates index/ from the seed files and prints a summary.
import { SeedWatcher } from "../index/seed-watcher.js";
import { commonCommand, resolveCommon } from "./options.js";
import { buildAndReport, describe } from "./report.js";

async function main(): Promise<void> {
  const command = commonCommand("index", "Build or update the search index from seed files (only new and changed files are analyzed again).");
  command.parse();
  const options = resolveCommon(command.opts());
  await buildAndReport(options.seeds, options.index, options.full);
  if (options.watch) {
    console.log(`watching ${options.seeds.join(", ")} for changes (Ctrl-C to stop)`);
    new SeedWatcher({ roots: options.seeds, rebuild: () => buildAndReport(options.seeds, options.index, false).then(() => {}), onError: (error) => console.error(describe(error)) });
  }
}

main().catch((error: unknown) => {
  console.error(describe(error));
  process.exitCode = 1;
});
