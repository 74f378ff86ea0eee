// IO: CURRENT → generation manifest → segments, loaded into an immutable IndexSnapshot. Anything
// that does not match what this build of the program writes (format, analyzer, checksums) is
// refused with the file's name, never served.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { analyzerIdentity } from "../analysis/analyze.js";
import { IndexUnusableError, ioError } from "../errors.js";
import { ArticleStore, type ArticleMeta } from "./article-store.js";
import { BUILD_CHUNK, Derived } from "./derived.js";
import { COMPRESSED_SUFFIX, CURRENT_FILE, FORMAT_VERSION, SEGMENTS_DIR, SEGMENT_FILES, wordFile, type GenerationManifest, type SegmentRecord } from "./format.js";
import { loadIndexFiles, type FileRequest } from "./index-file-loader.js";
import { NgramIndex } from "./ngram-index.js";
import { HeadlineIndex } from "./headline-index.js";
import { KEYWORD_FIELDS, TEXT_FIELDS, type KeywordFieldName, type TextFieldName } from "./schema.js";
import { WordIndex, type FieldPostings } from "./word-index.js";

/** One loaded segment: only this module sees it (search/ reads IndexPart, the rest the snapshot's methods). */
interface Segment extends IndexPart {
  record: SegmentRecord;
  store: ArticleStore;
}

/**
 * What ranking and candidate search read of one segment: its posting lists and field lengths, by
 * local article numbers (a global number is docBase + local). Segments are in docBase order.
 */
export interface IndexPart {
  /** Global article number of this segment's first article. */
  readonly docBase: number;
  readonly size: number;
  readonly ngrams: NgramIndex;
  /** The word postings of each text field of schema.ts. */
  readonly words: Readonly<Record<TextFieldName, FieldPostings>>;
  /** The number of index terms of each text field of each article. */
  readonly termCounts: Readonly<Record<TextFieldName, Uint32Array>>;
}

/**
 * One loaded generation: the narrow read interface of the index for search/, present/ and web/.
 * Articles are addressed by global number (0 to size - 1). Requests hold the snapshot they started
 * with until they finish.
 */
export class IndexSnapshot {
  readonly size: number;
  /** The mean number of index terms of each text field (BM25's average field length). */
  readonly averageTermCounts: Readonly<Record<TextFieldName, number>>;
  /** dateSortKey() of every article by global number: ranking reads it for every match. */
  readonly dateKeys: Float64Array;
  /** The segment of the last locate(): consecutive lookups are mostly in the same segment. */
  private lastSegment: Segment;

  constructor(
    readonly directory: string,
    readonly manifest: GenerationManifest,
    private readonly segments: readonly Segment[],
  ) {
    this.size = segments.reduce((sum, segment) => sum + segment.size, 0);
    this.dateKeys = new Float64Array(this.size);
    for (const { store, docBase } of segments) this.dateKeys.set(store.dateKeys, docBase);
    const averages = {} as Record<TextFieldName, number>;
    for (const { name } of TEXT_FIELDS) {
      let total = 0;
      for (const { termCounts } of segments) for (const count of termCounts[name]) total += count;
      averages[name] = Math.max(1, total / Math.max(1, this.size));
    }
    this.averageTermCounts = averages;
    this.lastSegment = segments[0]!;
  }

  /** The segments' posting lists, in docBase order. */
  get parts(): readonly IndexPart[] {
    return this.segments;
  }

  /** Global article number of the article with this id. */
  findArticle(id: string): number | undefined {
    return ARTICLE_NUMBERS.get(this).get(id);
  }

  /** Global number of every article by id (ARTICLE_NUMBERS builds it). */
  *articleNumbersSteps(): Generator<void, Map<string, number>, void> {
    const byId = new Map<string, number>();
    for (const { store, docBase } of this.segments) {
      for (let i = 0; i < store.size; i++) {
        byId.set(store.id(i), docBase + i);
        if (i % BUILD_CHUNK === 0) yield;
      }
    }
    return byId;
  }

  /**
   * The index's vocabulary: every word of the compact word indexes (article bodies) with the number
   * of articles holding it, summed over segments (read for suggestions and corrections; built by
   * the caller, once per snapshot).
   */
  termFrequencies(): Map<string, number> {
    for (const steps = this.termFrequenciesSteps(); ; ) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** termFrequencies(), pausing every BUILD_CHUNK terms. */
  *termFrequenciesSteps(): Generator<void, Map<string, number>, void> {
    const frequencies = new Map<string, number>();
    const add = (term: string, documentFrequency: number): void => void frequencies.set(term, (frequencies.get(term) ?? 0) + documentFrequency);
    for (const { words } of this.segments) {
      for (const postings of Object.values(words)) {
        if (!(postings instanceof WordIndex)) continue;
        for (let from = 0; from < postings.termCount; from += BUILD_CHUNK) {
          postings.forEachTerm(add, from, from + BUILD_CHUNK);
          yield;
        }
      }
    }
    return frequencies;
  }

  id(doc: number): string {
    const segment = this.locate(doc);
    return segment.store.id(doc - segment.docBase);
  }

  /** Everything but the body. */
  meta(doc: number): ArticleMeta {
    const segment = this.locate(doc);
    return segment.store.meta(doc - segment.docBase);
  }

  /** The body as the page printed it. */
  body(doc: number): string {
    const segment = this.locate(doc);
    return segment.store.body(doc - segment.docBase);
  }

  /** The folded text fields joined by "\n": fold(title + "\n" + body); offsets below titleLength(doc) + 1 are in the title. */
  folded(doc: number): string {
    const segment = this.locate(doc);
    return segment.store.folded(doc - segment.docBase);
  }

  titleLength(doc: number): number {
    const segment = this.locate(doc);
    return segment.store.titleLength(doc - segment.docBase);
  }

  /** The values of a keyword field of schema.ts. */
  keywordValues(doc: number, name: KeywordFieldName): string[] {
    const segment = this.locate(doc);
    return segment.store.keywordValues(doc - segment.docBase, name);
  }

  /**
   * A keyword field's values of every article as small numbers, built once and kept: facets
   * and timelines count tens of thousands of matches per query, which reading and slicing strings
   * per article would make ten times slower.
   */
  keywordColumn(name: KeywordFieldName): KeywordColumn {
    return KEYWORD_COLUMNS[name].get(this);
  }

  private locate(doc: number): Segment {
    const last = this.lastSegment;
    if (doc >= last.docBase && doc < last.docBase + last.size) return last;
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.docBase <= doc) lo = mid;
      else hi = mid - 1;
    }
    return (this.lastSegment = this.segments[lo]!);
  }
}

/** A keyword field as numbers: article `doc` has the values ids[starts[doc] .. starts[doc + 1]), each an index into `values`. */
export interface KeywordColumn {
  values: readonly string[];
  starts: Uint32Array;
  ids: Uint32Array;
}

/** Article numbers by id: only article pages need them, so a start does not wait for them (search/warm-up.ts builds them after). */
export const ARTICLE_NUMBERS = new Derived<IndexSnapshot, Map<string, number>>("article numbers", (snapshot) => snapshot.articleNumbersSteps());

/** Each keyword field's column, built by the warm-up (search/warm-up.ts) or on first use. */
export const KEYWORD_COLUMNS = Object.fromEntries(
  KEYWORD_FIELDS.map(({ name }) => [name, new Derived<IndexSnapshot, KeywordColumn>(`keyword column ${name}`, (snapshot) => keywordColumnSteps(snapshot, name))]),
) as Record<KeywordFieldName, Derived<IndexSnapshot, KeywordColumn>>;

function* keywordColumnSteps(snapshot: IndexSnapshot, name: KeywordFieldName): Generator<void, KeywordColumn, void> {
  const idOf = new Map<string, number>();
  const values: string[] = [];
  const starts = new Uint32Array(snapshot.size + 1);
  const ids: number[] = [];
  for (let doc = 0; doc < snapshot.size; doc++) {
    starts[doc] = ids.length;
    for (const value of snapshot.keywordValues(doc, name)) {
      let id = idOf.get(value);
      if (id === undefined) {
        idOf.set(value, (id = values.length));
        values.push(value);
      }
      ids.push(id);
    }
    if (doc % BUILD_CHUNK === 0) yield;
  }
  starts[snapshot.size] = ids.length;
  return { values, starts, ids: Uint32Array.from(ids) };
}

export async function readCurrentManifest(indexDir: string): Promise<GenerationManifest> {
  const currentPath = path.join(indexDir, CURRENT_FILE);
  let name: string;
  try {
    name = (await readFile(currentPath, "utf8")).trim();
  } catch (error) {
    // Fix: under a low open-file limit, EMFILE was reported as "no CURRENT file" (and rebuilt).
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(`cannot read ${currentPath}`, error);
    throw new IndexUnusableError(indexDir, `no ${CURRENT_FILE} file (no index has been built there)`, "build it with `npm run index`");
  }
  const manifestPath = path.join(indexDir, name);
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(`cannot read ${manifestPath}`, error);
    throw new IndexUnusableError(manifestPath, "manifest unreadable (the file is missing)");
  }
  try {
    return JSON.parse(text) as GenerationManifest;
  } catch (error) {
    throw new IndexUnusableError(manifestPath, `manifest unreadable (${(error as Error).message})`);
  }
}

export interface OpenOptions {
  /** Recompute every file's sha256 and compare with the manifest (detects corrupt or truncated files). */
  verifyChecksums?: boolean;
}

export async function openIndex(indexDir: string, options: OpenOptions = {}): Promise<IndexSnapshot> {
  const manifest = await readCurrentManifest(indexDir);
  if (manifest.format !== FORMAT_VERSION) {
    throw new IndexUnusableError(indexDir, `format version ${manifest.format}, this program reads ${FORMAT_VERSION}`);
  }
  const expected = JSON.stringify(analyzerIdentity());
  if (JSON.stringify(manifest.analyzer) !== expected) {
    throw new IndexUnusableError(indexDir, `built with another analyzer (${JSON.stringify(manifest.analyzer)}; now ${expected})`);
  }
  const requests = manifest.segments.map((record) => segmentFileRequests(path.join(indexDir, SEGMENTS_DIR, record.name), record, options));
  const contents = await loadIndexFiles(requests.flat());
  const segments: Segment[] = [];
  let docBase = 0;
  let next = 0;
  manifest.segments.forEach((record, i) => {
    const files = new Map(requests[i]!.map(({ name }) => [name, contents[next++]!] as const));
    const segment = loadSegment(path.join(indexDir, SEGMENTS_DIR, record.name), record, files, docBase);
    segments.push(segment);
    docBase += segment.size;
  });
  return new IndexSnapshot(indexDir, manifest, segments);
}

/** One request per file the manifest lists; `name` is the file's name once inflated. */
function segmentFileRequests(dir: string, record: SegmentRecord, options: OpenOptions): (FileRequest & { name: string })[] {
  return Object.entries(record.checksums).map(([file, sha256]) => {
    const inflate = file.endsWith(COMPRESSED_SUFFIX);
    return {
      path: path.join(dir, file),
      name: inflate ? file.slice(0, -COMPRESSED_SUFFIX.length) : file,
      inflate,
      ...(options.verifyChecksums ? { sha256 } : {}),
    };
  });
}

function loadSegment(dir: string, record: SegmentRecord, files: Map<string, Buffer>, docBase: number): Segment {
  const take = (file: string): Buffer => files.get(file) ?? Buffer.alloc(0);
  const guard = <T>(file: string, build: () => T): T => {
    try {
      return build();
    } catch (error) {
      throw new IndexUnusableError(path.join(dir, file), (error as Error).message);
    }
  };
  const store = guard(SEGMENT_FILES.articles, () =>
    ArticleStore.load(take(SEGMENT_FILES.articles), take(SEGMENT_FILES.folded), take(SEGMENT_FILES.unfold), take(SEGMENT_FILES.columns)),
  );
  if (store.size !== record.articles) {
    throw new IndexUnusableError(dir, `holds ${store.size} articles, the manifest says ${record.articles}`);
  }
  const ngrams = guard(SEGMENT_FILES.ngrams, () => NgramIndex.fromBuffer(take(SEGMENT_FILES.ngrams)));
  const words = {} as Record<TextFieldName, FieldPostings>;
  for (const field of TEXT_FIELDS) {
    const file = wordFile(field);
    words[field.name] = guard(file, () => {
      if (field.postings === "compact") return WordIndex.fromBuffer(take(file));
      const index = new HeadlineIndex();
      for (const [name, data] of files) if (name.startsWith(`${file}/`)) index.import(path.basename(name), data.toString("utf8"));
      return index;
    });
  }
  return { record, docBase, size: store.size, store, ngrams, words, termCounts: store.termCounts };
}
