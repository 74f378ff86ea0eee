// Scenario: in-process search, top 10 with snippets (search + searchView, what the API returns),
// warm. Title and keyword queries are timed apart from quoted phrases; the untimed passes first
// check the answers and warm the JIT up.
import { searchView } from "../src/present/results.js";
import type { IndexSnapshot } from "../src/index/index-reader.js";
import { isHan, pinyinKey } from "../src/analysis/pinyin.js";
import { search } from "../src/search/search.js";
import { complete } from "../src/search/suggest.js";
import type { Checks } from "./checks.js";
import { queryText, type EvalQuery } from "./known-item.js";
import { percentile } from "./stats.js";

const PAGE = { page: 1, size: 10, sort: "relevance" } as const;
/**
 * Untimed passes over the queries before the timed ones. One was not enough for "warm": V8 was
 * still optimizing functions in the second pass (154, 56, 28, 12… optimizations in passes 1, 2, 3,
 * 4 on the full corpus; --trace-opt), and that pass alone took the keyword p99 from about 2 to 5-8 ms.
 */
export const WARM_PASSES = 3;

export interface QueryFigures {
  keyword_p50_ms: number;
  keyword_p99_ms: number;
  phrase_p50_ms: number;
  phrase_p99_ms: number;
  keyword_queries: number;
  phrase_queries: number;
  /** Share of title and keyword queries (target indexed) whose target is in the top 10. */
  keyword_success10: number;
  /** GET /api/suggest's work in-process: completions of Chinese and pinyin prefixes of the queries' words. */
  suggest_p50_ms: number;
  suggest_p99_ms: number;
  suggest_prefixes: number;
}

/** The queries with the highest median time: where a missed p99 comes from. */
export interface SlowQuery {
  qid: string;
  query: string;
  median_ms: number;
}

interface Answer {
  ms: number;
  total: number;
  phraseArticles: number | undefined;
  ids: string[];
}

function ask(snapshot: IndexSnapshot, q: string): Answer {
  const started = performance.now();
  const result = search(snapshot, { query: q, ...PAGE });
  const view = searchView(result, { q, ...PAGE }, performance.now() - started);
  const ms = performance.now() - started;
  return { ms, total: view.total, phraseArticles: view.phrases[0]?.articles, ids: view.hits.map((hit) => hit.id) };
}

/**
 * `indexed` holds the ids in the index. The dev set's `relevant` lists every story of the whole
 * corpus holding a phrase, so on a --limit slice the exact count is the part of it in the slice.
 */
function checkAnswer(query: EvalQuery, answer: Answer, indexed: ReadonlySet<string>, checks: Checks): boolean {
  const relevant = query.relevant.filter((id) => indexed.has(id));
  if (query.type === "phrase") {
    const strays = answer.ids.filter((id) => !relevant.includes(id));
    checks.expect(
      answer.phraseArticles === relevant.length && answer.total === relevant.length && strays.length === 0,
      `phrase ${query.qid} "${query.query}": ${answer.phraseArticles} articles, ${answer.total} hits, expected ${relevant.length} (the relevant ones)${strays.length ? `; not relevant: ${strays.join(", ")}` : ""}`,
    );
    return false;
  }
  if (relevant.length === 0) return false;
  const found = answer.ids.some((id) => relevant.includes(id));
  // An exact, unique headline must bring its story into the top 10; keywords must at least match it.
  if (query.type === "title") {
    checks.expect(found, `title ${query.qid} ${query.query}: ${answer.total} hits, target ${relevant.join()} ${found ? "in" : "NOT in"} the top 10`);
  } else {
    checks.expect(answer.total > 0, `keywords ${query.qid} ${query.query}: ${answer.total} hits, expected some`);
  }
  return found;
}

export function measureQueries(
  snapshot: IndexSnapshot,
  queries: readonly EvalQuery[],
  rounds: number,
  checks: Checks,
): { figures: QueryFigures; slowest: SlowQuery[] } {
  const indexed = new Set<string>();
  for (const query of queries) for (const id of query.relevant) if (snapshot.findArticle(id) !== undefined) indexed.add(id);
  const words = queries.filter((query) => query.type !== "phrase");
  const phrases = queries.filter((query) => query.type === "phrase");

  const judged = words.filter((query) => query.relevant.some((id) => indexed.has(id))).length;
  let found = 0;
  for (const query of queries) if (checkAnswer(query, ask(snapshot, queryText(query)), indexed, checks)) found++;
  for (let pass = 1; pass < WARM_PASSES; pass++) for (const query of queries) ask(snapshot, queryText(query));
  checks.expect(words.length > 0 && phrases.length > 0, `query set: ${words.length} title/keyword and ${phrases.length} phrase queries, expected some of each`);
  checks.expect(judged > 0, `query set: ${judged} title/keyword targets in the index, expected 1 or more${judged ? "" : " (raise --limit)"}`);

  const times = new Map<EvalQuery, number[]>(queries.map((query) => [query, []]));
  for (let round = 0; round < rounds; round++) {
    for (const query of [...words, ...phrases]) times.get(query)!.push(ask(snapshot, queryText(query)).ms);
  }
  const wordTimes = words.flatMap((query) => times.get(query)!);
  const phraseTimes = phrases.flatMap((query) => times.get(query)!);
  const slowest = [...times]
    .map(([query, ms]) => ({ qid: query.qid, query: queryText(query), median_ms: Math.round(percentile(ms, 50) * 1000) / 1000 }))
    .sort((a, b) => b.median_ms - a.median_ms)
    .slice(0, 5);
  const suggest = measureSuggest(snapshot, words, rounds);
  const figures: QueryFigures = {
    keyword_p50_ms: percentile(wordTimes, 50),
    keyword_p99_ms: percentile(wordTimes, 99),
    phrase_p50_ms: percentile(phraseTimes, 50),
    phrase_p99_ms: percentile(phraseTimes, 99),
    keyword_queries: words.length,
    phrase_queries: phrases.length,
    keyword_success10: found / judged,
    ...suggest,
  };
  return { figures, slowest };
}

/** What a search box sends while the queries' first words are typed: 1 and 2 characters, and 1 to 4 letters of their pinyin. */
function typedPrefixes(queries: readonly EvalQuery[]): string[] {
  const prefixes = new Set<string>();
  for (const query of queries) {
    const word = query.query.split(/\s+/)[0]!;
    if (!isHan(word.slice(0, 2))) continue;
    prefixes.add(word.slice(0, 1)).add(word.slice(0, 2));
    const key = pinyinKey(word.slice(0, 2));
    for (let length = 1; length <= Math.min(4, key.length); length++) prefixes.add(key.slice(0, length));
  }
  return [...prefixes];
}

function measureSuggest(snapshot: IndexSnapshot, queries: readonly EvalQuery[], rounds: number): Pick<QueryFigures, "suggest_p50_ms" | "suggest_p99_ms" | "suggest_prefixes"> {
  const prefixes = typedPrefixes(queries);
  // The vocabulary is built on the first completion (as in the server): not part of a completion's time.
  for (let pass = 0; pass < WARM_PASSES; pass++) for (const prefix of prefixes) complete(snapshot, prefix);
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const prefix of prefixes) {
      const started = performance.now();
      complete(snapshot, prefix);
      times.push(performance.now() - started);
    }
  }
  return { suggest_p50_ms: percentile(times, 50), suggest_p99_ms: percentile(times, 99), suggest_prefixes: prefixes.length };
}
