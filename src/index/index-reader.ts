// IO: CURRENT → generation manifest → segments, loaded into an immutable IndexSnapshot. Anything
// that does not match what this build of the program writes (format, analyzer, checksums) is
// refused with the file's name, never served.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { analyzerIdentity } from "../analysis/analyze.js";
import { IndexUnusableError } from "../errors.js";
import { ArticleStore } from "./article-store.js";
import { COMPRESSED_SUFFIX, CURRENT_FILE, FORMAT_VERSION, SEGMENTS_DIR, SEGMENT_FILES, type GenerationManifest, type SegmentRecord } from "./format.js";
import { loadIndexFiles, type FileRequest } from "./index-file-loader.js";
import { NgramIndex } from "./ngram-index.js";
import { HeadlineIndex } from "./headline-index.js";
import { WordIndex } from "./word-index.js";

export interface Segment {
  record: SegmentRecord;
  /** Global article number of this segment's first article. */
  docBase: number;
  store: ArticleStore;
  ngrams: NgramIndex;
  titleWords: HeadlineIndex;
  bodyWords: WordIndex;
}

/** One loaded generation. Requests hold the snapshot they started with until they finish. */
export class IndexSnapshot {
  readonly size: number;
  readonly averageTitleTerms: number;
  readonly averageBodyTerms: number;
  /** dateSortKey() of every article by global number: ranking reads it for every match. */
  readonly dateKeys: Float64Array;
  /** Built on the first lookup by id: only article pages need it, and a start should not wait for it. */
  private docById: Map<string, number> | undefined;

  constructor(
    readonly directory: string,
    readonly manifest: GenerationManifest,
    readonly segments: readonly Segment[],
  ) {
    this.size = segments.reduce((sum, segment) => sum + segment.store.size, 0);
    this.dateKeys = new Float64Array(this.size);
    for (const { store, docBase } of segments) this.dateKeys.set(store.dateKeys, docBase);
    let title = 0;
    let body = 0;
    for (const { store } of segments) {
      for (let i = 0; i < store.size; i++) {
        title += store.titleTerms[i]!;
        body += store.bodyTerms[i]!;
      }
    }
    this.averageTitleTerms = Math.max(1, title / Math.max(1, this.size));
    this.averageBodyTerms = Math.max(1, body / Math.max(1, this.size));
  }

  /** Global article number of the article with this id. */
  findArticle(id: string): number | undefined {
    if (!this.docById) {
      const byId = new Map<string, number>();
      for (const { store, docBase } of this.segments) for (let i = 0; i < store.size; i++) byId.set(store.id(i), docBase + i);
      this.docById = byId;
    }
    return this.docById.get(id);
  }

  /** The segment and local number of global article `doc`. */
  locate(doc: number): { segment: Segment; local: number } {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.docBase <= doc) lo = mid;
      else hi = mid - 1;
    }
    const segment = this.segments[lo]!;
    return { segment, local: doc - segment.docBase };
  }
}

export async function readCurrentManifest(indexDir: string): Promise<GenerationManifest> {
  const currentPath = path.join(indexDir, CURRENT_FILE);
  let name: string;
  try {
    name = (await readFile(currentPath, "utf8")).trim();
  } catch {
    throw new IndexUnusableError(indexDir, `no ${CURRENT_FILE} file (no index has been built there)`, "build it with `npm run index`");
  }
  const manifestPath = path.join(indexDir, name);
  try {
    return JSON.parse(await readFile(manifestPath, "utf8")) as GenerationManifest;
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
    docBase += segment.store.size;
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
  const bodyWords = guard(SEGMENT_FILES.bodyWords, () => WordIndex.fromBuffer(take(SEGMENT_FILES.bodyWords)));
  const titleWords = guard(SEGMENT_FILES.titleWords, () => {
    const index = new HeadlineIndex();
    for (const [file, data] of files) {
      if (file.startsWith(`${SEGMENT_FILES.titleWords}/`)) index.import(path.basename(file), data.toString("utf8"));
    }
    return index;
  });
  return { record, docBase, store, ngrams, titleWords, bodyWords };
}
