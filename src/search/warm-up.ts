// Warm-up: builds what the engine derives from a snapshot once and keeps (index/derived.ts: byline
// names, the facets' and timelines' keyword columns, the archive's facts, article numbers, the
// characters of nearby-text, the vocabulary of pinyin and corrections) so that no request pays for
// it: a new generation is warmed up before it is served (the old one answers meanwhile), and the
// first one right after the server starts listening. It runs in slices with the event loop free
// between them, so requests that arrive meanwhile are answered as usual (one that needs a structure
// not built yet builds it itself: index/derived.ts counts that).
import type { Derived } from "../index/derived.js";
import { ARTICLE_NUMBERS, KEYWORD_COLUMNS, type IndexSnapshot } from "../index/index-reader.js";
import { FACET_FIELDS } from "../index/schema.js";
import { ARCHIVE_FACTS } from "../present/archive.js";
import { Budget, runInSlices, type Steps } from "./budget.js";
import { BYLINE_NAMES } from "./candidates.js";
import { HAN_CHARACTERS, PAIR_PREDECESSORS } from "./nearby-text.js";
import { VOCABULARY } from "./vocabulary.js";

/** A slice of warm-up between two turns of the event loop (the scheduler's slice: see query-scheduler.ts). */
const WARM_UP_SLICE_MS = 10;

/**
 * In the order built: what every search reads first, then the page's facets (timelines count the
 * same year and month columns), the home page's facts, article pages, then corrections and pinyin.
 */
export const WARMED_UP: ReadonlyArray<Derived<IndexSnapshot, unknown>> = [
  BYLINE_NAMES,
  ...FACET_FIELDS.map((name) => KEYWORD_COLUMNS[name]),
  ARCHIVE_FACTS,
  ARTICLE_NUMBERS,
  HAN_CHARACTERS,
  PAIR_PREDECESSORS,
  VOCABULARY,
];

export function* warmUpSteps(snapshot: IndexSnapshot, budget: Budget): Steps<void> {
  for (const derived of WARMED_UP) yield* derived.prepare(snapshot, budget);
}

/** Builds every structure of WARMED_UP for the snapshot, in slices. */
export async function warmUp(snapshot: IndexSnapshot, sliceMs = WARM_UP_SLICE_MS): Promise<void> {
  const budget = Budget.unlimited();
  await runInSlices(warmUpSteps(snapshot, budget), budget, sliceMs);
}

export function isWarm(snapshot: IndexSnapshot): boolean {
  return WARMED_UP.every((derived) => derived.has(snapshot));
}
