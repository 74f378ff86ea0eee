// Synonyms for queries: groups of words that mean the same (`新冠肺炎 = 新型冠状病毒肺炎 = COVID-19`),
// one group a line. The project ships dict/synonyms.txt; operators add theirs in synonyms.txt beside
// the seeds. Queries only: the index does not change when the list does.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fold } from "../analysis/fold.js";
import { SeedFormatError } from "../errors.js";

const DEFAULT_FILE = fileURLToPath(new URL("../../../dict/synonyms.txt", import.meta.url));

export class SynonymTable {
  /** Folded word → the group it is in (as written in the file). */
  private readonly groups = new Map<string, readonly string[]>();

  constructor(groups: ReadonlyArray<readonly string[]>) {
    for (const group of groups) {
      for (const word of group) {
        const known = this.groups.get(fold(word));
        // A word in two groups links them: its alternatives are both groups' words.
        this.groups.set(fold(word), known ? [...new Set([...known, ...group])] : group);
      }
    }
  }

  /** The other words of `word`'s group (none when it has no synonyms); `word` as typed, folded here. */
  alternatives(word: string): string[] {
    const folded = fold(word);
    return (this.groups.get(folded) ?? []).filter((other) => fold(other) !== folded);
  }
}

/** Reads `a = b = c` lines (`#` starts a comment); throws SeedFormatError naming a malformed line. */
export function parseSynonyms(text: string, file: string): ReadonlyArray<readonly string[]> {
  const groups: string[][] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const words = line.split("=").map((word) => word.trim());
    if (words.length < 2 || words.some((word) => word === "" || /\s/.test(word))) {
      throw new SeedFormatError(file, i + 1, `'${line}' is not a synonym group: write words without spaces separated by "=", e.g. 央行 = 中国人民银行`);
    }
    groups.push(words);
  });
  return groups;
}

let table: SynonymTable | undefined;

/** The shipped list plus the operator's file (if any); call at start, before queries. */
export function useSynonyms(operatorFile: string | undefined): void {
  const groups = [...parseSynonyms(readFileSync(DEFAULT_FILE, "utf8"), DEFAULT_FILE)];
  if (operatorFile !== undefined) groups.push(...parseSynonyms(readFileSync(operatorFile, "utf8"), operatorFile));
  table = new SynonymTable(groups);
}

/** The synonyms queries use: the shipped list until useSynonyms() says otherwise. */
export function synonyms(): SynonymTable {
  if (!table) useSynonyms(undefined);
  return table!;
}
