// Article[] → the rows of the PostgreSQL articles table in COPY's text format, their BM25 postings
// (from which the loader's SQL derives the global statistics) and their single-unit postings; then
// a seed file's postings in COPY's binary format. Pure and synchronous: the rows are encoded on the
// segment pool's worker threads (segment-worker.ts) for a large load, in the loader's thread for a
// small one.
import type { Article } from "../types.js";
import { dateSortKey } from "./article-store.js";
import { textColumns } from "./postgres-schema.js";
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
  /** The chunk's single-unit postings. */
  units: ChunkUnits;
}

/**
 * A chunk's single-unit postings (the unit_postings table): its distinct UTF-16 units, ascending,
 * how many of its articles hold each, and those articles in turn (ascending).
 */
export interface ChunkUnits {
  units: Int32Array<ArrayBuffer>;
  counts: Int32Array<ArrayBuffer>;
  docs: Int32Array<ArrayBuffer>;
}

/** The postings of one text field gathered by a TermPostings: its distinct terms, and for each in turn its articles, term frequencies and field lengths. */
export interface PackedPostings {
  /** The terms joined by NUL, which text never holds. */
  terms: string;
  /** How many of the articles hold each term. */
  counts: Int32Array<ArrayBuffer>;
  docs: Int32Array<ArrayBuffer>;
  tfs: Int32Array<ArrayBuffer>;
  lengths: Int32Array<ArrayBuffer>;
}

/** The transferable buffers of encoded rows (postMessage's transfer list). */
export const transferablesOf = ({ copy, units }: EncodedRows): ArrayBuffer[] => [copy.buffer, units.units.buffer, units.counts.buffer, units.docs.buffer];

/** The transferable buffers of packed postings. */
export const postingsTransferables = (postings: readonly PackedPostings[]): ArrayBuffer[] =>
  postings.flatMap(({ counts, docs, tfs, lengths }) => [counts.buffer, docs.buffer, tfs.buffer, lengths.buffer]);

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

/**
 * BM25 postings gathered over any number of chunks: a worker lane's share of a seed file, kept by
 * the worker between its chunks, so that each term is looked up once per article in one map (the
 * loader's thread merged a map per chunk: 10 s of a full load's main thread). `collection` names the
 * file's load, so that a worker never adds a failed load's postings to the next one's.
 */
export class TermPostings {
  /** Per field, term → [doc, tf, length, doc, tf, length, …]. A Map, not an object: jieba's terms as object keys would each be interned first. */
  private readonly fields = TEXT_FIELDS.map(() => new Map<string, number[]>());

  constructor(readonly collection: number) {}

  /**
   * Counts the article's terms of field `i` (one lookup per term: the article's triple is the last
   * of each of its terms' lists) and returns its term frequencies as a JSON object ({term: tf}).
   */
  count(i: number, doc: number, terms: readonly string[]): string {
    const postings = this.fields[i]!;
    const distinct: number[][] = [];
    const distinctTerms: string[] = [];
    for (const term of terms) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      if (list[list.length - 3] === doc) list[list.length - 2]!++;
      else {
        list.push(doc, 1, terms.length);
        distinct.push(list);
        distinctTerms.push(term);
      }
    }
    return `{${distinct.map((list, t) => `${JSON.stringify(distinctTerms[t]!)}:${list[list.length - 2]!}`).join(",")}}`;
  }

  pack(): PackedPostings[] {
    return this.fields.map(packPostings);
  }
}

/** Analyzes the articles (analyzeArticle with the database's byline `names`, as the embedded build does), counts their terms in `postings` and encodes their rows. */
export function encodeRows(articles: readonly LoadedArticle[], names: ReadonlySet<string>, postings: TermPostings): EncodedRows {
  const lines: string[] = [];
  const texts: FoldedText[] = [];
  for (const { doc, article } of articles) {
    const { folded, fieldTerms } = analyzeArticle(article, names);
    texts.push({ doc, folded });
    const fields = TEXT_FIELDS.flatMap(({ name }, i) => {
      const terms = fieldTerms[i]!;
      return [copyText(article[name]), copyText(postings.count(i, doc, terms)), String(terms.length)];
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
        `{${pairGrams(folded).join(",")}}`,
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
  return { copy: new TextEncoder().encode(lines.join("")), units: chunkUnits(texts) };
}

export interface FoldedText {
  doc: number;
  folded: string;
}

/** Every UTF-16 unit has a code below this (the unit_postings keys). */
const UNIT_CODES = 0x10000;
const LINE_BREAK = 0x0a;

/** The chunk's single-unit postings: each distinct unit of each text but the line break, counted in a first pass and written in a second (typed arrays, no map). */
export function chunkUnits(texts: readonly FoldedText[]): ChunkUnits {
  const lastDoc = new Int32Array(UNIT_CODES);
  const eachDistinctUnit = (visit: (unit: number, doc: number) => void): void => {
    lastDoc.fill(-1);
    for (const { doc, folded } of texts) {
      for (let i = 0; i < folded.length; i++) {
        const unit = folded.charCodeAt(i);
        if (unit === LINE_BREAK || lastDoc[unit] === doc) continue;
        lastDoc[unit] = doc;
        visit(unit, doc);
      }
    }
  };
  const heldBy = new Int32Array(UNIT_CODES);
  eachDistinctUnit((unit) => heldBy[unit]!++);
  const units: number[] = [];
  const next = new Int32Array(UNIT_CODES);
  let total = 0;
  for (let unit = 0; unit < UNIT_CODES; unit++) {
    if (heldBy[unit] === 0) continue;
    units.push(unit);
    next[unit] = total;
    total += heldBy[unit]!;
  }
  const docs = new Int32Array(total);
  eachDistinctUnit((unit, doc) => (docs[next[unit]!++] = doc));
  return { units: Int32Array.from(units), counts: Int32Array.from(units, (unit) => heldBy[unit]!), docs };
}

function packPostings(terms: ReadonlyMap<string, readonly number[]>): PackedPostings {
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
 * The BM25 and unit postings of a seed file (postgres-schema.ts), gathered from the workers' lanes
 * and chunks, then written for COPY: a row per field and term, and per unit. A term's articles come
 * lane by lane, so not in ascending order (BM25 adds each article's score whatever the order); a
 * unit's come chunk by chunk, ascending. Built here rather than by SQL from the rows' term
 * frequencies: 74,545 stories' 13.6 million postings took PostgreSQL's aggregate 14-16 s, their
 * binary COPY from here takes 7 s.
 */
export class FilePostings {
  private readonly lanes: Array<readonly PackedPostings[]> = [];
  private readonly chunks: ChunkUnits[] = [];
  /** Per field, each term's runs in the lanes: [lane, first posting, postings, lane, …]. Nothing is copied until the rows are written. */
  private readonly runs = TEXT_FIELDS.map(() => new Map<string, number[]>());
  /** Each unit's runs in the chunks, alike (indexed by unit: no map). */
  private readonly unitRuns: Array<number[] | undefined> = new Array<number[] | undefined>(UNIT_CODES);

  /** A lane's postings (TermPostings.pack). */
  addTerms(lane: readonly PackedPostings[]): void {
    const index = this.lanes.push(lane) - 1;
    lane.forEach(({ terms, counts }, i) => {
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

  /** A chunk's unit postings, in loading order. */
  addUnits(chunk: ChunkUnits): void {
    const index = this.chunks.push(chunk) - 1;
    const { units, counts } = chunk;
    for (let u = 0, at = 0; u < units.length; at += counts[u]!, u++) (this.unitRuns[units[u]!] ??= []).push(index, at, counts[u]!);
  }

  /**
   * The rows of the postings table (file, field, term, docs, tfs, lengths) in COPY's binary format,
   * a batch of rows at a time: PostgreSQL takes binary int4 arrays several times faster than it
   * parses their text.
   */
  termRows(file: string): Generator<Buffer> {
    const fileBytes = Buffer.from(file);
    return binaryCopy(
      TEXT_FIELDS.flatMap(({ name }, i) => {
        const fieldBytes = Buffer.from(name);
        const arrays = POSTING_ARRAYS.map((key) => (lane: number) => this.lanes[lane]![i]![key]);
        return [...this.runs[i]!].map(([term, runs]) => () => postingsRow([fileBytes, fieldBytes, Buffer.from(term)], runs, arrays));
      }),
    );
  }

  /** The rows of the unit_postings table (file, unit, docs) in COPY's binary format, units ascending. */
  unitRows(file: string): Generator<Buffer> {
    const fileBytes = Buffer.from(file);
    const docs = [(chunk: number) => this.chunks[chunk]!.docs];
    return binaryCopy(this.unitRuns.flatMap((runs, unit) => (runs ? [() => postingsRow([fileBytes, unit], runs, docs)] : [])));
  }
}

/** A binary COPY row of the leading fields (text or int4), then one int4[] per `arrays`, gathered from the runs ([source, first, count, …]) of each array's sources. */
function postingsRow(fields: ReadonlyArray<Buffer | number>, runs: readonly number[], arrays: ReadonlyArray<(source: number) => Int32Array>): Buffer {
  let postings = 0;
  for (let r = 2; r < runs.length; r += 3) postings += runs[r]!;
  const row = new BinaryRow(2 + fields.reduce<number>((sum, field) => sum + 4 + (typeof field === "number" ? 4 : field.length), 0) + arrays.length * int4ArrayBytes(postings));
  row.int16(fields.length + arrays.length);
  for (const field of fields) {
    if (typeof field === "number") row.int4Value(field);
    else row.bytes(field);
  }
  for (const valuesOf of arrays) {
    row.int4ArrayHeader(postings);
    for (let r = 0; r < runs.length; r += 3) {
      const values = valuesOf(runs[r]!);
      for (let at = runs[r + 1]!, end = at + runs[r + 2]!; at < end; at++) row.int4Value(values[at]!);
    }
  }
  return row.filled();
}

/** A binary COPY's data: its header, the rows (each written when its batch is due, so that memory holds one batch), its trailer. */
function* binaryCopy(rows: ReadonlyArray<() => Buffer>): Generator<Buffer> {
  yield BINARY_COPY_HEADER;
  for (let from = 0; from < rows.length; from += 1_000) yield Buffer.concat(rows.slice(from, from + 1_000).map((row) => row()));
  yield BINARY_COPY_TRAILER;
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

  /** An int4 field, or an element of an int4[]: its length, then its value. */
  int4Value(value: number): void {
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
 * The gram codes of the folded text: every distinct pair of adjacent UTF-16 units, none across a
 * line break. An article holds a phrase of two units exactly when its grams hold the pair's code,
 * and a longer one only if they hold each of its pairs (the candidates that the phrase check then
 * confirms); a phrase of one unit is looked up in the unit postings (chunkUnits). 32-bit integers:
 * the GIN index over an int4[] compares no collation (a quarter of a text[]'s build time), and
 * codes that are V8's small integers are gathered and written faster than the 42-bit code point
 * pairs they replace. Single units are not grams: they were a third of the index's keys (and a
 * sixth of its build time), each with a long list of articles that a table of postings holds better.
 */
export function pairGrams(folded: string): Int32Array {
  const found = new Set<number>();
  for (let i = 1; i < folded.length; i++) {
    const first = folded.charCodeAt(i - 1);
    const second = folded.charCodeAt(i);
    if (first !== LINE_BREAK && second !== LINE_BREAK) found.add(pairCode(first, second));
  }
  // Ascending: the GIN build sorts each row's keys, and finds sorted ones sorted at once (about 10% of its time).
  return Int32Array.from(found).sort();
}

/** A pair's code: the first unit in the high 16 bits, as a signed 32-bit integer (int4). */
const pairCode = (first: number, second: number): number => (first << 16) | second;

/** The codes an article holding the phrase (of two units or more) holds (pairGrams above): each of its pairs. */
export function phraseGrams(phrase: string): number[] {
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
