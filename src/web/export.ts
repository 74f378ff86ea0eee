// Downloads: every match as CSV (UTF-8 with a BOM, so that Excel and WPS read Chinese correctly;
// quoted by csv-stringify) or JSON Lines, streamed row by row from a generator, so that memory stays
// flat whatever the number of rows. The file is named after the query (RFC 5987, via Express).
import { stringify } from "csv-stringify";
import type { Response } from "express";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RowStream } from "../search/backend.js";
import type { ExportFormat } from "./validate.js";

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
  try {
    await writeRows(response, rows, columns, format);
  } catch (error) {
    // A client that stops reading (a cancelled download) is not a server error.
    if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
  }
}

/** Writes `rows` to `out` as CSV (with a BOM and a header) or JSON Lines, pulling one row at a time as `out` drains. */
export async function writeRows<Row extends object>(out: Writable, rows: RowStream<Row>, columns: ReadonlyArray<keyof Row & string>, format: ExportFormat): Promise<void> {
  const encode =
    format === "csv"
      ? stringify({ bom: true, header: true, columns: [...columns], cast: { object: (value) => (Array.isArray(value) ? value.join("、") : JSON.stringify(value)) } })
      : new Transform({
          writableObjectMode: true,
          transform(row: Row, _encoding, done) {
            done(null, `${JSON.stringify(row, [...columns])}\n`);
          },
        });
  await pipeline(Readable.from(rows), encode, out);
}
