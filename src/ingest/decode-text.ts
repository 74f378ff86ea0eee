// Bytes of a page → text. Chinese pages come as UTF-8 (with or without a BOM), UTF-16 with a BOM,
// or GB18030/GBK (its subset) from older Windows tools. Node's ICU TextDecoder decodes all of them;
// a strict decode is a decisive test between the few candidates, so no statistical detector is
// needed. Whatever decodes with too many losses is refused rather than indexed as mojibake.

/** A file whose text has more than this share of characters undecodable is not indexed. */
export const UNDECODABLE_SHARE = 0.1;
/** Above this share of undecodable characters, the file is indexed with a warning. */
export const REPLACED_WARN_SHARE = 0.001;
/**
 * UTF-8 with a few bad bytes (a damaged copy) stays UTF-8: GB18030 would accept the UTF-8 of any
 * Chinese text too, as two-byte pairs, and turn all of it into other characters.
 */
const UTF8_DAMAGED_SHARE = 0.05;
/** Bytes looked at for NUL, which no text in these encodings (without a UTF-16 BOM) contains. */
const BINARY_PROBE_BYTES = 8192;

export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be" | "gb18030";

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** U+FFFD put in place of bytes that did not decode. */
  replaced: number;
}

/** Why bytes are not text, and what to do. */
export class UndecodableTextError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Decodes a page; throws UndecodableTextError for a binary file or one that no candidate decodes well. */
export function decodeText(bytes: Uint8Array): DecodedText {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return checked(lossy(bytes, "utf-8"));
  if (startsWith(bytes, [0xff, 0xfe])) return checked(lossy(bytes, "utf-16le"));
  if (startsWith(bytes, [0xfe, 0xff])) return checked(lossy(bytes, "utf-16be"));
  if (looksBinary(bytes)) {
    throw new UndecodableTextError("binary data (NUL bytes), not text", "seeds must be text pages (.txt, .md) or JSON Lines; remove or rename it");
  }
  const utf8 = lossy(bytes, "utf-8");
  if (utf8.replaced === 0) return utf8;
  const nonAscii = countNonAscii(utf8.text);
  if (utf8.replaced / Math.max(1, nonAscii) < UTF8_DAMAGED_SHARE) return checked(utf8);
  const gb = lossy(bytes, "gb18030");
  return checked(gb.replaced < utf8.replaced ? gb : utf8);
}

/** Whether the first bytes hold a NUL (after no UTF-16 BOM): a binary file. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

/** The share of characters of `text` that are U+FFFD placed by a decoder, or 0 for empty text. */
export function replacedShare(replaced: number, length: number): number {
  return length === 0 ? 0 : replaced / length;
}

function checked(decoded: DecodedText): DecodedText {
  const share = replacedShare(decoded.replaced, decoded.text.length);
  if (share > UNDECODABLE_SHARE) {
    throw new UndecodableTextError(
      `not text in UTF-8, UTF-16 (with a BOM) or GB18030/GBK: ${(share * 100).toFixed(0)}% of its characters do not decode`,
      "convert it to UTF-8 (e.g. iconv -f <encoding> -t UTF-8), or remove it",
    );
  }
  return decoded;
}

function lossy(bytes: Uint8Array, encoding: TextEncoding): DecodedText {
  // The BOM is the decoder's to drop (ignoreBOM: false), also in GB18030 (its form of U+FEFF).
  const text = new TextDecoder(encoding).decode(bytes);
  return { text, encoding, replaced: countReplaced(text) };
}

export function countReplaced(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\ufffd"); at !== -1; at = text.indexOf("\ufffd", at + 1)) count++;
  return count;
}

function countNonAscii(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) count++;
  return count;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}
