// The on-disk layout of index/, shared by the writer and the reader.
//
//   index/CURRENT                  the manifest in use ("gen-000007.json"); replaced by rename
//   index/gen-000007.json          generation manifest: segments, seeds, analyzer, checksums
//   index/segments/<name>/         one immutable segment (files below), shared by generations
//   index/.lock                    pid of the build in progress
//
// A build writes new segments and a new generation manifest beside the old ones, then swaps
// CURRENT. Readers never see a half-written index.
import type { AnalyzerIdentity } from "../analysis/analyze.js";
import type { TextField } from "./schema.js";

/** Bump when any file format below changes: older indexes are refused, not misread. */
export const FORMAT_VERSION = 9;

export const CURRENT_FILE = "CURRENT";
export const LOCK_FILE = ".lock";
export const SEGMENTS_DIR = "segments";

/** Files whose name ends so are gzip-compressed on disk (FlexSearch's JSON export chunks). */
export const COMPRESSED_SUFFIX = ".gz";

export const SEGMENT_FILES = {
  articles: "articles.bin",
  folded: "folded.bin",
  unfold: "unfold.bin",
  columns: "columns.bin",
  ngrams: "ngrams.bin",
  vocabulary: "vocabulary.txt",
} as const;

/** Where a text field's word postings are: a directory of FlexSearch chunks, or one compact file. */
export function wordFile(field: TextField): string {
  return field.postings === "headline" ? `${field.name}-words` : `${field.name}-words.bin`;
}

export interface SeedRecord {
  /** Path relative to its seeds root, as given in Article.file. */
  file: string;
  sha256: string;
  bytes: number;
  /** SeedFile.mtimeNs: the next build trusts `sha256` while size and time are unchanged. */
  mtimeNs?: string;
  articles: number;
  /** The segments that hold this file's articles (a change to the file rebuilds all of them). */
  segments: string[];
  /**
   * Records skipped because an earlier file (by name) has their id; absent when none. Added for
   * incremental builds: while any file has some, a change re-reads every file, as a full build does.
   */
  duplicates?: number;
  /**
   * The byline names of the file's articles (analyze.ts namesOf); absent when none. The index's
   * articles are all analyzed with the names of all its files.
   */
  names?: string[];
  /**
   * Why the file was left out of the last build that tried it (it could not be listed, read, decoded
   * or split), when it was. While the file is unchanged, every build reports it again without
   * reading it again. `sha256`/`articles`/`segments` above then describe the articles kept from
   * generation `keptFrom` (none when it never had any); `bytes`/`mtimeNs` describe the file as listed.
   */
  skipped?: {
    reason: string;
    hint: string;
    /** The content that could not be read; absent when the file could not even be listed (or in records of older builds, where it is `sha256`). */
    sha256?: string;
    /** The generation whose articles of this file are kept; absent when none are. */
    keptFrom?: number;
  };
}

export interface SegmentRecord {
  name: string;
  articles: number;
  distinctTerms: number;
  /** sha256 of every file of the segment (FlexSearch chunks under their directory name), checked on load. */
  checksums: Record<string, string>;
}

export interface GenerationManifest {
  format: number;
  generation: number;
  builtAt: string;
  analyzer: AnalyzerIdentity;
  /** INGEST_VERSION of the build that read the seeds. */
  ingest: number;
  segments: SegmentRecord[];
  seeds: SeedRecord[];
  counts: { files: number; articles: number; distinctTerms: number; bytes: number };
}

export function generationManifestFile(generation: number): string {
  return `gen-${String(generation).padStart(6, "0")}.json`;
}
