// Article[] → the rows of the PostgreSQL articles table in COPY's text format, and their BM25
// postings (from which the loader's SQL derives the global statistics). Pure and synchronous: it
// runs on the segment pool's worker threads (segment-worker.ts) for a large load, in the loader's
// thread for a small one.
import type { Article } from "../types.js";
import { dateSortKey } from "./article-store.js";
import { termFrequency, textColumns } from "./postgres-schema.js";
import { COLUMN_KEYWORDS, TEXT_FIELDS, type ColumnKeywordName } from "./schema.js";
import { analyzeArticle } from "./segment-writer.js";

/** The columns the loader writes (generated columns are left out), in COPY order. */
export const ROW_COLUMNS: readonly string[] = [
  "doc",
  "id",
  "file",
  "folded",
  "title_length",
  "grams",
  "date_key",
  "details",
  ...TEXT_FIELDS.flatMap(({ name }) => {
    const { text, tf, length } = textColumns(name);
    return [text, tf, length];
  }),
  ...COLUMN_KEYWORDS,
];

/**
 * A chunk of articles encoded for the loader: typed arrays and one string each, so that a worker
 * sends them without a copy (transferable buffers) and the loader's thread parses nothing.
 */
export interface EncodedRows {
  /** The articles' rows in COPY's text format, one line per article ending in "\n", as UTF-8. */
  copy: Uint8Array<ArrayBuffer>;
  /** The chunk's BM25 postings, per text field (TEXT_FIELDS order). */
  postings: ChunkPostings[];
}

/** A chunk's postings of one text field: its distinct terms, and for each in turn its articles (ascending), term frequencies and field lengths. */
export interface ChunkPostings {
  /** The terms joined by NUL, which text never holds. */
  terms: string;
  /** How many of the chunk's articles hold each term. */
  counts: Int32Array<ArrayBuffer>;
  docs: Int32Array<ArrayBuffer>;
  tfs: Int32Array<ArrayBuffer>;
  lengths: Int32Array<ArrayBuffer>;
}

/** The transferable buffers of encoded rows (postMessage's transfer list). */
export const transferablesOf = ({ copy, postings }: EncodedRows): ArrayBuffer[] => [copy.buffer, ...postings.flatMap(({ counts, docs, tfs, lengths }) => [counts.buffer, docs.buffer, tfs.buffer, lengths.buffer])];

/** The values of a keyword column, as the embedded store keeps them (article-store.ts). */
const KEYWORD_VALUES: Record<ColumnKeywordName, (article: Article) => string | string[]> = {
  author: (article) => article.authors,
  source: (article) => article.source,
  date: (article) => article.date ?? "",
};

/** An article and its place in loading order (postgres-writer.ts numbers them; shards share the numbers). */
export interface LoadedArticle {
  doc: number;
  article: Article;
}

/** Analyzes the articles (analyzeArticle with the database's byline `names`, as the embedded build does) and encodes their rows. */
export function encodeRows(articles: readonly LoadedArticle[], names: ReadonlySet<string>): EncodedRows {
  const lines: string[] = [];
  const postings = TEXT_FIELDS.map(() => new Map<string, number[]>()); // term → [doc, tf, length, doc, tf, length, …]
  for (const { doc, article } of articles) {
    const { folded, fieldTerms } = analyzeArticle(article, names);
    const fields = TEXT_FIELDS.flatMap(({ name }, i) => {
      const terms = fieldTerms[i]!;
      // The article's term frequencies are counted in the chunk's postings (its last triple is this
      // article's): one lookup per term. A Map, not an object: jieba's terms as object keys would
      // each be interned first.
      const distinct: Array<[string, number[]]> = [];
      for (const term of terms) {
        let list = postings[i]!.get(term);
        if (!list) postings[i]!.set(term, (list = []));
        if (list[list.length - 3] === doc) list[list.length - 2]!++;
        else {
          list.push(doc, 1, terms.length);
          distinct.push([term, list]);
        }
      }
      let frequencies = "";
      for (const [term, list] of distinct) frequencies += termFrequency(term, list[list.length - 2]!);
      return [copyText(article[name]), copyText(frequencies), String(terms.length)];
    });
    const dateKey = dateSortKey(article.date);
    lines.push(
      [
        String(doc),
        copyText(article.id),
        copyText(article.file),
        copyText(folded),
        // In characters (code points), as PostgreSQL's left() counts them.
        String(Array.from(folded.slice(0, article.title.length)).length),
        `{${grams(folded).join(",")}}`,
        // NULL sorts undated articles last, as -Infinity does in the embedded engine.
        Number.isFinite(dateKey) ? String(dateKey) : NULL,
        copyText(JSON.stringify({ byline: article.byline, lineStart: article.lineStart, lineEnd: article.lineEnd, bodyLines: article.bodyLines })),
        ...fields,
        ...COLUMN_KEYWORDS.map((name) => {
          const value = KEYWORD_VALUES[name](article);
          return copyText(Array.isArray(value) ? arrayLiteral(value) : value);
        }),
      ].join("\t") + "\n",
    );
  }
  return { copy: new TextEncoder().encode(lines.join("")), postings: postings.map(packPostings) };
}

function packPostings(terms: ReadonlyMap<string, readonly number[]>): ChunkPostings {
  const lists = [...terms.values()];
  const size = lists.reduce((sum, list) => sum + list.length / 3, 0);
  const packed = { terms: [...terms.keys()].join("\0"), counts: new Int32Array(terms.size), docs: new Int32Array(size), tfs: new Int32Array(size), lengths: new Int32Array(size) };
  let at = 0;
  lists.forEach((list, i) => {
    packed.counts[i] = list.length / 3;
    for (let j = 0; j < list.length; j += 3, at++) {
      packed.docs[at] = list[j]!;
      packed.tfs[at] = list[j + 1]!;
      packed.lengths[at] = list[j + 2]!;
    }
  });
  return packed;
}

/**
 * The BM25 postings of a seed file (postgres-schema.ts), gathered chunk by chunk in loading order
 * (so each term's articles stay ascending), then written for COPY: a row per field and term.
 * Built here rather than by SQL from the rows' term frequencies: 74,545 stories' 13.6 million
 * postings took PostgreSQL's aggregate 14-16 s, their binary COPY from here takes 7 s.
 */
export class FilePostings {
  private readonly chunks: Array<readonly ChunkPostings[]> = [];
  /** Per field, each term's runs in the chunks: [chunk, first posting, postings, chunk, …]. Nothing is copied until the rows are written. */
  private readonly runs = TEXT_FIELDS.map(() => new Map<string, number[]>());

  add(chunk: readonly ChunkPostings[]): void {
    const index = this.chunks.push(chunk) - 1;
    chunk.forEach(({ terms, counts }, i) => {
      if (counts.length === 0) return;
      const runs = this.runs[i]!;
      let at = 0;
      terms.split("\0").forEach((term, t) => {
        const list = runs.get(term);
        if (list) list.push(index, at, counts[t]!);
        else runs.set(term, [index, at, counts[t]!]);
        at += counts[t]!;
      });
    });
  }

  /**
   * The rows of the postings table (file, field, term, docs, tfs, lengths) in COPY's binary format,
   * a batch of rows at a time: PostgreSQL takes binary int4 arrays several times faster than it
   * parses their text.
   */
  *copyBinary(file: string): Generator<Buffer> {
    yield BINARY_COPY_HEADER;
    const fileBytes = Buffer.from(file);
    for (const [i, { name }] of TEXT_FIELDS.entries()) {
      const fieldBytes = Buffer.from(name);
      const runs = [...this.runs[i]!];
      for (let from = 0; from < runs.length; from += 1_000) {
        const batch = runs.slice(from, from + 1_000).map(([term, list]) => {
          const postings = list.reduce((sum, value, r) => (r % 3 === 2 ? sum + value : sum), 0);
          const termBytes = Buffer.from(term);
          const texts = [fileBytes, fieldBytes, termBytes];
          const row = new BinaryRow(2 + texts.reduce((sum, text) => sum + 4 + text.length, 0) + POSTING_ARRAYS.length * int4ArrayBytes(postings));
          row.int16(texts.length + POSTING_ARRAYS.length);
          for (const text of texts) row.bytes(text);
          for (const key of POSTING_ARRAYS) {
            row.int4ArrayHeader(postings);
            for (let r = 0; r < list.length; r += 3) {
              const values = this.chunks[list[r]!]![i]![key];
              for (let at = list[r + 1]!, end = at + list[r + 2]!; at < end; at++) row.int4Element(values[at]!);
            }
          }
          return row.filled();
        });
        yield Buffer.concat(batch);
      }
    }
    yield BINARY_COPY_TRAILER;
  }
}

/** COPY's binary format (the PostgreSQL manual's "Binary Format"): the signature, no flags, no header extension. */
const BINARY_COPY_HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);
const INT4_OID = 23;
/** The postings table's array columns, in COPY order after file, field and term. */
const POSTING_ARRAYS = ["docs", "tfs", "lengths"] as const;

/** An int4[] of `length` elements in binary form, its length word included: length, dimensions, flags, element type, size and lower bound, then each element's length and value. */
const int4ArrayBytes = (length: number): number => 4 + 20 + 8 * length;

/** One row of a binary COPY, written front to back into a buffer of its exact size. */
class BinaryRow {
  private readonly buffer: Buffer;
  /** Big-endian writes: DataView's are faster than Buffer's writeInt32BE (12,000 stories' postings: 0.49 s instead of 0.86 s). */
  private readonly view: DataView;
  private at = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, size);
  }

  /** The row, once written to its last byte (a size computed wrong would send PostgreSQL garbage). */
  filled(): Buffer {
    if (this.at !== this.buffer.length) throw new Error(`binary COPY row: ${this.at} bytes written of ${this.buffer.length}`);
    return this.buffer;
  }

  int16(value: number): this {
    this.view.setInt16(this.at, value);
    this.at += 2;
    return this;
  }

  int4(value: number): this {
    this.view.setInt32(this.at, value);
    this.at += 4;
    return this;
  }

  /** A field of raw bytes (text in UTF-8), after its length. */
  bytes(value: Buffer): this {
    this.int4(value.length);
    this.at += value.copy(this.buffer, this.at);
    return this;
  }

  /** An int4[] field's length and array header (one dimension, no NULLs, lower bound 1); its `length` elements follow. */
  int4ArrayHeader(length: number): this {
    return this.int4(int4ArrayBytes(length) - 4).int4(1).int4(0).int4(INT4_OID).int4(length).int4(1);
  }

  int4Element(value: number): void {
    this.int4(4).int4(value);
  }
}

/** COPY's NULL in text format. */
const NULL = "\\N";
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A value in COPY's text format: backslash, line ends and tabs escaped. */
export function copyText(value: string): string {
  return value.replace(/[\\\n\r\t]/g, (char) => COPY_ESCAPES[char]!);
}

/** A text[] literal, every element quoted (grams hold braces, commas, quotes and spaces). */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`).join(",")}}`;
}

/**
 * The gram codes of the folded text: every distinct UTF-16 unit and pair of adjacent units, none
 * across a line break. An article holds a phrase of one or two units exactly when its grams do,
 * and a longer one only if it holds each of the phrase's pairs (the candidates that the phrase
 * check then confirms). 32-bit integers: the GIN index over an int4[] compares no collation (a
 * quarter of a text[]'s build time), and codes that are V8's small integers are gathered and
 * written faster than the 42-bit code point pairs they replace.
 */
export function grams(folded: string): number[] {
  const found = new Set<number>();
  for (const line of folded.split("\n")) {
    for (let i = 0; i < line.length; i++) {
      const unit = line.charCodeAt(i);
      found.add(unit);
      if (i > 0) found.add(pairCode(line.charCodeAt(i - 1), unit));
    }
  }
  return [...found];
}

/**
 * A pair's code: the first unit in the high 16 bits, as a signed 32-bit integer (int4). Never a
 * single unit's code (0 to 0xFFFF): the first unit of a pair is never 0, as text in PostgreSQL
 * holds no NUL.
 */
const pairCode = (first: number, second: number): number => (first << 16) | second;

/** The codes a phrase's articles all hold (grams above): its one unit, or each of its pairs. */
export function phraseGrams(phrase: string): number[] {
  if (phrase.length === 1) return [phrase.charCodeAt(0)];
  const codes = new Set<number>();
  for (let i = 1; i < phrase.length; i++) codes.add(pairCode(phrase.charCodeAt(i - 1), phrase.charCodeAt(i)));
  return [...codes];
}

/**
 * Rows (articles, or rows read from the shards) with each article id once: the first. A seed file
 * may repeat an id; an id can be on two shards for a moment while a load moves a record whose date
 * changed to another shard (each shard commits on its own): it is never loaded or counted twice.
 */
export function firstOfEachId<Row extends { id: string }>(rows: readonly Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter(({ id }) => !seen.has(id) && (seen.add(id), true));
}
