// Exports written a batch at a time: the output parses back (csv-parse) to the rows, whatever their
// text; a slow reader holds the export (rows are pulled only as the stream drains); a reader that
// goes away stops it; other work gets the thread while a long export runs.
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { writeRows } from "../../src/web/export.js";

interface Row {
  id: string;
  text: string;
  authors: string[];
  line: number;
}

const COLUMNS = ["id", "text", "authors", "line"] as const;
const AWKWARD = ['逗号,和"引号"', "换行\n第二行", "\r\n回车", " 前后空格 ", "", "=1+1", "中国"];

/** `count` rows, counting how many have been pulled so far. */
function counted(count: number): { rows: Iterable<Row>; pulled: () => number } {
  let pulled = 0;
  function* rows(): Generator<Row> {
    for (let i = 0; i < count; i++) {
      pulled++;
      yield { id: `a${i}`, text: AWKWARD[i % AWKWARD.length]!, authors: i % 3 === 0 ? [] : ["王尚磊", "张红"], line: i + 1 };
    }
  }
  return { rows: rows(), pulled: () => pulled };
}

/** A writable that keeps what it gets; `hold` makes it take nothing more until released. */
function sink(highWaterMark = 16 * 1024): Writable & { text: () => string; release: () => void; hold: boolean } {
  const chunks: Buffer[] = [];
  let pending: (() => void) | undefined;
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      if (out.hold) pending = done;
      else done();
    },
  }) as Writable & { text: () => string; release: () => void; hold: boolean };
  out.hold = false;
  out.text = () => Buffer.concat(chunks).toString("utf8");
  out.release = () => {
    out.hold = false;
    const done = pending;
    pending = undefined;
    done?.();
  };
  return out;
}

describe("export", () => {
  it("writes CSV with a BOM and a header that a real parser reads back to the rows, across batches", async () => {
    const out = sink();
    const { rows } = counted(1000);
    expect(await writeRows(out, rows, COLUMNS, "csv")).to.equal(true);
    const text = out.text();
    expect(text.charCodeAt(0)).to.equal(0xfeff);
    const parsed = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(parsed).to.have.length(1000);
    parsed.forEach((row, i) => {
      expect(row).to.deep.equal({ id: `a${i}`, text: AWKWARD[i % AWKWARD.length], authors: i % 3 === 0 ? "" : "王尚磊、张红", line: String(i + 1) });
    });
    expect(text.match(/^\uFEFFid,text,authors,line\n/), "one header, at the start").not.to.equal(null);
    expect(text.split("id,text,authors,line")).to.have.length(2);
  });

  it("writes the BOM and header alone when nothing matches, and JSON Lines with the columns in order", async () => {
    const empty = sink();
    await writeRows(empty, [], COLUMNS, "csv");
    expect(empty.text()).to.equal("\uFEFFid,text,authors,line\n");
    const jsonl = sink();
    await writeRows(jsonl, counted(600).rows, COLUMNS, "jsonl");
    const lines = jsonl.text().trimEnd().split("\n");
    expect(lines).to.have.length(600);
    expect(lines[1]).to.equal(JSON.stringify({ id: "a1", text: AWKWARD[1], authors: ["王尚磊", "张红"], line: 2 }));
  });

  it("pulls rows only as the reader drains: a reader that stops holds the export, not the memory", async () => {
    const out = sink();
    out.hold = true;
    const { rows, pulled } = counted(100_000);
    const writing = writeRows(out, rows, COLUMNS, "csv");
    for (let i = 0; i < 50; i++) await nextTurn();
    const whileHeld = pulled();
    expect(whileHeld, "one batch is written, then the export waits for the stream to drain").to.be.above(0).and.at.most(512);
    for (let i = 0; i < 50; i++) await nextTurn();
    expect(pulled(), "nothing more while the reader does not read").to.equal(whileHeld);
    // Read on: every later batch again waits for its write.
    const reading = setInterval(() => out.release(), 0);
    const timer = setInterval(() => (out.hold = true), 0);
    await writing;
    clearInterval(reading);
    clearInterval(timer);
    out.release();
    expect(pulled()).to.equal(100_000);
    expect(parse(out.text(), { bom: true, columns: true })).to.have.length(100_000);
  });

  it("stops when the reader goes away, without pulling the remaining rows", async () => {
    const out = sink();
    out.hold = true;
    const { rows, pulled } = counted(100_000);
    const writing = writeRows(out, rows, COLUMNS, "csv");
    await nextTurn();
    out.destroy();
    expect(await writing).to.equal(false);
    expect(pulled()).to.be.at.most(512);
  });

  for (const [reader, highWaterMark] of [["never full", 1 << 30], ["draining at once (on the next tick)", 16 * 1024]] as const) {
    it(`lets other work run between its slices when the reader is fast: ${reader}`, async () => {
      const out = sink(highWaterMark);
      let turns = 0;
      let exporting = true;
      const others = (async () => {
        while (exporting) {
          await nextTurn();
          turns++;
        }
      })();
      await writeRows(out, counted(200_000).rows, COLUMNS, "csv");
      exporting = false;
      await others;
      expect(turns, "other work ran while 200,000 rows were encoded").to.be.at.least(3);
    });
  }
});
