import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SearchError } from "../../src/errors.js";
import { connectionString } from "../../src/index/postgres-proxy.js";
import { parseShardMap, shardOf } from "../../src/index/shard-map.js";
import { inlineParameters } from "../../src/search/postgres-shards.js";

const A = "postgres://news@db1:5432/news_a";
const B = "postgres://news@db2:5433/news_b";

function refusal(specs: string[]): string {
  try {
    parseShardMap(specs);
  } catch (error) {
    expect(error).to.be.instanceOf(SearchError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${specs.join(" ")}`);
}

describe("shard map", () => {
  it("reads URL=FROM..TO shards, routes each date to the shard whose range holds it, undated ones to the first", () => {
    const map = parseShardMap([`${A}=..2016`, `${B}=2017..`]);
    expect(map.shards.map(({ name, from, to }) => ({ name, from, to }))).to.deep.equal([
      { name: "news_a", from: undefined, to: "2016-12-31" },
      { name: "news_b", from: "2017-01-01", to: undefined },
    ]);
    expect(shardOf(map, "2016-12-31").name).to.equal("news_a");
    expect(shardOf(map, "2017-01-01T08:00:00+08:00").name).to.equal("news_b");
    expect(shardOf(map, undefined).name).to.equal("news_a");
    const months = parseShardMap([`${A}=..2016-06`, `${B}?sslmode=disable=2016-07..`]);
    expect(months.shards[0]!.to).to.equal("2016-06-30");
    expect(months.shards[1]!.url).to.equal(`${B}?sslmode=disable`);
    const leap = parseShardMap([`${A}=..2020-02`, `${B}=2020-03-01..`]);
    expect(leap.shards[0]!.to).to.equal("2020-02-29");
  });

  it("refuses gaps, overlaps, closed outer ends, bad bounds and URLs, and shard counts PL/Proxy cannot address", () => {
    expect(refusal([`${A}=..2015`, `${B}=2017..`])).to.contain("do not meet");
    expect(refusal([`${A}=..2017`, `${B}=2017..`])).to.contain("do not meet");
    expect(refusal([`${A}=2000..2016`, `${B}=2017..`])).to.contain("open at the start");
    expect(refusal([`${A}=..2016`, `${B}=2017..2020`])).to.contain("open at the end");
    expect(refusal([`${A}=..2016-13`, `${B}=2017..`])).to.contain('"2016-13" is not a year, month or day');
    expect(refusal([`${A}`, `${B}=2017..`])).to.contain("has no =DATES");
    expect(refusal([`mysql://db/x=..2016`, `${B}=2017..`])).to.contain("is not a database URL");
    expect(refusal([`${A}=..2016`, `${B}=2017..2018`, `postgres://db3/news_c=2019..`])).to.contain("power of two");
    expect(refusal([`${A}=..2016`, `${A}=2017..`])).to.contain("same database");
  });

  it("reads a shard map file (comments and blank lines skipped) and names two shards' databases of one name by server", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "shard-map-"));
    try {
      const file = path.join(dir, "shards.txt");
      writeFileSync(file, `# archive by date\npostgres://db1/news=..2016\n\npostgres://db2/news=2017..  # since 2017\n`);
      expect(parseShardMap([], file).shards.map(({ name, dates }) => `${name} ${dates}`)).to.deep.equal(["db1:5432/news ..2016", "db2:5432/news 2017.."]);
      writeFileSync(file, "postgres://db1/news=..2016\npostgres://db2/news=2018..\n");
      expect(() => parseShardMap([], file)).to.throw(/do not meet/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a URL as PL/Proxy's libpq connection string, quoted", () => {
    expect(connectionString("postgres://news:p%27w@db1:5433/news_a?sslmode=require")).to.equal("host='db1' port='5433' dbname='news_a' user='news' password='p\\'w' sslmode='require'");
  });

  it("inlines query parameters as literals ($10 is not $1 followed by 0)", () => {
    const values = ["a'b", 0.1 + 0.2, null, 4, 5, 6, 7, 8, 9, "ten"];
    expect(inlineParameters("SELECT $1, $2, $3, $10", values)).to.equal("SELECT 'a''b', (0.30000000000000004), NULL, 'ten'");
    expect(inlineParameters("SELECT $1::text[]", [["中国", 'x"{,}']])).to.equal(String.raw`SELECT  E'{"中国","x\\"{,}"}'::text[]`);
    expect(() => inlineParameters("SELECT $2", [1])).to.throw(/\$2 has no value/);
  });
});
