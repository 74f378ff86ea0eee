// Builds index/ from seed files: only new or changed seed files are analyzed again, their
// segments are written beside the live ones, and the new generation is committed by renaming
// one small pointer file (CURRENT). A build killed at any point leaves the previous generation
// in place; the next build removes what the dead one left behind.
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { analyzerIdentity, namesOfArticles } from "../analysis/analyze.js";
import { backgroundLoadSettled, useUserDictionary } from "../analysis/jieba.js";
import { userDictionaryOf } from "../analysis/user-dictionary.js";
import { BuildRefusedError, IndexUnusableError, ioReason, SeedFormatError, SkippedSeedError } from "../errors.js";
import { INGEST_VERSION, listSeedFiles, readSeedFile, unlistedReason, type SeedContent, type SeedFile } from "../ingest/read-seeds.js";
import type { Article } from "../types.js";
import { ArticleStore, storedIds } from "./article-store.js";
import {
  CURRENT_FILE,
  FORMAT_VERSION,
  LOCK_FILE,
  SEGMENTS_DIR,
  SEGMENT_FILES,
  generationManifestFile,
  type GenerationManifest,
  type SeedRecord,
  type SegmentRecord,
} from "./format.js";
import { readCurrentManifest } from "./index-reader.js";
import { acquireBuildLock } from "./index-lock.js";
import { poolSizeFor, SegmentWorkerPool } from "./segment-pool.js";
import type { SegmentJob } from "./segment-worker.js";
import { writeSegment } from "./segment-writer.js";

/** Large inputs are cut into segments of at most this many articles. */
const SEGMENT_MAX_ARTICLES = 40_000;
/**
 * Files up to this many articles share segments, packed in name order up to this size: a segment
 * per small file would make every query and every start pay per file. A change to one of them
 * re-reads the files it shares its segment with: at most this many articles.
 */
const PACKED_MAX_ARTICLES = 5_000;
/**
 * Smaller segments are merged when this many of one size class (1–9, 10–99, 100–999… articles)
 * have piled up: their files are read again and packed with the build's own. Each article is read
 * again about once per size class, and a daily file keeps adding one segment, not one per day.
 */
const MERGE_FACTOR = 10;
const TEMP_PREFIX = ".tmp-";

export interface BuildOptions {
  seeds: readonly string[];
  indexDir: string;
  /** Ignore the existing index and analyze every seed file. */
  full?: boolean;
  /** Commit nothing when any seed file has to be skipped. */
  strict?: boolean;
  /** Commit even when the new generation has less than half of the articles of the one it replaces. */
  allowShrink?: boolean;
  progress?: (event: BuildProgress) => void;
}

export interface BuildProgress {
  phase: "read" | "analyze" | "write";
  done: number;
  total: number;
}

export interface BuildSummary {
  /** The generation now in CURRENT (unchanged when the index was already up to date). */
  generation: number;
  upToDate: boolean;
  files: number;
  articles: number;
  distinctTerms: number;
  bytes: number;
  seconds: number;
  added: string[];
  changed: string[];
  removed: string[];
  /** Articles analyzed in this build (the others were reused from unchanged segments). */
  articlesAnalyzed: number;
  articlesRemoved: number;
  /** Small segments merged into this build's (their files were analyzed again). */
  segmentsMerged: number;
  /** Lines skipped or read with a loss (the rest of their files is indexed). */
  problems: SeedFormatError[];
  /**
   * Files left out, now or (unchanged since) in the build that read them. Those an earlier
   * generation had articles of keep them (`kept`): only a file gone from the listing is removed.
   */
  skipped: SkippedSeedError[];
  /**
   * Files of replaced generations this build could not delete, each with why (the new generation
   * is committed all the same; the next build tries again).
   */
  leftovers: string[];
}

interface Plan {
  previous: GenerationManifest | undefined;
  keep: SegmentRecord[];
  toRead: SeedFile[];
  added: string[];
  changed: string[];
  removed: string[];
  segmentsMerged: number;
}

export async function buildIndex(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  await checkIndexDirectory(options.indexDir, options.seeds);
  await mkdir(path.join(options.indexDir, SEGMENTS_DIR), { recursive: true });
  const release = acquireBuildLock(options.indexDir);
  let pool: SegmentWorkerPool | undefined;
  try {
    const leftovers = await removeLeftovers(options.indexDir);
    // Before anything compares analyzers: the operator's words are part of the analyzer.
    const jiebaWords = userDictionaryOf(options.seeds);
    await useUserDictionary(jiebaWords);
    const current = await readCurrentManifest(options.indexDir).catch(() => undefined);
    const previous = options.full ? undefined : current;
    const listing = await listSeedFiles(options.seeds, previous?.seeds.map((record) => ({ ...record, sha256: failedContent(record) ?? record.sha256 })));
    // An unreadable file is not a deleted one: an indexed file that cannot be listed now stays in
    // the plan, as it was, so that its articles are kept (only a file gone from the listing is removed).
    const unlisted = heldAtListing(current, listing.skipped, options.seeds);
    const seeds = [...listing.files, ...[...unlisted.values()].map(({ seed }) => seed)].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    let plan = planBuild(previous, seeds);
    // A file read with the content its articles came from, after a build that could not read it: its record changes, not its articles.
    const listedNow = new Map(listing.files.map((seed) => [seed.file, seed]));
    const staleSkips = (previous?.seeds ?? []).some((record) => record.skipped && isReadable(record, listedNow.get(record.file)));
    const report = (event: BuildProgress): void => options.progress?.(event);

    if (plan.previous && plan.toRead.length === 0 && plan.removed.length === 0 && !staleSkips) {
      const skipped = skippedFiles(plan.previous.seeds, listing.skipped, unlisted, plan.previous.generation);
      if (options.strict) refuseSkipped(skipped);
      return { ...summarize(plan.previous, NO_CHANGES, plan, [], skipped, 0, started, true), leftovers };
    }
    plan = withMerges(plan, seeds);
    // Reading pages (normalize) and analyzing here use jieba: a starting server may be loading it.
    await backgroundLoadSettled();

    // Fix (duplicate ids across files): a full build keeps the record of the file that sorts first
    // and skips the others. Incrementally, a kept segment's article used to win even over a new file
    // that sorts before it, and a record skipped as a duplicate never came back when the file that
    // held the id changed or went away. So when a kept file may take part in a duplicate (the last
    // build skipped some and files changed or went away, or a file read now repeats a kept id), every
    // file is read again in name order, as in a full build.
    const readEverything = (): void => {
      plan = { ...plan, keep: [], toRead: seeds };
    };
    if (plan.previous?.seeds.some((record) => (record.duplicates ?? 0) > 0) && plan.changed.length + plan.removed.length > 0) readEverything();
    let problems: SeedFormatError[] = [];
    let fileArticles: Array<{ seed: SeedFile; articles: Article[] }> = [];
    const duplicates = new Map<string, number>();
    const unreadable = new Map<string, { error: SkippedSeedError; kept?: KeptArticles }>();
    let names: ReadonlySet<string> = new Set();
    for (;;) {
      const keptIds = await idsOfSegments(options.indexDir, plan.keep);
      const takenIds = new Set(keptIds);
      let repeatsKept = false;
      for (const [i, seed] of plan.toRead.entries()) {
        // One bad file is left out, not the build (nor the files after it); what an earlier
        // generation had of it stays.
        const content: SeedContent = await readSeedOrUnlisted(seed, unlisted).catch(async (error: unknown) => {
          if (!(error instanceof SkippedSeedError)) throw error;
          const kept = await keptArticles(options.indexDir, current, seed.file);
          unreadable.set(seed.file, { error, ...(kept ? { kept } : {}) });
          return { articles: kept?.articles ?? [], problems: [] };
        });
        problems.push(...content.problems);
        const unique = content.articles.filter((article) => {
          if (!takenIds.has(article.id)) return takenIds.add(article.id), true;
          repeatsKept ||= keptIds.has(article.id);
          problems.push(duplicateIdProblem(seed.file, article));
          duplicates.set(seed.file, (duplicates.get(seed.file) ?? 0) + 1);
          return false;
        });
        fileArticles.push({ seed, articles: unique });
        report({ phase: "read", done: i + 1, total: plan.toRead.length });
      }
      if (repeatsKept) readEverything();
      else {
        // Every article is analyzed with the names of all bylines: kept segments whose text has a
        // name that came or went are analyzed again (usually none: most new bylines are known names).
        names = indexNames(plan, fileArticles);
        const stale = await segmentsWithChangedNames(options.indexDir, plan, names);
        if (stale.size === 0) break;
        plan = withoutSegments(plan, seeds, stale);
      }
      [problems, fileArticles] = [[], []];
      duplicates.clear();
      unreadable.clear();
    }

    const articleCount = fileArticles.reduce((sum, { articles }) => sum + articles.length, 0);
    const readAgain = new Set(plan.toRead.map((seed) => seed.file));
    const listed = new Map(seeds.map((seed) => [seed.file, seed]));
    // Fix: a file without articles has no segments, so `every` below held for it even when it was
    // read again or removed: its old record stayed in the manifest (twice after a change; forever
    // after a removal, so the index never counted as up to date again).
    const keptSeedRecords = (plan.previous?.seeds ?? [])
      .filter((record) => listed.has(record.file) && !readAgain.has(record.file) && record.segments.every((name) => plan.keep.some((segment) => segment.name === name)))
      .map((record) => carriedRecord(record, listed.get(record.file)!, unlisted.get(record.file), plan.previous!.generation));
    const readRecords: SeedRecord[] = fileArticles.map(({ seed, articles }) => {
      const failed = unreadable.get(seed.file);
      const record: SeedRecord = {
        file: seed.file,
        sha256: failed?.kept?.sha256 ?? seed.sha256,
        bytes: seed.bytes,
        ...(seed.mtimeNs === undefined ? {} : { mtimeNs: seed.mtimeNs }),
        articles: articles.length,
        segments: [],
        ...(duplicates.has(seed.file) ? { duplicates: duplicates.get(seed.file) } : {}),
        ...namesRecord(articles),
      };
      if (!failed) return record;
      const { reason, hint } = failed.error;
      return {
        ...record,
        skipped: { reason, hint: hint!, ...(unlisted.has(seed.file) ? {} : { sha256: seed.sha256 }), ...(failed.kept ? { keptFrom: failed.kept.generation } : {}) },
      };
    });
    const records = [...keptSeedRecords, ...readRecords].sort((a, b) => a.file.localeCompare(b.file));
    const skipped = skippedFiles(records, listing.skipped, unlisted, current?.generation ?? 0);
    if (options.strict) refuseSkipped(skipped);
    checkShrink(current, plan, articleCount + plan.keep.reduce((sum, segment) => sum + segment.articles, 0), skipped, options.allowShrink ?? false);

    if (poolSizeFor(articleCount) > 0) pool = new SegmentWorkerPool(poolSizeFor(articleCount), jiebaWords, names);
    const generation = (plan.previous?.generation ?? (await lastGenerationOnDisk(options.indexDir))) + 1;
    const { segments, seedSegments } = await writeSegments(options.indexDir, generation, fileArticles, names, report, pool);
    for (const record of readRecords) record.segments = seedSegments.get(record.file) ?? [];
    const allSegments = [...plan.keep, ...segments];
    const manifest: GenerationManifest = {
      format: FORMAT_VERSION,
      generation,
      builtAt: new Date().toISOString(),
      analyzer: analyzerIdentity(),
      ingest: INGEST_VERSION,
      segments: allSegments,
      seeds: records,
      counts: {
        files: seeds.length,
        articles: allSegments.reduce((sum, segment) => sum + segment.articles, 0),
        distinctTerms: await countDistinctTerms(options.indexDir, allSegments),
        bytes: await segmentBytes(options.indexDir, allSegments),
      },
    };
    // Fix: with --full, plan.previous is undefined (nothing is reused), and pruning then deleted the
    // generation being replaced too; it is kept as the previous one, as after any other build.
    await commitGeneration(options.indexDir, manifest);
    leftovers.push(...(await pruneGenerations(options.indexDir, manifest, current)));
    const readNow = plan.toRead.map((seed) => seed.file).filter((file) => !unreadable.has(file));
    return { ...summarize(manifest, fileChanges(current, records, readNow), plan, problems, skipped, articleCount, started, false), leftovers };
  } finally {
    await pool?.close();
    release();
  }
}

/** Articles of a seed file kept from the generation that last read it, and the content they came from. */
interface KeptArticles {
  articles: Article[];
  sha256: string;
  generation: number;
}

/** An indexed file the listing could not see (so it is not known to be gone), as the plan sees it: unchanged. */
interface UnlistedFile {
  seed: SeedFile;
  error: SkippedSeedError;
}

/**
 * The files that `current` holds articles of and the listing had to skip (by name, or in a folder
 * that could not be listed: a root that could not be listed may have held any of them).
 */
function heldAtListing(current: GenerationManifest | undefined, skipped: readonly SkippedSeedError[], roots: readonly string[]): Map<string, UnlistedFile> {
  const held = new Map<string, UnlistedFile>();
  for (const record of current?.seeds ?? []) {
    if (record.articles === 0) continue;
    const error = unlistedReason(record.file, skipped, roots);
    if (error) held.set(record.file, { seed: { path: "", file: record.file, bytes: record.bytes, sha256: record.sha256 }, error });
  }
  return held;
}

function readSeedOrUnlisted(seed: SeedFile, unlisted: ReadonlyMap<string, UnlistedFile>): Promise<SeedContent> {
  const held = unlisted.get(seed.file);
  return held ? Promise.reject(held.error) : readSeedFile(seed);
}

/**
 * The content a record's skip concerns: the file as last listed, which could not be read. Undefined
 * for a file that could not be listed, and for a file that was not skipped.
 */
function failedContent(record: SeedRecord): string | undefined {
  const skipped = record.skipped;
  if (!skipped) return undefined;
  // Records written before articles were kept hold none, and name the failed content in sha256.
  return skipped.sha256 ?? (skipped.keptFrom === undefined ? record.sha256 : undefined);
}

/** A skipped file listed now with the content of its kept articles: readable again, nothing to analyze. */
function isReadable(record: SeedRecord, seed: SeedFile | undefined): boolean {
  return seed !== undefined && seed.sha256 !== failedContent(record);
}

/** A record reused as it is, with what the listing says of its file now. */
function carriedRecord(record: SeedRecord, seed: SeedFile, unlisted: UnlistedFile | undefined, generation: number): SeedRecord {
  const { skipped, mtimeNs: _listedAt, ...rest } = record;
  if (unlisted) {
    const { reason, hint } = unlisted.error;
    return { ...rest, skipped: { reason, hint: hint!, keptFrom: skipped?.keptFrom ?? generation } };
  }
  // The time as listed now, so that a file touched without a change is trusted again.
  return { ...rest, ...(seed.mtimeNs === undefined ? {} : { mtimeNs: seed.mtimeNs }), ...(skipped && !isReadable(record, seed) ? { skipped } : {}) };
}

/**
 * The articles that `current` holds of `file`, read back from its segments, or undefined when it
 * holds none (a file new since, or an index of another format).
 */
async function keptArticles(indexDir: string, current: GenerationManifest | undefined, file: string): Promise<KeptArticles | undefined> {
  const record = current?.seeds.find((seed) => seed.file === file);
  if (!current || !record || record.articles === 0 || current.format !== FORMAT_VERSION) return undefined;
  const articles: Article[] = [];
  for (const name of record.segments) {
    const dir = path.join(indexDir, SEGMENTS_DIR, name);
    const parts = [SEGMENT_FILES.articles, SEGMENT_FILES.folded, SEGMENT_FILES.unfold, SEGMENT_FILES.columns].map((part) => path.join(dir, part));
    const store = await Promise.all(parts.map((part) => readFile(part)))
      .then(([stored, folded, unfold, columns]) => ArticleStore.load(stored!, folded!, unfold!, columns!))
      .catch((error: Error) => {
        throw new IndexUnusableError(dir, `unreadable (${error.message}), so the articles of ${file}, which cannot be read now, cannot be kept`);
      });
    for (let local = 0; local < store.size; local++) {
      const meta = store.meta(local);
      if (meta.file === file) articles.push({ ...meta, body: store.body(local) });
    }
  }
  return { articles, sha256: record.sha256, generation: record.skipped?.keptFrom ?? current.generation };
}

/**
 * Every file this build skipped, once: the listing's (a file the index held articles of, saying how
 * many it keeps), and the files whose last content could not be read, from their records.
 */
function skippedFiles(records: readonly SeedRecord[], listingSkipped: readonly SkippedSeedError[], unlisted: ReadonlyMap<string, UnlistedFile>, generation: number): SkippedSeedError[] {
  const byFile = new Map(records.map((record) => [record.file, record]));
  const kept = (record: SeedRecord | undefined): { articles: number; generation: number } | undefined =>
    record && (record.skipped?.keptFrom !== undefined || unlisted.has(record.file)) ? { articles: record.articles, generation: record.skipped?.keptFrom ?? generation } : undefined;
  const fromListing = listingSkipped.filter((error) => !unlisted.has(error.file));
  const fromUnlisted = [...unlisted.values()].map(({ error }) => new SkippedSeedError(error.file, error.reason, error.hint!, kept(byFile.get(error.file))));
  const fromReading = records
    .filter((record) => record.skipped && !unlisted.has(record.file))
    .map((record) => new SkippedSeedError(record.file, record.skipped!.reason, record.skipped!.hint, kept(record)));
  return [...fromListing, ...fromUnlisted, ...fromReading].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

interface FileChanges {
  added: string[];
  changed: string[];
  removed: string[];
  articlesRemoved: number;
}

const NO_CHANGES: FileChanges = { added: [], changed: [], removed: [], articlesRemoved: 0 };

/**
 * What the new generation changed of the one it replaces, by seed file: files read now that it did
 * not have (added) or had other content of (changed), and files gone from the listing (removed). A
 * skipped file is none of these: it keeps what it had (or has nothing).
 */
function fileChanges(before: GenerationManifest | undefined, records: readonly SeedRecord[], readNow: readonly string[]): FileChanges {
  const old = new Map((before?.seeds ?? []).map((record) => [record.file, record]));
  const now = new Map(records.map((record) => [record.file, record]));
  const added = readNow.filter((file) => !old.has(file));
  const changed = readNow.filter((file) => old.has(file) && old.get(file)!.sha256 !== now.get(file)!.sha256);
  const removed = [...old.keys()].filter((file) => !now.has(file));
  const articlesRemoved = [...changed, ...removed].reduce((sum, file) => sum + old.get(file)!.articles, 0);
  return { added, changed, removed, articlesRemoved };
}

function refuseSkipped(skipped: readonly SkippedSeedError[]): void {
  if (skipped.length === 0) return;
  throw new BuildRefusedError(
    `--strict: ${skipped.length} seed file${skipped.length === 1 ? " was" : "s were"} skipped, so nothing was committed:\n${skipped.map((error) => `  ${error.message}`).join("\n")}`,
    "fix or remove those files, or build without --strict to index the others",
  );
}

/**
 * Refuses a generation with less than half of the articles of the one it replaces (or none, when
 * there were some): an empty or wrong --seeds, a missing mount, or files that all failed to read
 * would otherwise replace the index that a running server follows.
 */
function checkShrink(current: GenerationManifest | undefined, plan: Plan, articles: number, skipped: readonly SkippedSeedError[], allowShrink: boolean): void {
  const before = current?.counts.articles ?? 0;
  if (articles === 0 && skipped.length > 0 && before === 0) {
    throw new BuildRefusedError(`nothing to index: every seed file was skipped:\n${skipped.map((error) => `  ${error.message}`).join("\n")}`, "fix those files, then build again");
  }
  if (allowShrink || before === 0 || articles * 2 >= before) return;
  const causes = [
    plan.removed.length > 0 ? `${plan.removed.length} seed files gone (${plan.removed.slice(0, 3).join(", ")}${plan.removed.length > 3 ? ", …" : ""})` : "",
    skipped.length > 0 ? `${skipped.length} skipped` : "",
    plan.changed.length > 0 ? `${plan.changed.length} changed` : "",
  ].filter((cause) => cause !== "");
  throw new BuildRefusedError(
    `this build would keep ${articles} of the ${before} articles in generation ${current!.generation}${causes.length > 0 ? ` (${causes.join("; ")})` : ""}, so it was not committed`,
    "check --seeds (an empty directory? a missing mount?); if the drop is intended, run again with --allow-shrink",
  );
}

/**
 * Makes the previous generation current again, as a new generation (so that a running server
 * follows it, and a second rollback undoes the first). The next build compares the seeds with it.
 */
export async function rollbackIndex(indexDir: string): Promise<{ generation: number; restored: GenerationManifest; replaced: GenerationManifest }> {
  await checkIndexDirectory(indexDir, []);
  const release = acquireBuildLock(indexDir);
  try {
    await removeLeftovers(indexDir);
    const current = await readCurrentManifest(indexDir);
    const earlier = (await readdir(indexDir))
      .map((name) => Number(/^gen-(\d+)\.json$/.exec(name)?.[1] ?? Number.NaN))
      .filter((generation) => generation < current.generation)
      .sort((a, b) => b - a);
    if (earlier.length === 0) {
      throw new BuildRefusedError(`${indexDir} has no generation before ${current.generation} to roll back to`, "build from the seeds instead (`npm run index`)");
    }
    const file = path.join(indexDir, generationManifestFile(earlier[0]!));
    const restored = await readFile(file, "utf8").then(
      (text) => JSON.parse(text) as GenerationManifest,
      (error: unknown) => {
        throw new IndexUnusableError(file, `manifest unreadable (${ioReason(error).what})`);
      },
    );
    for (const segment of restored.segments) {
      const dir = path.join(indexDir, SEGMENTS_DIR, segment.name);
      await stat(dir).catch(() => {
        throw new IndexUnusableError(dir, `segment of generation ${restored.generation} missing`, "the previous generation cannot be restored; rebuild with `npm run index`");
      });
    }
    const manifest: GenerationManifest = { ...restored, generation: current.generation + 1 };
    await commitGeneration(indexDir, manifest);
    await pruneGenerations(indexDir, manifest, current);
    return { generation: manifest.generation, restored, replaced: current };
  } finally {
    release();
  }
}

/**
 * What a build leaves in an index directory; anything else there belongs to someone else. A
 * `.gitkeep` is the repository's own placeholder for the empty `index/` of a fresh clone.
 */
function isIndexEntry(name: string): boolean {
  return name === ".gitkeep" || name === CURRENT_FILE || name === SEGMENTS_DIR || /^gen-\d+\.json$/.test(name) || name.startsWith(LOCK_FILE) || name.startsWith(TEMP_PREFIX);
}

/**
 * Refuses an index directory that holds files a build did not write (a build removes what it does
 * not recognise as its own, so it must never run in someone's folder), and an index inside a seeds
 * directory or seeds inside the index (its own files would be read as news).
 */
async function checkIndexDirectory(indexDir: string, seeds: readonly string[]): Promise<void> {
  const index = await realPath(indexDir);
  for (const root of seeds) {
    const seedsRoot = await realPath(root);
    if (isWithin(index, seedsRoot) || isWithin(seedsRoot, index)) {
      throw new BuildRefusedError(`the index ${indexDir} and the seeds ${root} are inside one another`, "put the index in a directory of its own, outside the seeds (--index)");
    }
  }
  const entries = async (dir: string): Promise<string[]> =>
    readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw new BuildRefusedError(`--index ${indexDir} cannot be used: ${ioReason(error).what}`, "give a new or empty directory, or an existing index");
    });
  const foreign = (await entries(indexDir)).filter((name) => !isIndexEntry(name));
  foreign.push(...(await entries(path.join(indexDir, SEGMENTS_DIR))).filter((name) => !/^(?:\.tmp-)?seg-/.test(name)).map((name) => path.join(SEGMENTS_DIR, name)));
  if (foreign.length > 0) {
    throw new BuildRefusedError(
      `${indexDir} is not an index directory: it holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ""}; nothing there was changed`,
      "give --index a new or empty directory, or an existing index",
    );
  }
}

/** The path with symbolic links resolved, as far as it exists (the rest is appended as given). */
async function realPath(target: string): Promise<string> {
  const absolute = path.resolve(target);
  const resolved = await realpath(absolute).catch(() => undefined);
  if (resolved !== undefined) return resolved;
  const parent = path.dirname(absolute);
  return parent === absolute ? absolute : path.join(await realPath(parent), path.basename(absolute));
}

const isWithin = (inner: string, outer: string): boolean => {
  const relative = path.relative(outer, inner);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
};

export function duplicateIdProblem(file: string, article: Article): SeedFormatError {
  return new SeedFormatError(file, article.lineStart, `duplicate article id "${article.id}" (already indexed from another line or file); skipped`);
}

function planBuild(previous: GenerationManifest | undefined, seeds: SeedFile[]): Plan {
  const usable =
    previous &&
    previous.format === FORMAT_VERSION &&
    previous.ingest === INGEST_VERSION &&
    JSON.stringify(previous.analyzer) === JSON.stringify(analyzerIdentity());
  if (!usable) {
    return { previous: undefined, keep: [], toRead: seeds, added: seeds.map((s) => s.file), changed: [], removed: [], segmentsMerged: 0 };
  }
  const before = new Map(previous.seeds.map((record) => [record.file, record]));
  const now = new Set(seeds.map((seed) => seed.file));
  const added = seeds.filter((seed) => !before.has(seed.file)).map((seed) => seed.file);
  // A file that could not be read last time is unchanged while it has the content that failed (or again the content of its kept articles).
  const isChanged = (seed: SeedFile, record: SeedRecord): boolean => seed.sha256 !== record.sha256 && seed.sha256 !== failedContent(record);
  const changed = seeds.filter((seed) => before.has(seed.file) && isChanged(seed, before.get(seed.file)!)).map((seed) => seed.file);
  const removed = previous.seeds.filter((record) => !now.has(record.file)).map((record) => record.file);
  const dirty = new Set<string>();
  for (const file of [...changed, ...removed]) for (const name of before.get(file)!.segments) dirty.add(name);
  // Unchanged files that share a segment with a changed one are read again with it (segments
  // written by this version hold one file each, so this only concerns duplicates, see below).
  const filesInDirty = new Set(previous.seeds.filter((record) => record.segments.some((name) => dirty.has(name))).map((record) => record.file));
  // Fix: `|| changed` — a changed file that had no articles has no segment to make dirty, so it was
  // never read again (a file whose malformed lines were repaired stayed out of the index for good).
  const toRead = seeds.filter((seed) => !before.has(seed.file) || filesInDirty.has(seed.file) || changed.includes(seed.file));
  return { previous, keep: previous.segments.filter((segment) => !dirty.has(segment.name)), toRead, added, changed, removed, segmentsMerged: 0 };
}

/** Size class of a segment: 0 for 1–9 articles, 1 for 10–99, … */
const sizeClass = (articles: number): number => Math.floor(Math.log10(Math.max(1, articles)));

/**
 * Adds the merges due to the plan: when MERGE_FACTOR kept segments below PACKED_MAX_ARTICLES are
 * of one size class, those and all smaller ones are dropped and their files read again.
 */
function withMerges(plan: Plan, seeds: readonly SeedFile[]): Plan {
  if (!plan.previous) return plan;
  const open = plan.keep.filter((segment) => segment.articles < PACKED_MAX_ARTICLES);
  const perClass = new Map<number, number>();
  for (const { articles } of open) perClass.set(sizeClass(articles), (perClass.get(sizeClass(articles)) ?? 0) + 1);
  const full = [...perClass].filter(([, count]) => count >= MERGE_FACTOR).map(([size]) => size);
  if (full.length === 0) return plan;
  const upTo = Math.max(...full);
  const dropped = new Set(open.filter((segment) => sizeClass(segment.articles) <= upTo).map((segment) => segment.name));
  const merged = withoutSegments(plan, seeds, dropped);
  return { ...merged, segmentsMerged: plan.keep.length - merged.keep.length };
}

/** The plan with the `dropped` segments not kept: a file is read whole, so all its segments go, and with them the other files they hold. */
function withoutSegments(plan: Plan, seeds: readonly SeedFile[], dropped: ReadonlySet<string>): Plan {
  const gone = new Set(dropped);
  const records = plan.previous?.seeds ?? [];
  for (let grown = true; grown; ) {
    grown = false;
    for (const record of records) {
      if (!record.segments.some((name) => gone.has(name)) || record.segments.every((name) => gone.has(name))) continue;
      for (const name of record.segments) gone.add(name);
      grown = true;
    }
  }
  const reread = new Set(records.filter((record) => record.segments.some((name) => gone.has(name))).map((record) => record.file));
  for (const seed of plan.toRead) reread.add(seed.file);
  return { ...plan, keep: plan.keep.filter((segment) => !gone.has(segment.name)), toRead: seeds.filter((seed) => reread.has(seed.file)) };
}

/** A seed record's `names` (absent when the file's articles have none). */
function namesRecord(articles: readonly Article[]): Pick<SeedRecord, "names"> {
  const names = namesOfArticles(articles);
  return names.length === 0 ? {} : { names };
}

/** The byline names of the index the plan builds: of the files read now, and of the files whose segments it keeps. */
function indexNames(plan: Plan, fileArticles: ReadonlyArray<{ articles: readonly Article[] }>): ReadonlySet<string> {
  const names = new Set<string>();
  const kept = new Set(plan.keep.map((segment) => segment.name));
  const readNow = new Set(plan.toRead.map((seed) => seed.file));
  for (const record of plan.previous?.seeds ?? []) {
    if (readNow.has(record.file) || record.segments.length === 0 || !record.segments.every((name) => kept.has(name))) continue;
    for (const name of record.names ?? []) names.add(name);
  }
  for (const { articles } of fileArticles) for (const name of namesOfArticles(articles)) names.add(name);
  return names;
}

/**
 * The kept segments whose folded text has a name that is in `names` and not in the names they were
 * analyzed with, or the other way round: their terms would differ from an analysis now.
 */
async function segmentsWithChangedNames(indexDir: string, plan: Plan, names: ReadonlySet<string>): Promise<Set<string>> {
  const before = new Set((plan.previous?.seeds ?? []).flatMap((record) => record.names ?? []));
  const changed = [...names].filter((name) => !before.has(name)).concat([...before].filter((name) => !names.has(name)));
  const stale = new Set<string>();
  if (changed.length === 0) return stale;
  // folded.bin is UTF-16LE; a match at an odd byte offset is not a real one, but only costs a re-analysis.
  const needles = changed.map((name) => Buffer.from(name, "utf16le"));
  for (const segment of plan.keep) {
    const file = path.join(indexDir, SEGMENTS_DIR, segment.name, SEGMENT_FILES.folded);
    const folded = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new IndexUnusableError(file, `${ioReason(error).what}, so the build cannot tell whether its articles mention a byline name that came or went`);
    });
    if (needles.some((needle) => folded.includes(needle))) stale.add(segment.name);
  }
  return stale;
}

async function writeSegments(
  indexDir: string,
  generation: number,
  fileArticles: ReadonlyArray<{ seed: SeedFile; articles: Article[] }>,
  names: ReadonlySet<string>,
  report: (event: BuildProgress) => void,
  pool: SegmentWorkerPool | undefined,
): Promise<{ segments: SegmentRecord[]; seedSegments: Map<string, string[]> }> {
  const total = fileArticles.reduce((sum, { articles }) => sum + articles.length, 0);
  const chunks = packSegments(fileArticles, pool?.size ?? 1);
  let done = 0;
  const advance = (count: number): void => {
    const before = done;
    done += count;
    if (Math.floor(done / 500) !== Math.floor(before / 500) || done === total) report({ phase: "analyze", done, total });
  };
  const jobs: SegmentJob[] = chunks.map((chunk, k) => {
    const name = `seg-${String(generation).padStart(6, "0")}-${k}`;
    return { dir: path.join(indexDir, SEGMENTS_DIR, `${TEMP_PREFIX}${name}`), name, articles: chunk.articles };
  });
  const records = await runPool(jobs, pool?.size ?? 1, async (job, lane) => {
    const record = await (pool ? pool.write(lane, job, advance) : writeSegment(job.dir, job.name, job.articles, names, () => advance(1)));
    await syncTree(job.dir);
    await rename(job.dir, path.join(indexDir, SEGMENTS_DIR, job.name));
    return record;
  });
  const seedSegments = new Map<string, string[]>();
  chunks.forEach((chunk, k) => {
    for (const file of chunk.files) seedSegments.set(file, [...(seedSegments.get(file) ?? []), jobs[k]!.name]);
  });
  report({ phase: "write", done: records.length, total: records.length });
  return { segments: records, seedSegments };
}

/**
 * The segments to write: files up to PACKED_MAX_ARTICLES packed together in name order, up to that
 * size; a larger file cut into pieces of its own (at least one per worker, at most
 * SEGMENT_MAX_ARTICLES articles each).
 */
function packSegments(fileArticles: ReadonlyArray<{ seed: SeedFile; articles: Article[] }>, workers: number): Array<{ articles: Article[]; files: string[] }> {
  const total = fileArticles.reduce((sum, { articles }) => sum + articles.length, 0);
  const chunkSize = Math.max(1, Math.ceil(total / Math.max(workers, Math.ceil(total / SEGMENT_MAX_ARTICLES))));
  const chunks: Array<{ articles: Article[]; files: string[] }> = [];
  let packing: { articles: Article[]; files: string[] } | undefined;
  for (const { seed, articles } of fileArticles) {
    if (articles.length > PACKED_MAX_ARTICLES) {
      for (const piece of cutEvenly(articles, Math.ceil(articles.length / chunkSize))) chunks.push({ articles: piece, files: [seed.file] });
    } else if (articles.length > 0) {
      if (!packing || packing.articles.length + articles.length > PACKED_MAX_ARTICLES) chunks.push((packing = { articles: [], files: [] }));
      for (const article of articles) packing.articles.push(article);
      packing.files.push(seed.file);
    }
  }
  return chunks;
}

/**
 * `articles` in `count` consecutive pieces of about the same amount of text, so that the workers
 * have the same work: analysis time follows the text, and records need not be alike (the archive's
 * later stories are longer; its halves by count differ by 6% in text). No piece exceeds
 * SEGMENT_MAX_ARTICLES articles.
 */
function cutEvenly(articles: Article[], count: number): Article[][] {
  const size = (article: Article): number => article.title.length + article.body.length + 1;
  const total = articles.reduce((sum, article) => sum + size(article), 0);
  const pieces: Article[][] = [];
  let from = 0;
  let text = 0;
  for (let i = 0; i < articles.length; i++) {
    text += size(articles[i]!);
    const textDue = pieces.length < count - 1 && text >= (total * (pieces.length + 1)) / count;
    if (textDue || i + 1 - from >= SEGMENT_MAX_ARTICLES) {
      pieces.push(articles.slice(from, i + 1));
      from = i + 1;
    }
  }
  pieces.push(articles.slice(from));
  return pieces.filter((piece) => piece.length > 0);
}

/** Runs `task` over `items` in `limit` lanes, one item at a time in each; results keep the items' order. */
async function runPool<T, R>(items: readonly T[], limit: number, task: (item: T, lane: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async (_, lane) => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, lane);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Manifest first, then the pointer: CURRENT only ever names a complete generation. */
async function commitGeneration(indexDir: string, manifest: GenerationManifest): Promise<void> {
  const manifestPath = path.join(indexDir, generationManifestFile(manifest.generation));
  await writeFileDurably(manifestPath, JSON.stringify(manifest, null, 1));
  await writeFileDurably(path.join(indexDir, CURRENT_FILE), `${generationManifestFile(manifest.generation)}\n`);
}

/** Write to a temporary file in the same directory, fsync, then rename over the target (atomic on POSIX). */
async function writeFileDurably(target: string, content: string): Promise<void> {
  const temp = `${path.dirname(target)}/${TEMP_PREFIX}${path.basename(target)}`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  await syncDirectory(path.dirname(target));
}

async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const handle = await open(path.join(entry.parentPath, entry.name), "r");
    await handle.sync();
    await handle.close();
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Keeps the new generation and the one before it (for rollback); removes the rest and their segments. */
async function pruneGenerations(indexDir: string, current: GenerationManifest, previous: GenerationManifest | undefined): Promise<string[]> {
  const keepManifests = new Set([generationManifestFile(current.generation)]);
  const keepSegments = new Set(current.segments.map((segment) => segment.name));
  if (previous) {
    keepManifests.add(generationManifestFile(previous.generation));
    for (const segment of previous.segments) keepSegments.add(segment.name);
  }
  const leftovers: string[] = [];
  const remove = (target: string): Promise<void> => removeOrNote(target, leftovers);
  for (const name of await readdir(indexDir)) {
    if (/^gen-\d+\.json$/.test(name) && !keepManifests.has(name)) await remove(path.join(indexDir, name));
  }
  for (const name of await readdir(path.join(indexDir, SEGMENTS_DIR))) {
    if (!keepSegments.has(name)) await remove(path.join(indexDir, SEGMENTS_DIR, name));
  }
  return leftovers;
}

/**
 * Under the lock, whatever no committed manifest names was left by a build that died: temporary
 * files; segments and manifests newer than CURRENT's (killed after renaming them into place, before
 * the commit); segments that no remaining manifest lists (killed while pruning). Readers open only
 * what a manifest names, so all of it is safe to delete.
 */
async function removeLeftovers(indexDir: string): Promise<string[]> {
  const leftovers: string[] = [];
  const remove = (target: string): Promise<void> => removeOrNote(target, leftovers);
  const committed = await readCurrentManifest(indexDir).then(
    (manifest) => manifest.generation,
    () => lastGenerationOnDisk(indexDir),
  );
  const named = new Set<string>();
  for (const name of await readdir(indexDir)) {
    const generation = /^gen-(\d+)\.json$/.exec(name)?.[1];
    if (name.startsWith(TEMP_PREFIX) || (generation !== undefined && Number(generation) > committed)) {
      await remove(path.join(indexDir, name));
    } else if (generation !== undefined) {
      const manifest = await readFile(path.join(indexDir, name), "utf8").then((text) => JSON.parse(text) as GenerationManifest, () => undefined);
      for (const segment of manifest?.segments ?? []) named.add(segment.name);
    }
  }
  for (const name of await readdir(path.join(indexDir, SEGMENTS_DIR))) {
    if (!named.has(name)) await remove(path.join(indexDir, SEGMENTS_DIR, name));
  }
  return leftovers;
}

/**
 * Deletes `target`, or notes in `leftovers` why it could not. Nothing a manifest names is ever
 * deleted, so a file left behind is a warning, not a failed build: readers never open it, and the
 * next build tries again.
 */
function removeOrNote(target: string, leftovers: string[]): Promise<void> {
  return rm(target, { recursive: true, force: true }).catch((error: unknown) => {
    leftovers.push(`${target}: ${ioReason(error).what}`);
  });
}

async function lastGenerationOnDisk(indexDir: string): Promise<number> {
  const numbers = (await readdir(indexDir)).map((name) => /^gen-(\d+)\.json$/.exec(name)?.[1]).filter((n): n is string => n !== undefined);
  return Math.max(0, ...numbers.map(Number));
}

async function idsOfSegments(indexDir: string, segments: readonly SegmentRecord[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const segment of segments) {
    const dir = path.join(indexDir, SEGMENTS_DIR, segment.name);
    // Fix: a damaged segment that is kept failed the build with a bare SyntaxError or ENOENT; now
    // it names the file and says what to do (and `npm start` rebuilds on this error).
    const file = path.join(dir, SEGMENT_FILES.articles);
    const stored = await Promise.all([file, path.join(dir, SEGMENT_FILES.columns)].map((name) => readFile(name)))
      .then(([articles, columns]) => storedIds(articles!, columns!))
      .catch((error: Error) => {
        throw new IndexUnusableError(file, `unreadable (${error.message})`);
      });
    for (const id of stored) ids.add(id);
  }
  return ids;
}

async function countDistinctTerms(indexDir: string, segments: readonly SegmentRecord[]): Promise<number> {
  if (segments.length === 1) return segments[0]!.distinctTerms;
  const terms = new Set<string>();
  for (const segment of segments) {
    const text = await readFile(path.join(indexDir, SEGMENTS_DIR, segment.name, SEGMENT_FILES.vocabulary), "utf8");
    for (const term of text.split("\n")) if (term) terms.add(term);
  }
  return terms.size;
}

async function segmentBytes(indexDir: string, segments: readonly SegmentRecord[]): Promise<number> {
  let bytes = 0;
  for (const segment of segments) {
    for (const file of Object.keys(segment.checksums)) bytes += (await stat(path.join(indexDir, SEGMENTS_DIR, segment.name, file))).size;
  }
  return bytes;
}

function summarize(
  manifest: GenerationManifest,
  changes: FileChanges,
  plan: Plan,
  problems: SeedFormatError[],
  skipped: SkippedSeedError[],
  articlesAnalyzed: number,
  started: number,
  upToDate: boolean,
): Omit<BuildSummary, "leftovers"> {
  return {
    generation: manifest.generation,
    upToDate,
    files: manifest.counts.files,
    articles: manifest.counts.articles,
    distinctTerms: manifest.counts.distinctTerms,
    bytes: manifest.counts.bytes,
    seconds: (performance.now() - started) / 1000,
    ...changes,
    articlesAnalyzed,
    segmentsMerged: plan.segmentsMerged,
    problems,
    skipped,
  };
}
