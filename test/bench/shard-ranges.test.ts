// The bench's date-range shards (`npm run bench -- --backend postgres --shards N`): ranges that the
// loader accepts (shard-map.ts) and that split the records into parts of about equal size.
import { expect } from "chai";
import { evenDateRanges } from "../../bench/postgres.js";
import { UsageError } from "../../bench/checks.js";
import { parseShardMap, shardOf } from "../../src/index/shard-map.js";

/** `perDay` records on each of these days, in any order, with times as the corpus writes them. */
const recordsOn = (days: Record<string, number>): string[] =>
  Object.entries(days)
    .reverse()
    .flatMap(([day, count]) => Array.from({ length: count }, () => `${day}T19:00:00+08:00`));

const shardSizes = (dates: readonly (string | undefined)[], ranges: readonly string[]): number[] => {
  const map = parseShardMap(ranges.map((range, i) => `postgres://news@db${i}:5432/news_${i}=${range}`));
  return map.shards.map((shard) => dates.filter((date) => shardOf(map, date) === shard).length);
};

describe("bench: shards of about equal size by date", () => {
  it("splits two years into two open ranges that meet, each day whole", () => {
    const dates = recordsOn({ "2019-12-30": 3, "2019-12-31": 2, "2020-01-01": 4, "2020-01-02": 1 });
    const ranges = evenDateRanges(dates, 2);
    expect(ranges).to.deep.equal(["..2019-12-31", "2020-01-01.."]);
    expect(shardSizes(dates, ranges)).to.deep.equal([5, 5]);
  });

  it("makes four ranges of a longer archive, each within a few records of a quarter", () => {
    const days: Record<string, number> = {};
    for (let day = 1; day <= 28; day++) days[`2021-02-${String(day).padStart(2, "0")}`] = 1 + (day % 3);
    const dates = recordsOn(days);
    const ranges = evenDateRanges(dates, 4);
    expect(ranges[0]).to.match(/^\.\.2021-02-\d\d$/);
    expect(ranges[3]).to.match(/^2021-02-\d\d\.\.$/);
    const sizes = shardSizes(dates, ranges);
    expect(sizes.reduce((sum, size) => sum + size, 0)).to.equal(dates.length);
    for (const size of sizes) expect(Math.abs(size - dates.length / 4)).to.be.at.most(3);
  });

  it("leaves undated records to the first shard and cuts the dated ones", () => {
    const dates = [undefined, undefined, ...recordsOn({ "2012-07-02": 2, "2012-07-03": 2 })];
    expect(evenDateRanges(dates, 2)).to.deep.equal(["..2012-07-02", "2012-07-03.."]);
  });

  it("refuses, saying what to do, when the days are too few to cut", () => {
    expect(() => evenDateRanges(recordsOn({ "2020-05-01": 9 }), 2)).to.throw(UsageError, /cannot be split into 2 date ranges; use fewer shards/);
    expect(() => evenDateRanges(recordsOn({ "2020-05-01": 5, "2020-05-02": 1 }), 4)).to.throw(UsageError, /--shards 4/);
    expect(() => evenDateRanges([], 2)).to.throw(UsageError);
  });
});
