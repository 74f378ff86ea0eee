// `npm run eval -- --corpus <jsonl[.gz]> --queries <jsonl> [--index <dir>]`: ranking quality on a
// known-item query set. Prints MRR@10, success@1 and success@10 per query type, and for quoted
// phrases precision, recall and whether the reported article count is exact.
import { Command } from "commander";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAndReport, describe } from "../src/cli/report.js";
import { openIndex } from "../src/index/index-reader.js";
import { evaluate, readQueries } from "./known-item.js";
import { makeTypoSet } from "./typo-set.js";

async function main(): Promise<void> {
  const command = new Command("eval")
    .description("Score ranking and phrase search on a known-item query set")
    .requiredOption("--corpus <file>", "JSONL(.gz) corpus to index")
    .requiredOption("--queries <file>", "query set (JSONL: qid, query, type, relevant)")
    .option("--index <dir>", "index directory to build or reuse (default: a new temporary directory)")
    .option("--show-misses", "list every query whose target is not first", false)
    .option("--typos <file>", "also write the generated typo set (bench/typo-set.ts) there, as JSONL")
    .parse();
  const options = command.opts<{ corpus: string; queries: string; index?: string; showMisses: boolean; typos?: string }>();
  const indexDir = path.resolve(options.index ?? mkdtempSync(path.join(os.tmpdir(), "zh-news-eval-")));
  await buildAndReport({ seeds: [path.resolve(options.corpus)], index: indexDir, full: false, watch: false, strict: false, allowShrink: false, debug: false });
  const snapshot = await openIndex(indexDir);
  const queries = readQueries(options.queries);
  const started = performance.now();
  const report = evaluate(snapshot, queries);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${queries.length} queries in ${seconds.toFixed(2)} s over ${snapshot.size} articles`);
  console.log("type       queries  MRR@10  success@1  success@10");
  for (const [type, entry] of Object.entries(report.byType)) {
    console.log(`${type.padEnd(10)} ${String(entry.queries).padStart(7)}  ${entry.mrr10.toFixed(3)}   ${entry.success1.toFixed(3)}      ${entry.success10.toFixed(3)}`);
  }
  const { phrases } = report;
  console.log(`phrase     ${String(phrases.queries).padStart(7)}  precision ${phrases.precision.toFixed(3)}  recall ${phrases.recall.toFixed(3)}  exact count ${phrases.exactCount.toFixed(3)}`);
  if (options.showMisses) for (const miss of report.misses) console.log(`  miss ${miss}`);
  else if (report.misses.length > 0) console.log(`${report.misses.length} queries not perfect (--show-misses lists them)`);

  // The typo set: the keyword queries with a homophone or a one-character typo (did you mean).
  const typos = makeTypoSet(snapshot, queries);
  if (options.typos) writeFileSync(options.typos, typos.map((typo) => JSON.stringify(typo)).join("\n") + "\n");
  console.log("typo set         queries  MRR@10  success@1  success@10");
  // The target (success@10 ≥ 0.9) is for the typo set as a whole; each kind is shown too.
  for (const kind of ["homophone", "one-character", "all"] as const) {
    const set = kind === "all" ? typos : typos.filter((typo) => typo.typo === kind);
    const entry = evaluate(snapshot, set).byType.keywords;
    if (!entry) continue;
    console.log(`${kind.padEnd(16)} ${String(entry.queries).padStart(7)}  ${entry.mrr10.toFixed(3)}   ${entry.success1.toFixed(3)}      ${entry.success10.toFixed(3)}`);
    if (options.showMisses) for (const miss of evaluate(snapshot, set).misses) console.log(`  miss ${miss}`);
  }
}

main().catch((error: unknown) => {
  console.error(describe(error));
  process.exitCode = 1;
});
