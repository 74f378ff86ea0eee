// Downloads: every match as CSV (UTF-8 with a BOM, so that Excel and WPS read Chinese correctly;
// quoted by csv-stringify) or JSON Lines. Rows are pulled from a generator a batch at a time and
// each batch is encoded and written at once: a write per row was a third of an export's time.
// Memory stays flat whatever the number of rows: when the client reads slowly, the next batch waits
// for the stream to drain. An export is long by nature, so it also gives the thread back to other
// requests every SLICE_MS. The file is named after the query (RFC 5987, via Express).
import { stringify } from "csv-stringify/sync";
import type { Response } from "express";
import type { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { RowStream } from "../search/backend.js";
import type { ExportFormat } from "./validate.js";

/**
 * Rows encoded and written together: about 35,000 characters of occurrence rows, well below V8's
 * large-object size (128 KiB), so a batch dies young. Batches of 256 rows (strings of about 360 KB)
 * were promoted while the socket wrote them, and the old space grew by 50–80 MB in one export.
 */
const BATCH_ROWS = 64;
/** Milliseconds of work after which an export lets other requests in (as a search's slice). */
export const EXPORT_SLICE_MS = 10;

/** A file name from the query: characters that file systems refuse become "_", at most 60 characters. */
export function exportFileName(kind: string, query: string, format: ExportFormat): string {
  const stem = query.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "_").trim().slice(0, 60) || "query";
  return `${kind}-${stem}.${format}`;
}

/** Streams `rows` as the download; resolves when sent, or when the client went away. */
export async function sendExport<Row extends object>(
  response: Response,
  rows: RowStream<Row>,
  columns: ReadonlyArray<keyof Row & string>,
  format: ExportFormat,
  fileName: string,
): Promise<void> {
  response.attachment(fileName);
  response.type(format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
  // A client that stops reading (a cancelled download) is not a server error: the export just stops.
  if (await writeRows(response, rows, columns, format)) response.end();
}

type Encoder<Row> = (batch: readonly Row[], first: boolean) => string;

function csvEncoder<Row extends object>(columns: ReadonlyArray<keyof Row & string>): Encoder<Row> {
  const cast = { object: (value: object) => (Array.isArray(value) ? value.join("、") : JSON.stringify(value)) };
  // One stringify per batch; the BOM and the header come with the first (also when there are no rows).
  return (batch, first) => stringify(batch as Row[], { bom: first, header: first, columns: [...columns], cast });
}

function jsonLinesEncoder<Row extends object>(columns: ReadonlyArray<keyof Row & string>): Encoder<Row> {
  const keys = [...columns];
  return (batch) => {
    let text = "";
    for (const row of batch) text += `${JSON.stringify(row, keys)}\n`;
    return text;
  };
}

/**
 * Writes `rows` to `out` as CSV (with a BOM and a header) or JSON Lines, a batch at a time, waiting
 * for `out` to drain after each batch that fills its buffer and yielding to the event loop at least
 * every EXPORT_SLICE_MS. Does not end `out`. False when `out` was closed before the last row.
 */
export async function writeRows<Row extends object>(out: Writable, rows: RowStream<Row>, columns: ReadonlyArray<keyof Row & string>, format: ExportFormat): Promise<boolean> {
  const encode: Encoder<Row> = format === "csv" ? csvEncoder(columns) : jsonLinesEncoder(columns);
  // Rows from a database come asynchronously; the embedded engine's are taken without a promise each.
  const iterator: Iterator<Row> | AsyncIterator<Row> = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]();
  // A write that fails (the reader went away: EPIPE on a terminal's pipe) ends the export, quietly.
  let failed = false;
  const onError = (): void => void (failed = true);
  out.on("error", onError);
  try {
    let sliceEnd = performance.now() + EXPORT_SLICE_MS;
    for (let first = true, done = false; !done; first = false) {
      const batch: Row[] = [];
      while (batch.length < BATCH_ROWS) {
        const pending = iterator.next();
        const next = pending instanceof Promise ? await pending : pending;
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
      if (failed || out.destroyed || out.writableEnded) return false;
      if (!out.write(encode(batch, first)) && !(await drained(out))) return false;
      // A drain can come before the event loop has run (a fast reader: on the next tick), so the
      // slice is checked in any case: other requests get the thread every EXPORT_SLICE_MS.
      if (performance.now() > sliceEnd) {
        await nextTurn();
        sliceEnd = performance.now() + EXPORT_SLICE_MS;
      }
    }
    return !failed;
  } finally {
    out.off("error", onError);
  }
}

/** Resolves true when `out` can take more, false when it was closed or failed first (the client went away). */
function drained(out: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (value: boolean) => () => {
      out.off("drain", onDrain);
      out.off("close", onClose);
      out.off("error", onClose);
      resolve(value);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    out.on("drain", onDrain);
    out.on("close", onClose);
    out.on("error", onClose);
  });
}
