// The only importer of nodejieba. Loading is explicit and checked, because nodejieba aborts the
// whole process (SIGABRT, uncatchable) when a dictionary file is missing.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import nodejieba from "nodejieba";

// The default dictionary paths are exported at run time but missing from nodejieba's types.
const defaults = nodejieba as unknown as Record<
  "DEFAULT_DICT" | "DEFAULT_HMM_DICT" | "DEFAULT_USER_DICT" | "DEFAULT_IDF_DICT" | "DEFAULT_STOP_WORD_DICT",
  string
>;
/** The project's dict/ folder (this file is dist/src/analysis/jieba.js once compiled). */
const projectFile = (name: string): string => fileURLToPath(new URL(`../../../dict/${name}`, import.meta.url));

const DICTIONARIES = {
  dict: defaults.DEFAULT_DICT,
  hmmDict: defaults.DEFAULT_HMM_DICT,
  userDict: defaults.DEFAULT_USER_DICT,
  // load() also builds keyword extractors, which we never call: one-line tables instead of the
  // 6 MB defaults save about 0.2 s and 20 MiB at every start. They do not affect segmentation.
  // (patches/nodejieba+3.5.8.patch stops the TextRank extractor from loading a second dictionary.)
  idfDict: projectFile("keyword-extractor-idf.utf8"),
  stopWordDict: projectFile("keyword-extractor-stop-words.utf8"),
};

/** What index and query must agree on: the manifest records it and the reader compares it. */
export interface SegmenterIdentity {
  library: "nodejieba";
  version: string;
  hmm: true;
  /** sha256 over the dictionaries that influence segmentation. */
  dictionaryHash: string;
}

let loaded = false;
let loading: Promise<void> | undefined;
/** The operator's words (user-dictionary.ts), in jieba's form, or undefined. */
let extraWords: string | undefined;

/**
 * Adds the operator's user dictionary (a file from prepareUserDictionary) to jieba's, or removes it
 * (undefined). A segmenter loaded with other words is loaded again on the next cut.
 */
export async function useUserDictionary(file: string | undefined): Promise<void> {
  if (file === extraWords) return;
  await loading?.catch(() => {});
  extraWords = file;
  loaded = false;
  loading = undefined;
  identity = undefined;
}

/** jieba's dictionaries with the operator's words: jieba reads several user dictionaries separated by "|". */
function dictionaries(): typeof DICTIONARIES {
  return extraWords === undefined ? DICTIONARIES : { ...DICTIONARIES, userDict: `${DICTIONARIES.userDict}|${extraWords}` };
}

function checkDictionaries(): void {
  for (const [name, files] of Object.entries(dictionaries())) {
    for (const file of files.split("|")) if (!existsSync(file)) {
      throw new Error(`nodejieba ${name} not found at ${file}: reinstall dependencies with \`npm ci\` (dict/ files come with the repository)`);
    }
  }
}

function ensureLoaded(): void {
  if (loaded) return;
  checkDictionaries();
  // Also when a background load is under way: the handles that load installs later are equivalent.
  nodejieba.load(dictionaries());
  loaded = true;
}

/** Words of `text` for queries: jieba's precise mode with HMM on (the library's default is off). */
export function cutWords(text: string): string[] {
  ensureLoaded();
  return nodejieba.cut(text, true);
}

/** Words of `text` for documents: precise mode plus the dictionary sub-words of long words (知识讲座 → 知识, 讲座, 知识讲座). */
export function cutWordsForSearch(text: string): string[] {
  ensureLoaded();
  return nodejieba.cutForSearch(text, true);
}

/** Whether `word` is in jieba's dictionary (full mode lists dictionary words only, never HMM guesses). */
export function isDictionaryWord(word: string): boolean {
  ensureLoaded();
  return nodejieba.cutAll(word).includes(word);
}

/** Loads the dictionaries now (most of a second), rather than on the first cut. */
export function loadSegmenter(): void {
  ensureLoaded();
}

/**
 * Resolves once the dictionaries are loaded, loading them on a libuv thread if nobody has started
 * to (loadAsync comes with patches/nodejieba+3.5.8.patch): a starting server reads its index
 * meanwhile. Cut nothing before it resolves: a cut would load the dictionaries a second time, on
 * this thread.
 */
export function segmenterReady(): Promise<void> {
  if (loaded) return Promise.resolve();
  // A binding installed without the patch (npm install --ignore-scripts, then a plain rebuild)
  // still works, loading on this thread; test/unit/jieba.test.ts reports it.
  if (typeof (nodejieba as { loadAsync?: unknown }).loadAsync !== "function") {
    ensureLoaded();
    return Promise.resolve();
  }
  if (!loading) {
    checkDictionaries();
    loading = nodejieba.loadAsync(dictionaries()).then(() => {
      loaded = true;
    });
  }
  return loading;
}

/**
 * Settles when a load that segmenterReady() started has finished (at once when none is under way):
 * a cut on this thread meanwhile would load the dictionaries a second time. Loads nothing itself,
 * so a build that leaves all analysis to its workers does not load them here.
 */
export function backgroundLoadSettled(): Promise<void> {
  return loading ?? Promise.resolve();
}

let identity: SegmenterIdentity | undefined;

export function segmenterIdentity(): SegmenterIdentity {
  if (!identity) {
    const hash = createHash("sha256");
    const { dict, hmmDict, userDict } = dictionaries();
    for (const file of [dict, hmmDict, ...userDict.split("|")]) hash.update(readFileSync(file));
    const require = createRequire(import.meta.url);
    const { version } = require("nodejieba/package.json") as { version: string };
    identity = { library: "nodejieba", version, hmm: true, dictionaryHash: hash.digest("hex") };
  }
  return identity;
}
