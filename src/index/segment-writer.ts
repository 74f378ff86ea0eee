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
import { COMPRESSED_SUFFIX, SEGMENT_FILES, type SegmentRecord } from "./format.js";
import { NgramIndexBuilder } from "./ngram-index.js";
import { HeadlineIndexWriter } from "./headline-index.js";
import { WordIndexBuilder } from "./word-index.js";

const gzip = promisify(gzipCallback);

/** Analyzes `articles` and writes the segment into `dir` (which must not exist yet). */
export async function writeSegment(
  dir: string,
  name: string,
  articles: readonly Article[],
  onArticle: () => void = () => {},
): Promise<SegmentRecord> {
  const titleWords = new HeadlineIndexWriter();
  const bodyWords = new WordIndexBuilder();
  const ngrams = new NgramIndexBuilder();
  const stored: StoredArticleInput[] = [];
  articles.forEach((article, local) => {
    const folded = fold(`${article.title}\n${article.body}`);
    const titleTerms = documentTerms(folded.slice(0, article.title.length));
    const bodyTerms = documentTerms(folded.slice(article.title.length + 1));
    titleWords.add(local, titleTerms);
    bodyWords.add(local, bodyTerms);
    ngrams.add(folded);
    stored.push({ article, folded, titleTerms: titleTerms.length, bodyTerms: bodyTerms.length });
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
  await put(SEGMENT_FILES.bodyWords, bodyWords.serialize());
  const terms = new Set([...titleWords.vocabulary, ...bodyWords.terms()]);
  await put(SEGMENT_FILES.vocabulary, [...terms].sort().join("\n"));
  await mkdir(path.join(dir, SEGMENT_FILES.titleWords));
  // FlexSearch exports JSON text; gzip makes it 2.5× smaller on disk, and the reader inflates it
  // on the I/O threads while the main thread loads jieba.
  await titleWords.export(async (key, data) =>
    put(path.join(SEGMENT_FILES.titleWords, `${key}${COMPRESSED_SUFFIX}`), await gzip(data, { level: 4 })),
  );
  return { name, articles: articles.length, distinctTerms: terms.size, checksums };
}
