// What the archive holds, said on the page: how many articles, from which day to which, and which
// filters can narrow anything here (the help does not advertise `author:` in an archive without
// bylines). Read once per index generation, on the first page that asks.
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

const factsBySnapshot = new WeakMap<IndexSnapshot, ArchiveFacts>();

export function archiveFacts(snapshot: IndexSnapshot): ArchiveFacts {
  let facts = factsBySnapshot.get(snapshot);
  if (facts === undefined) {
    facts = readFacts(snapshot);
    factsBySnapshot.set(snapshot, facts);
  }
  return facts;
}

function readFacts(snapshot: IndexSnapshot): ArchiveFacts {
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
  }
  const sources = [...sourceCounts].sort((a, b) => b[1] - a[1]).map(([source]) => source);
  return { articles: snapshot.size, firstDate, lastDate, hasAuthors, sources };
}
