// The operator's own words: `userdict.txt` beside the seeds, one word a line as `word [freq] [tag]`
// (`#` starts a comment). jieba loads it with its own dictionaries, so documents and queries are cut
// with the same words; its content is part of the analyzer's identity, so a change rebuilds the index.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SeedFormatError } from "../errors.js";

/** Its name in a seeds directory; the seed listing skips it. */
export const USER_DICTIONARY_FILE = "userdict.txt";
/** The operator's synonyms for queries (search/synonyms.ts), also beside the seeds and skipped by the listing. */
export const SYNONYM_FILE = "synonyms.txt";

/** The file `name` of the first seeds directory (or directory of a seed file) that has one. */
export function findBesideSeeds(seeds: readonly string[], name: string): string | undefined {
  for (const root of seeds) {
    const dir = existsSync(root) && statSync(root).isDirectory() ? root : path.dirname(root);
    const file = path.resolve(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

const FREQUENCY = /^\d+$/;
const TAG = /^[A-Za-z]+$/;

/**
 * Checks `file` and writes it in the form jieba reads (`word`, `word tag` or `word freq tag`: jieba
 * takes a two-field line as word and tag) to a temporary file named by its hash; returns that path.
 * Throws SeedFormatError naming the line of a malformed entry.
 */
export function prepareUserDictionary(file: string): string {
  const lines: string[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      const text = raw.replace(/#.*/, "").trim();
      if (text === "") return;
      const [word, ...rest] = text.split(/\s+/);
      const fail = (reason: string): never => {
        throw new SeedFormatError(file, i + 1, `${reason}; write one word a line as \`word [freq] [tag]\`, e.g. \`都镇强 100 nr\``);
      };
      if (!word || rest.length > 2) fail(`'${text}' has ${rest.length + 1} fields`);
      const [second, third] = rest;
      if (second === undefined) return lines.push(word!);
      if (FREQUENCY.test(second)) {
        if (third !== undefined && !TAG.test(third)) fail(`tag '${third}' is not letters`);
        return lines.push(`${word} ${second} ${third ?? "n"}`);
      }
      if (third !== undefined) fail(`frequency '${second}' is not a whole number`);
      if (!TAG.test(second)) fail(`'${second}' is neither a frequency nor a tag`);
      return lines.push(`${word} ${second}`);
    });
  const content = lines.join("\n") + "\n";
  const prepared = path.join(os.tmpdir(), `zh-news-userdict-${createHash("sha256").update(content).digest("hex").slice(0, 16)}.txt`);
  if (!existsSync(prepared)) writeFileSync(prepared, content);
  return prepared;
}

/** The seeds' user dictionary in jieba's form (prepareUserDictionary), or undefined when there is none. */
export function userDictionaryOf(seeds: readonly string[]): string | undefined {
  const file = findBesideSeeds(seeds, USER_DICTIONARY_FILE);
  return file === undefined ? undefined : prepareUserDictionary(file);
}
