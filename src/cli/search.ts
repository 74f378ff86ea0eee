// `npm run search -- '"人类命运共同体"' [--occurrences] [--format table|csv|jsonl] [--index dir]`:
// the search of the web page from a terminal or a script, every match (not a page). A table marks
// the matches in colour on a terminal only; csv and jsonl are the API's exports, row for row.
import { Command, InvalidArgumentError, Option } from "commander";
import path from "node:path";
import { segmenterReady } from "../analysis/jieba.js";
import { openIndex } from "../index/index-reader.js";
import { ARTICLE_COLUMNS, OCCURRENCE_COLUMNS, type ArticleRow, type OccurrenceRow } from "../present/citation.js";
import { SORT_ORDERS, type SortOrder } from "../search/rank.js";
import type { SearchReader } from "../search/backend.js";
import { embeddedReader } from "../search/embedded-backend.js";
import { PostgresSource } from "../search/postgres-backend.js";
import { writeRows } from "../web/export.js";
import { EXPORT_FORMATS, parseSort, type ExportFormat } from "../web/validate.js";
import { addBackendOptions, resolveBackend } from "./options.js";
import { describe } from "./report.js";

const FORMATS = ["table", ...EXPORT_FORMATS] as const;
type Format = (typeof FORMATS)[number];

/** ANSI reverse video around a match, only when a person reads it. */
function marked(text: string, tty: boolean): string {
  return tty ? `\u001b[7m${text}\u001b[27m` : `[${text}]`;
}

function tableLine(row: ArticleRow | OccurrenceRow, tty: boolean): string {
  const where = `${row.date.slice(0, 10) || "----------"}  ${row.file}:${row.line}`;
  if (!("match" in row)) return `${where}  ${row.title}`;
  const context = `${row.before}${marked(row.match, tty)}${row.after}`.replace(/\s+/g, " ");
  return `${where}  ${context}  《${row.title}》`;
}

async function main(): Promise<void> {
  const command = new Command("search")
    .description("Search the index from a terminal: every matching article, or every occurrence, as a table, CSV or JSON Lines.")
    .argument("<query>", 'the query, as on the search page (quote it for the shell: \'"人类命运共同体" date:2018\')')
    .option("--occurrences", "one row per occurrence (with its context and citation) instead of one per article", false)
    .addOption(new Option("--format <format>", "table (for reading), csv or jsonl (for spreadsheets and scripts)").choices(FORMATS).default("table"))
    .addOption(
      new Option("--sort <order>", `${SORT_ORDERS.join(", ")} (or date, the same as newest)`).default("relevance").argParser((value: string) => {
        try {
          return parseSort(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      }),
    )
    .option("--index <dir>", "index directory", "index")
    .option("--origin <url>", "make the links of csv and jsonl absolute, e.g. http://localhost:3000", "")
    .showHelpAfterError();
  addBackendOptions(command, true);
  command.parse();
  const [query] = command.processedArgs as [string];
  const options = command.opts<{ occurrences: boolean; format: Format; sort: SortOrder; index: string; origin: string }>();
  const backend = resolveBackend(command.opts());
  await segmenterReady();
  const postgres = backend.backend === "postgres" ? await PostgresSource.open({ databaseUrl: backend.databaseUrl!, readUrls: backend.readUrls, size: 1, pollMs: 60_000, mustConnect: true }) : undefined;
  try {
    await writeMatches(postgres ? postgres.current() : embeddedReader(await openIndex(path.resolve(options.index))), query, options);
  } finally {
    await postgres?.close();
  }
}

async function writeMatches(reader: SearchReader, query: string, options: { occurrences: boolean; format: Format; sort: SortOrder; origin: string }): Promise<void> {
  const origin = options.origin.replace(/\/$/, "");
  if (options.format !== "table") {
    const format: ExportFormat = options.format;
    if (options.occurrences) await writeRows(process.stdout, await reader.exportOccurrences(query, options.sort, origin), OCCURRENCE_COLUMNS, format);
    else await writeRows(process.stdout, await reader.exportArticles(query, options.sort, origin), ARTICLE_COLUMNS, format);
    return;
  }
  const tty = process.stdout.isTTY === true;
  let count = 0;
  const articles = new Set<string>();
  for await (const row of options.occurrences ? await reader.exportOccurrences(query, options.sort, origin) : await reader.exportArticles(query, options.sort, origin)) {
    if (!process.stdout.write(`${tableLine(row, tty)}\n`)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    articles.add(row.id);
    count++;
  }
  console.error(options.occurrences ? `${count} occurrences in ${articles.size} articles` : `${count} articles`);
}

main().catch((error: unknown) => {
  console.error(describe(error));
  process.exitCode = 1;
});
