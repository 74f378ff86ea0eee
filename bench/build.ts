// Scenario: index building. A full build of the corpus against its floor (jieba alone over the same
// text), then one new 15-article seed file added incrementally against the full build. The floor is
// measured right before and right after the build, and their mean counts: on this shared machine a
// single floor moved between 21 and 35 s from run to run, and the ratio with it.
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cutWords, loadSegmenter } from "../src/analysis/jieba.js";
import { buildIndex, type BuildSummary } from "../src/index/index-writer.js";
import type { Checks } from "./checks.js";
import type { Corpus } from "./corpus.js";

export const EXTRA_FILE = "bench-extra.jsonl";
export const EXTRA_ARTICLES = 15;

export interface BuildFigures {
  /** Mean of the floors measured before and after the full build. */
  floor_s: number;
  floor_before_s: number;
  floor_after_s: number;
  build_s: number;
  incremental_s: number;
}

/** nodejieba `cut(text, true)` over every title + body, one thread, nothing stored. */
export function measureCutFloor(corpus: Corpus, checks: Checks): number {
  // Dictionaries are loaded before timing: the build below runs in this process with them loaded too.
  loadSegmenter();
  let cutChars = 0;
  let textChars = 0;
  const started = performance.now();
  for (const { title, body } of corpus.records) {
    const text = `${title}\n${body}`;
    for (const token of cutWords(text)) cutChars += token.length;
    textChars += text.length;
  }
  const seconds = (performance.now() - started) / 1000;
  checks.expect(cutChars === textChars && textChars > 0, `jieba floor: tokens cover ${cutChars} characters, expected ${textChars} (all of the text)`);
  return seconds;
}

async function timedBuild(seedsDir: string, indexDir: string, full: boolean): Promise<{ seconds: number; summary: BuildSummary }> {
  const started = performance.now();
  const summary = await buildIndex({ seeds: [seedsDir], indexDir, full });
  return { seconds: (performance.now() - started) / 1000, summary };
}

/**
 * Full build into `indexDir`, then the incremental one. The extra file is removed again afterwards
 * (one more, untimed build), so the index holds exactly the corpus for the query and server scenarios.
 */
export async function measureBuilds(seedsDir: string, indexDir: string, corpus: Corpus, extra: string, checks: Checks): Promise<BuildFigures> {
  const floor_before_s = measureCutFloor(corpus, checks);
  const articles = corpus.records.length;

  const full = await timedBuild(seedsDir, indexDir, true);
  const floor_after_s = measureCutFloor(corpus, checks);
  checks.expect(
    full.summary.articles === articles && full.summary.problems.length === 0,
    `full build: ${full.summary.articles} articles indexed and ${full.summary.problems.length} problems, expected ${articles} (the corpus records) and 0`,
  );

  const extraPath = path.join(seedsDir, EXTRA_FILE);
  await writeFile(extraPath, extra);
  const incremental = await timedBuild(seedsDir, indexDir, false);
  const added = incremental.summary;
  checks.expect(
    added.articles === articles + EXTRA_ARTICLES && added.articlesAnalyzed === EXTRA_ARTICLES && added.added.join() === EXTRA_FILE,
    `incremental build: ${added.articlesAnalyzed} articles analyzed, ${added.articles} indexed, added [${added.added.join(", ")}]; expected ${EXTRA_ARTICLES}, ${articles + EXTRA_ARTICLES}, [${EXTRA_FILE}]`,
  );

  await rm(extraPath);
  const { summary: reverted } = await timedBuild(seedsDir, indexDir, false);
  checks.expect(
    reverted.articles === articles && reverted.articlesAnalyzed === 0 && reverted.removed.join() === EXTRA_FILE,
    `removing ${EXTRA_FILE} again: ${reverted.articles} articles indexed, ${reverted.articlesAnalyzed} analyzed, removed [${reverted.removed.join(", ")}]; expected ${articles}, 0, [${EXTRA_FILE}]`,
  );
  return { floor_s: (floor_before_s + floor_after_s) / 2, floor_before_s, floor_after_s, build_s: full.seconds, incremental_s: incremental.seconds };
}
