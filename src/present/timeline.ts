// Timelines → what the API answers and what the pages draw: the series of one to four queries over
// the same periods, and the geometry of the bar chart (the SVG itself is views/partials/timeline.ejs,
// which escapes every text). Each bar links to the results of its query within its period.
import { formatFilter } from "../search/query-parser.js";
import { periodsBetween, type Tally, type Timeline, type TimelineBucket, type TimelineUnit } from "../search/timeline.js";
import { listUrl } from "./links.js";

export interface TimelineSeries {
  query: string;
  buckets: TimelineBucket[];
  undated: Tally;
  total: Tally;
}

/** The first query's series at the top level (the API's shape for one query); `series` holds all of them when several are compared. */
export interface TimelineView extends TimelineSeries {
  by: TimelineUnit;
  took_ms: number;
  series?: TimelineSeries[];
}

export function timelineView(timelines: ReadonlyArray<Timeline & { query: string }>, by: TimelineUnit, tookMs: number): TimelineView {
  // Compared queries share one axis: every period from the earliest match of any to the latest.
  const periods = periodsBetween(timelines.flatMap((one) => one.buckets.map((bucket) => bucket.period)), by);
  const series = timelines.map(({ query, buckets, undated, total }) => {
    const byPeriod = new Map(buckets.map((bucket) => [bucket.period, bucket]));
    return { query, undated, total, buckets: periods.map((period) => byPeriod.get(period) ?? { period, articles: 0, occurrences: 0 }) };
  });
  const { query, buckets, undated, total } = series[0]!;
  return { query, by, buckets, undated, total, took_ms: Math.round(tookMs * 100) / 100, ...(series.length > 1 ? { series } : {}) };
}

/** The results of `query` within `period` (`date:2018-03` added to it). */
export function periodUrl(query: string, period: string): string {
  return listUrl("/", { q: `${query} ${formatFilter("date", period)}` });
}

export interface ChartBar {
  x: number;
  y: number;
  width: number;
  height: number;
  series: number;
  query: string;
  period: string;
  articles: number;
  occurrences: number;
  href: string;
}

export interface Chart {
  by: TimelineUnit;
  width: number;
  height: number;
  /** Height of the plot area; the axis labels go below it. */
  plotHeight: number;
  maxArticles: number;
  bars: ChartBar[];
  labels: Array<{ x: number; text: string }>;
  series: TimelineSeries[];
}

const PLOT_HEIGHT = 140;
const LABEL_HEIGHT = 20;
/** The chart is about this wide: a few periods get wide bars, many get narrow ones (at least MIN_GROUP). */
const TARGET_WIDTH = 640;
const MIN_GROUP = 6;
const MAX_GROUP = 64;
/** Axis labels at most every this many units of width, so that they do not overlap. */
const LABEL_SPACING = 44;

/** Bars of articles per period, the compared queries side by side within a period. */
export function timelineChart(view: TimelineView): Chart {
  const series = view.series ?? [view];
  const periods = series[0]!.buckets.map((bucket) => bucket.period);
  const groupWidth = Math.min(MAX_GROUP, Math.max(MIN_GROUP * series.length, Math.floor(TARGET_WIDTH / Math.max(1, periods.length))));
  const gap = Math.max(1, Math.round(groupWidth / 5));
  const barWidth = (groupWidth - gap) / series.length;
  const maxArticles = Math.max(1, ...series.flatMap((one) => one.buckets.map((bucket) => bucket.articles)));
  const bars: ChartBar[] = [];
  series.forEach((one, s) => {
    one.buckets.forEach((bucket, p) => {
      const height = bucket.articles === 0 ? 0 : Math.max(1, Math.round((bucket.articles / maxArticles) * PLOT_HEIGHT));
      bars.push({ x: p * groupWidth + s * barWidth, y: PLOT_HEIGHT - height, width: barWidth, height, series: s, query: one.query, ...bucket, href: periodUrl(one.query, bucket.period) });
    });
  });
  const every = Math.max(1, Math.ceil(LABEL_SPACING / groupWidth));
  const labels = periods.flatMap((period, p) => (p % every === 0 ? [{ x: p * groupWidth, text: period }] : []));
  return { by: view.by, width: Math.max(groupWidth * periods.length, LABEL_SPACING * 2), height: PLOT_HEIGHT + LABEL_HEIGHT, plotHeight: PLOT_HEIGHT, maxArticles, bars, labels, series };
}
