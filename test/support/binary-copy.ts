// Reads rows in COPY's binary format back (the PostgreSQL manual's "Binary Format"): what the
// loader's BinaryWriter sends, checked field by field without a database.

/** Each row's fields (a NULL is null), from rows without the COPY's header and trailer. */
export function binaryRows(bytes: Uint8Array): Array<Array<Buffer | null>> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: Array<Array<Buffer | null>> = [];
  let at = 0;
  while (at < buffer.length) {
    const fields = buffer.readInt16BE(at);
    at += 2;
    const row: Array<Buffer | null> = [];
    for (let i = 0; i < fields; i++) {
      const length = buffer.readInt32BE(at);
      at += 4;
      if (length < 0) row.push(null);
      else {
        if (at + length > buffer.length) throw new Error(`field ${i} of row ${rows.length} runs past the end`);
        row.push(buffer.subarray(at, (at += length)));
      }
    }
    rows.push(row);
  }
  return rows;
}

/** An int4[] or text[] field's elements (one dimension or none). */
export function arrayElements(field: Buffer): { elementType: number; elements: Buffer[] } {
  const dimensions = field.readInt32BE(0);
  const elementType = field.readInt32BE(8);
  if (dimensions === 0) return { elementType, elements: [] };
  if (dimensions !== 1 || field.readInt32BE(16) !== 1) throw new Error(`expected one dimension from 1, found ${dimensions}`);
  const elements: Buffer[] = [];
  let at = 20;
  for (let i = field.readInt32BE(12); i > 0; i--) {
    const length = field.readInt32BE(at);
    elements.push(field.subarray(at + 4, (at += 4 + length)));
  }
  if (at !== field.length) throw new Error(`array of ${field.length} bytes, elements end at ${at}`);
  return { elementType, elements };
}
