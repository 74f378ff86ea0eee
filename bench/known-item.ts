// The known-item query set (../shared/eval/*.jsonl) and how search is scored against it.
import { readFileSync } from "node:fs";
import type { IndexSnapshot } from "../src/index/index-reader.js";
import { search } from "../src/search/search.js";

export interface EvalQuery {
  qid: string;
  query: string;
  type: "title" | "keywords" | "phrase";
  relevant: string[];
}

export function readQueries(file: string): EvalQuery[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const query = JSON.parse(line) as EvalQuery;
      if (typeof query.query !== "string" || !Array.isArray(query.relevant)) throw new Error(`${file}:${i + 1}: expected {qid, query, type, relevant[]}`);
      return query;
    });
}

/** How the query is sent: phrase queries quoted, as a reporter would type them. */
export function queryText(query: EvalQuery): string {
  return query.type === "phrase" ? `"${query.query}"` : query.query;
}

/** 1-based rank of the first relevant id in `ids`, or 0. */
export function firstRelevantRank(ids: readonly string[], relevant: readonly string[]): number {
  const wanted = new Set(relevant);
  const index = ids.findIndex((id) => wanted.has(id));
  return index < 0 ? 0 : index + 1;
}

export interface EvalReport {
  byType: Record<string, { queries: number; mrr10: number; success1: number; success10: number }>;
  phrases: { queries: number; precision: number; recall: number; exactCount: number };
  misses: string[];
}

/** Phrase queries fetch every match (up to this many) so precision and recall are exact. */
const PHRASE_FETCH = 5000;

export function evaluate(snapshot: IndexSnapshot, queries: readonly EvalQuery[]): EvalReport {
  const byType: EvalReport["byType"] = {};
  const misses: string[] = [];
  let precisionSum = 0;
  let recallSum = 0;
  let exactCounts = 0;
  let phraseQueries = 0;
  for (const query of queries) {
    if (query.type === "phrase") {
      const result = search(snapshot, { query: queryText(query), page: 1, size: PHRASE_FETCH, sort: "relevance" });
      const found = new Set(result.hits.map((hit) => hit.article.id));
      const relevant = new Set(query.relevant);
      const truePositives = [...found].filter((id) => relevant.has(id)).length;
      const precision = found.size === 0 ? (relevant.size === 0 ? 1 : 0) : truePositives / found.size;
      const recall = relevant.size === 0 ? 1 : truePositives / relevant.size;
      precisionSum += precision;
      recallSum += recall;
      if (result.phrases[0]?.articles === relevant.size) exactCounts++;
      else misses.push(`${query.qid} count ${result.phrases[0]?.articles} ≠ ${relevant.size}`);
      if (precision < 1 || recall < 1) misses.push(`${query.qid} ${query.query}: precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}`);
      phraseQueries++;
      continue;
    }
    const result = search(snapshot, { query: queryText(query), page: 1, size: 10, sort: "relevance" });
    const rank = firstRelevantRank(result.hits.map((hit) => hit.article.id), query.relevant);
    const entry = (byType[query.type] ??= { queries: 0, mrr10: 0, success1: 0, success10: 0 });
    entry.queries++;
    entry.mrr10 += rank > 0 ? 1 / rank : 0;
    entry.success1 += rank === 1 ? 1 : 0;
    entry.success10 += rank > 0 ? 1 : 0;
    if (rank !== 1) misses.push(`${query.qid} ${query.query}: rank ${rank || ">10"} (total ${result.total}${result.relaxed ? ", relaxed" : ""})`);
  }
  for (const entry of Object.values(byType)) {
    entry.mrr10 /= entry.queries;
    entry.success1 /= entry.queries;
    entry.success10 /= entry.queries;
  }
  const n = Math.max(1, phraseQueries);
  return { byType, phrases: { queries: phraseQueries, precision: precisionSum / n, recall: recallSum / n, exactCount: exactCounts / n }, misses };
}

