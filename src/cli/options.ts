// Flags shared by `npm run index` and `npm start`, parsed with commander.
import { Command, Option } from "commander";
import path from "node:path";

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
