// Article[] → one immutable segment directory: article store, n-gram index, and the two word
// indexes (headlines in FlexSearch, bodies in word-index.ts's compact format). Every file's checksum goes into the segment record.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { documentTerms } from "../analysis/analyze.js";
import { fold } from "../analysis/fold.js";
import type { Article } from "../types.js";
import { serializeStore, type StoredArticleInput } from "./article-store.js";
import { COMPRESSED_SUFFIX, SEGMENT_FILES, wordFile, type SegmentRecord } from "./format.js";
import { NgramIndexBuilder } from "./ngram-index.js";
import { HeadlineIndexWriter } from "./headline-index.js";
import { TEXT_FIELDS, type TextField } from "./schema.js";
import { WordIndexBuilder } from "./word-index.js";

const gzip = promisify(gzipCallback);

const ANALYZERS: Record<TextField["analyzer"], (folded: string, names: ReadonlySet<string>) => string[]> = { "jieba-search": documentTerms };

/**
 * An article's folded text fields joined by "\n", and the index terms of each text field (TEXT_FIELDS
 * order): what every backend indexes. `names`: the byline names of the whole index (indexNames).
 */
export function analyzeArticle(article: Article, names: ReadonlySet<string>): { folded: string; fieldTerms: string[][] } {
  // Folding is length-preserving, so each field's folded text is cut at its display length.
  const folded = fold(TEXT_FIELDS.map(({ name }) => article[name]).join("\n"));
  let start = 0;
  const fieldTerms = TEXT_FIELDS.map((field) => {
    const end = start + article[field.name].length;
    const terms = ANALYZERS[field.analyzer](folded.slice(start, end), names);
    start = end + 1;
    return terms;
  });
  return { folded, fieldTerms };
}

/** Analyzes `articles` (with the index's byline `names`) and writes the segment into `dir` (which must not exist yet). */
export async function writeSegment(
  dir: string,
  name: string,
  articles: readonly Article[],
  names: ReadonlySet<string>,
  onArticle: () => void = () => {},
): Promise<SegmentRecord> {
  const words = TEXT_FIELDS.map((field) => (field.postings === "headline" ? new HeadlineIndexWriter() : new WordIndexBuilder()));
  const ngrams = new NgramIndexBuilder();
  const stored: StoredArticleInput[] = [];
  articles.forEach((article, local) => {
    const { folded, fieldTerms } = analyzeArticle(article, names);
    const termCounts = fieldTerms.map((terms, i) => {
      words[i]!.add(local, terms);
      return terms.length;
    });
    ngrams.add(folded);
    stored.push({ article, folded, termCounts });
    onArticle();
  });

  await mkdir(dir, { recursive: true });
  const checksums: Record<string, string> = {};
  const put = async (file: string, data: string | Buffer): Promise<void> => {
    await writeFile(path.join(dir, file), data);
    checksums[file] = createHash("sha256").update(data).digest("hex");
  };
  const store = serializeStore(stored);
  await put(SEGMENT_FILES.articles, store.articles);
  await put(SEGMENT_FILES.folded, store.folded);
  await put(SEGMENT_FILES.unfold, store.unfold);
  await put(SEGMENT_FILES.columns, store.columns);
  await put(SEGMENT_FILES.ngrams, ngrams.serialize());
  const terms = new Set<string>();
  for (const [i, field] of TEXT_FIELDS.entries()) {
    const index = words[i]!;
    const file = wordFile(field);
    if (index instanceof WordIndexBuilder) {
      await put(file, index.serialize());
      for (const term of index.terms()) terms.add(term);
    } else {
      await mkdir(path.join(dir, file));
      // FlexSearch exports JSON text; gzip makes it 2.5× smaller on disk, and the reader inflates it
      // on the I/O threads while the main thread loads jieba.
      await index.export(async (key, data) => put(path.join(file, `${key}${COMPRESSED_SUFFIX}`), await gzip(data, { level: 4 })));
      for (const term of index.vocabulary) terms.add(term);
    }
  }
  await put(SEGMENT_FILES.vocabulary, [...terms].sort().join("\n"));
  return { name, articles: articles.length, distinctTerms: terms.size, checksums };
}
