// What the archive holds, said on the page: how many articles, from which day to which, and which
// filters can narrow anything here (the help does not advertise `author:` in an archive without
// bylines). Read once per index generation (by the warm-up, search/warm-up.ts, or the first page that asks).
import { BUILD_CHUNK, Derived } from "../index/derived.js";
import type { IndexSnapshot } from "../index/index-reader.js";

export interface ArchiveFacts {
  articles: number;
  /** YYYY-MM-DD of the oldest and newest dated article; null when no article has a date. */
  firstDate: string | null;
  lastDate: string | null;
  /** Some article names its authors. */
  hasAuthors: boolean;
  /** Source labels of the archive, most common first (a seed file's own name is no label). */
  sources: string[];
}

export const ARCHIVE_FACTS = new Derived<IndexSnapshot, ArchiveFacts>("archive facts", readFacts);

export function archiveFacts(snapshot: IndexSnapshot): ArchiveFacts {
  return ARCHIVE_FACTS.get(snapshot);
}

function* readFacts(snapshot: IndexSnapshot): Generator<void, ArchiveFacts, void> {
  const seedFiles = new Set(snapshot.manifest.seeds.map((seed) => seed.file));
  const sourceCounts = new Map<string, number>();
  let firstDate: string | null = null;
  let lastDate: string | null = null;
  let hasAuthors = false;
  for (let doc = 0; doc < snapshot.size; doc++) {
    for (const date of snapshot.keywordValues(doc, "date")) {
      const day = date.slice(0, 10);
      if (firstDate === null || day < firstDate) firstDate = day;
      if (lastDate === null || day > lastDate) lastDate = day;
    }
    if (!hasAuthors && snapshot.keywordValues(doc, "author").length > 0) hasAuthors = true;
    for (const source of snapshot.keywordValues(doc, "source")) {
      if (!seedFiles.has(source)) sourceCounts.set(source, (sourceCounts.get(source) ?? 0) + 1);
    }
    if (doc % BUILD_CHUNK === 0) yield;
  }
  const sources = [...sourceCounts].sort((a, b) => b[1] - a[1]).map(([source]) => source);
  return { articles: snapshot.size, firstDate, lastDate, hasAuthors, sources };
}
