// Scenario: the reporter's workbench. Facets of every dev query (in-process, warm), the timeline of
// 中国 by month (in-process), and an export of every occurrence of "中国" as CSV from the running
// server: its time and how much the server's RSS grows meanwhile (sampled every 20 ms).
import { parse } from "csv-parse";
import { Readable } from "node:stream";
import { FACET_FIELDS } from "../src/index/schema.js";
import type { IndexSnapshot } from "../src/index/index-reader.js";
import { countFacets } from "../src/search/facets.js";
import { listOccurrences, matchQuery } from "../src/search/search.js";
import { timeline } from "../src/search/timeline.js";
import type { Checks } from "./checks.js";
import { rssMegabytes, type ListeningChild } from "./child.js";
import { queryText, type EvalQuery } from "./known-item.js";
import { percentile } from "./stats.js";

export interface WorkbenchFigures {
  facets_p50_ms: number;
  facets_p99_ms: number;
  timeline_ms: number;
  timeline_articles: number;
  export_s: number;
  export_rows: number;
  export_rss_growth_mb: number;
}

export const TIMELINE_QUERY = "中国";
export const EXPORT_QUERY = '"中国"';
const PASSES = 3;

/** Facets of each query (year, month, author, source over all its matches), after a warm pass; checked against the totals. */
export function measureFacets(snapshot: IndexSnapshot, queries: readonly EvalQuery[], checks: Checks): { p50: number; p99: number } {
  const times: number[] = [];
  for (let pass = 0; pass <= PASSES; pass++) {
    for (const item of queries) {
      const { matched, query } = matchQuery(snapshot, queryText(item));
      const started = performance.now();
      const facets = countFacets(snapshot, matched, FACET_FIELDS, query);
      if (pass > 0) times.push(performance.now() - started);
      else {
        const sources = facets.source!.reduce((sum, value) => sum + value.count, 0);
        checks.expect(sources === matched.length, `facets of ${item.qid}: sources count ${sources} articles, the query matches ${matched.length}`);
      }
    }
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** The timeline of 中国 by month, the median of five after a warm one; its buckets must sum to the matches. */
export function measureTimeline(snapshot: IndexSnapshot, checks: Checks): { ms: number; articles: number } {
  const times: number[] = [];
  let articles = 0;
  for (let run = 0; run < 6; run++) {
    const started = performance.now();
    const line = timeline(snapshot, TIMELINE_QUERY, "month");
    if (run > 0) times.push(performance.now() - started);
    articles = line.total.articles;
    const sum = line.buckets.reduce((total, bucket) => total + bucket.articles, line.undated.articles);
    checks.expect(sum === articles, `timeline of ${TIMELINE_QUERY}: buckets sum to ${sum}, the total is ${articles}`);
  }
  const listed = listOccurrences(snapshot, { query: TIMELINE_QUERY, page: 1, size: 1, sort: "relevance" });
  checks.expect(listed.articles === articles, `timeline of ${TIMELINE_QUERY}: ${articles} articles, the search finds ${listed.articles}`);
  return { ms: percentile(times, 50), articles };
}

/** Downloads every occurrence of "中国" as CSV from the server, counting the rows as they stream in. */
export async function measureExport(snapshot: IndexSnapshot, server: ListeningChild, checks: Checks): Promise<{ s: number; rows: number; rssGrowthMb: number }> {
  const expected = listOccurrences(snapshot, { query: EXPORT_QUERY, page: 1, size: 1, sort: "relevance" }).total;
  const before = rssMegabytes(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMegabytes(server.pid))), 20);
  const started = performance.now();
  let rows = 0;
  try {
    const response = await fetch(`${server.url}/api/occurrences?q=${encodeURIComponent(EXPORT_QUERY)}&format=csv`);
    checks.expect(response.ok && response.body !== null, `export of ${EXPORT_QUERY}: HTTP ${response.status}`);
    // Parsed as it arrives by a real CSV parser: quoted fields hold commas and line breaks.
    const parser = Readable.fromWeb(response.body as never).pipe(parse({ bom: true, columns: true }));
    for await (const row of parser as AsyncIterable<Record<string, string>>) if (row.match) rows++;
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, rssMegabytes(server.pid));
  checks.expect(rows === expected, `export of ${EXPORT_QUERY}: ${rows} rows, the concordance counts ${expected} occurrences`);
  return { s: seconds, rows, rssGrowthMb: peak - before };
}
