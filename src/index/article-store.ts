// What the page shows and what phrases are verified on: article metadata, folded text, and the
// display text of each article of a segment.
//
//   articles.bin   UTF-16LE metadata strings of every article, FIELDS.length per article: id, title,
//                  the column keyword fields of schema.ts (author: names joined by "\n", source, date)
//                  and the rest as JSON (byline, file, lines)
//   folded.bin     UTF-16LE folded "title\nbody" of every article, held in memory as one string
//   unfold.bin     the code units where the display body differs from its folded copy: folding is
//                  length-preserving, so display = folded with these units put back (a few percent
//                  of the text: full-width punctuation, upper case, traditional characters)
//   columns.bin    f64 date sort keys (n: ms since the epoch, -Infinity when undated), then u32
//                  arrays: folded offsets (n+1), unfold byte offsets (n+1), the term count of each
//                  text field of schema.ts (n each), metadata string offsets (FIELDS.length * n + 1)
//
// Storing the display text as edits of the folded text instead of a second copy saves a third of
// the index on disk, and serving a hit needs no disk read. Metadata is strings in one block, not
// JSON objects: loading is one copy instead of parsing 74k objects (a quarter of a second at start),
// and ranking reads ids and dates without building an object per article.
import type { Article } from "../types.js";
import { ByteReader, ByteWriter } from "./byte-coding.js";
import { COLUMN_KEYWORDS, KEYWORD_FIELDS, TEXT_FIELDS, type ColumnKeywordName, type KeywordFieldName, type TextFieldName } from "./schema.js";

export type ArticleMeta = Omit<Article, "body">;

/** The metadata strings of an article, in storage order; `details` is JSON of the remaining fields. */
const FIELDS = ["id", "title", ...COLUMN_KEYWORDS, "details"] as const;
const KEYWORD_FIELD = Object.fromEntries(KEYWORD_FIELDS.map((field) => [field.name, field])) as {
  [K in KeywordFieldName]: Extract<(typeof KEYWORD_FIELDS)[number], { name: K }>;
};
const FIELD = Object.fromEntries(FIELDS.map((name, i) => [name, i])) as { [K in (typeof FIELDS)[number]]: number };
type Details = Pick<ArticleMeta, "byline" | "file" | "lineStart" | "lineEnd" | "bodyLines">;

/** The column string of each column keyword field of an article. */
const COLUMN_VALUE: Record<ColumnKeywordName, (article: Article) => string> = {
  author: (article) => article.authors.join("\n"),
  source: (article) => article.source,
  date: (article) => article.date ?? "",
};

export interface StoredArticleInput {
  article: Article;
  folded: string; // fold of the text fields joined by "\n" (title + "\n" + body)
  /** The number of index terms of each text field, in TEXT_FIELDS order. */
  termCounts: number[];
}

/** The u32 arrays of columns.bin for `n` articles, in file order (after the n date keys). */
function columnLengths(n: number): number[] {
  return [n + 1, n + 1, ...TEXT_FIELDS.map(() => n), FIELDS.length * n + 1];
}

/** Dates sort as numbers: comparing date strings cut from the metadata block was most of a date-sorted query. */
export function dateSortKey(date: string | undefined): number {
  const time = date === undefined ? NaN : Date.parse(date);
  return Number.isNaN(time) ? -Infinity : time;
}

export function serializeStore(items: readonly StoredArticleInput[]): {
  articles: Buffer;
  folded: Buffer;
  unfold: Buffer;
  columns: Buffer;
} {
  const n = items.length;
  const columns = new ArrayBuffer(columnBytes(n));
  const { dateKeys, arrays } = carve(columns, n);
  const { foldedStarts, unfoldStarts, termCounts, fieldStarts } = arrays;
  const unfold = new ByteWriter();
  const strings: string[] = [];
  let foldedUnits = 0;
  let stringUnits = 0;
  items.forEach(({ article, folded, termCounts: counts }, i) => {
    const { id, title, date, authors, body, byline, file, lineStart, lineEnd, bodyLines } = article;
    if (authors.some((author) => author.includes("\n"))) throw new Error(`article ${id}: an author name contains a line break`);
    const details: Details = { byline, file, lineStart, lineEnd, bodyLines };
    [id, title, ...COLUMN_KEYWORDS.map((name) => COLUMN_VALUE[name](article)), JSON.stringify(details)].forEach((value, field) => {
      fieldStarts[FIELDS.length * i + field] = stringUnits;
      stringUnits += value.length;
      strings.push(value);
    });
    dateKeys[i] = dateSortKey(date);
    foldedStarts[i] = foldedUnits;
    foldedUnits += folded.length;
    unfoldStarts[i] = unfold.size;
    // Each edit: varint gap from the previous edit's position in the body, then the unit (u16 LE).
    const offset = title.length + 1;
    let previous = 0;
    for (let at = 0; at < body.length; at++) {
      const unit = body.charCodeAt(at);
      if (unit === folded.charCodeAt(offset + at)) continue;
      unfold.varint(at - previous);
      unfold.unit(unit);
      previous = at;
    }
    counts.forEach((count, field) => (termCounts[field]![i] = count));
  });
  foldedStarts[n] = foldedUnits;
  unfoldStarts[n] = unfold.size;
  fieldStarts[FIELDS.length * n] = stringUnits;
  return {
    articles: Buffer.from(strings.join(""), "utf16le"),
    folded: Buffer.from(items.map((item) => item.folded).join(""), "utf16le"),
    unfold: unfold.toBuffer(),
    columns: Buffer.from(columns),
  };
}

function columnBytes(n: number): number {
  return 8 * n + 4 * columnLengths(n).reduce((sum, length) => sum + length, 0);
}

interface U32Columns {
  foldedStarts: Uint32Array;
  unfoldStarts: Uint32Array;
  /** One array per text field, in TEXT_FIELDS order. */
  termCounts: Uint32Array[];
  fieldStarts: Uint32Array;
}

function carve(columns: ArrayBuffer, n: number): { dateKeys: Float64Array; arrays: U32Columns } {
  let at = 8 * n;
  const arrays = columnLengths(n).map((length) => {
    const array = new Uint32Array(columns, at, length);
    at += array.byteLength;
    return array;
  });
  const [foldedStarts, unfoldStarts, ...rest] = arrays;
  const fieldStarts = rest.pop()!;
  return { dateKeys: new Float64Array(columns, 0, n), arrays: { foldedStarts: foldedStarts!, unfoldStarts: unfoldStarts!, termCounts: rest, fieldStarts } };
}

/** columns.bin, copied to aligned memory; the article count follows from its length. */
function readColumns(columns: Buffer): { n: number; dateKeys: Float64Array; arrays: U32Columns } {
  const n = (columns.byteLength - columnBytes(0)) / (columnBytes(1) - columnBytes(0));
  if (!Number.isInteger(n) || n < 0) throw new Error(`columns.bin has ${columns.byteLength} bytes, which fits no number of articles`);
  const aligned = new ArrayBuffer(columns.byteLength);
  new Uint8Array(aligned).set(columns);
  return { n, ...carve(aligned, n) };
}

function checkBytes(file: string, bytes: number, expected: number): void {
  if (bytes !== expected) throw new Error(`${file} has ${bytes} bytes, columns.bin says ${expected}`);
}

/** articles.bin, decoded: every article's metadata strings, and where each starts. */
class MetadataStrings {
  private constructor(
    private readonly strings: string,
    private readonly starts: Uint32Array,
  ) {}

  static decode(articles: Buffer, starts: Uint32Array, n: number): MetadataStrings {
    checkBytes("articles.bin", articles.byteLength, starts[FIELDS.length * n]! * 2);
    return new MetadataStrings(articles.toString("utf16le"), starts);
  }

  get(local: number, field: number): string {
    const at = FIELDS.length * local + field;
    return this.strings.slice(this.starts[at], this.starts[at + 1]);
  }

  /** Without building the string (phrase checks ask for title lengths of every candidate). */
  length(local: number, field: number): number {
    const at = FIELDS.length * local + field;
    return this.starts[at + 1]! - this.starts[at]!;
  }
}

/** The ids of a segment's articles without loading the rest (the writer checks new ids against kept ones). */
export function storedIds(articles: Buffer, columns: Buffer): string[] {
  const { n, arrays } = readColumns(columns);
  const metadata = MetadataStrings.decode(articles, arrays.fieldStarts, n);
  return Array.from({ length: n }, (_, local) => metadata.get(local, FIELD.id));
}

/** One segment's articles, loaded. Local article numbers run from 0 to size - 1. */
export class ArticleStore {
  private constructor(
    private readonly metadata: MetadataStrings,
    /** dateSortKey() of each article's date. */
    readonly dateKeys: Float64Array,
    private readonly foldedAll: string,
    private readonly foldedStarts: Uint32Array,
    private readonly unfold: Uint8Array,
    private readonly unfoldStarts: Uint32Array,
    /** The number of index terms of each text field of each article (BM25's field lengths). */
    readonly termCounts: Readonly<Record<TextFieldName, Uint32Array>>,
  ) {}

  /** Throws a plain Error saying which part is inconsistent; the reader names the segment. */
  static load(articles: Buffer, folded: Buffer, unfold: Buffer, columns: Buffer): ArticleStore {
    const { n, dateKeys, arrays } = readColumns(columns);
    const { foldedStarts, unfoldStarts, termCounts, fieldStarts } = arrays;
    checkBytes("folded.bin", folded.byteLength, foldedStarts[n]! * 2);
    checkBytes("unfold.bin", unfold.byteLength, unfoldStarts[n]!);
    return new ArticleStore(
      MetadataStrings.decode(articles, fieldStarts, n),
      dateKeys,
      folded.toString("utf16le"),
      foldedStarts,
      new Uint8Array(unfold),
      unfoldStarts,
      Object.fromEntries(TEXT_FIELDS.map(({ name }, i) => [name, termCounts[i]!])) as Record<TextFieldName, Uint32Array>,
    );
  }

  get size(): number {
    return this.dateKeys.length;
  }

  id(local: number): string {
    return this.metadata.get(local, FIELD.id);
  }

  title(local: number): string {
    return this.metadata.get(local, FIELD.title);
  }

  titleLength(local: number): number {
    return this.metadata.length(local, FIELD.title);
  }

  date(local: number): string | undefined {
    return this.metadata.get(local, FIELD.date) || undefined;
  }

  source(local: number): string {
    return this.metadata.get(local, FIELD.source);
  }

  authors(local: number): string[] {
    return this.keywordValues(local, "author");
  }

  /** The values of a keyword field of schema.ts (none for an empty column, such as an undated article's date). */
  keywordValues(local: number, name: KeywordFieldName): string[] {
    const { stored } = KEYWORD_FIELD[name];
    if ("detail" in stored) return [this.details(local)[stored.detail]];
    if ("prefixOf" in stored) {
      const value = this.metadata.get(local, FIELD[stored.prefixOf]);
      return value.length >= stored.length ? [value.slice(0, stored.length)] : [];
    }
    const value = this.metadata.get(local, FIELD[name as ColumnKeywordName]);
    if (value === "") return [];
    return stored.multiple ? value.split("\n") : [value];
  }

  private details(local: number): Details {
    return JSON.parse(this.metadata.get(local, FIELD.details)) as Details;
  }

  /** Everything but the body, as one object (for display: a page of hits asks this of ten articles). */
  meta(local: number): ArticleMeta {
    const details = this.details(local);
    const date = this.date(local);
    return {
      id: this.id(local),
      title: this.title(local),
      authors: this.authors(local),
      source: this.source(local),
      ...details,
      ...(date === undefined ? {} : { date }),
    };
  }

  /** fold(title + "\n" + body); offsets below title.length + 1 are in the title. */
  folded(local: number): string {
    return this.foldedAll.slice(this.foldedStarts[local], this.foldedStarts[local + 1]);
  }

  /** The body as the page printed it: the folded body with the unfold edits put back. */
  body(local: number): string {
    const folded = this.foldedAll.slice(this.foldedStarts[local]! + this.titleLength(local) + 1, this.foldedStarts[local + 1]);
    const end = this.unfoldStarts[local + 1]!;
    const edits = new ByteReader(this.unfold, this.unfoldStarts[local]!);
    if (edits.position === end) return folded;
    let out = "";
    let copied = 0;
    let at = 0;
    while (edits.position < end) {
      at += edits.varint();
      out += folded.slice(copied, at) + String.fromCharCode(edits.unit());
      copied = at + 1;
    }
    return out + folded.slice(copied);
  }
}
