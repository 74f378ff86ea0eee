// Article[] → the rows of the PostgreSQL articles table in COPY's binary format, their BM25 postings
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
  /** The articles' rows in COPY's binary format (BinaryWriter), without the COPY's header and trailer. */
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
 * the worker between its chunks, so that each term is looked up once per occurrence in one map (the
 * loader's thread merged a map per chunk: 10 s of a full load's main thread). `collection` names the
 * file's load, so that a worker never adds a failed load's postings to the next one's.
 */
export class TermPostings {
  private readonly fields = TEXT_FIELDS.map(() => new FieldTerms());

  constructor(readonly collection: number) {}

  /** Counts the article's terms of field `i` and returns its term frequencies as a JSON object ({term: tf}). */
  count(i: number, doc: number, terms: readonly string[]): string {
    return this.fields[i]!.count(doc, terms);
  }

  pack(): PackedPostings[] {
    return this.fields.map((field) => field.pack());
  }
}

/**
 * One field's terms, numbered in order of first sight, and its postings as a log of
 * (term, doc, tf, length) in article order, grouped by term only when packed. Integers in typed
 * arrays rather than a list per term, nothing for the garbage collector to trace: 8,000 stories'
 * two million terms, their JSON included, in 1.4 s instead of 1.9 s (medians of nine runs).
 */
class FieldTerms {
  private readonly ids = new Map<string, number>();
  private readonly terms: string[] = [];
  /** Per term, `"term":` as JSON, written once: most terms recur in many articles. */
  private readonly keys: string[] = [];
  /** Per term, the last article that held it, and how often it did. */
  private lastDoc = new Int32Array(1024);
  private tf = new Int32Array(1024);
  private log = new Int32Array(4096);
  private logged = 0;

  count(doc: number, terms: readonly string[]): string {
    const distinct: number[] = [];
    for (const term of terms) {
      let id = this.ids.get(term);
      if (id === undefined) id = this.add(term);
      if (this.lastDoc[id] === doc) this.tf[id]!++;
      else {
        this.lastDoc[id] = doc;
        this.tf[id] = 1;
        distinct.push(id);
      }
    }
    if (this.logged + 4 * distinct.length > this.log.length) this.log = grown(this.log, this.logged + 4 * distinct.length);
    const entries: string[] = [];
    for (const id of distinct) {
      this.log[this.logged++] = id;
      this.log[this.logged++] = doc;
      this.log[this.logged++] = this.tf[id]!;
      this.log[this.logged++] = terms.length;
      entries.push(this.keys[id]! + this.tf[id]!);
    }
    return `{${entries.join(",")}}`;
  }

  private add(term: string): number {
    const id = this.terms.push(term) - 1;
    this.ids.set(term, id);
    this.keys.push(`${JSON.stringify(term)}:`);
    if (id === this.lastDoc.length) {
      this.lastDoc = grown(this.lastDoc, id + 1);
      this.tf = grown(this.tf, id + 1);
    }
    this.lastDoc[id] = -1;
    return id;
  }

  /** The postings grouped by term (terms in order of first sight, each term's articles ascending), by a counting sort of the log. */
  pack(): PackedPostings {
    const postings = this.logged / 4;
    const counts = new Int32Array(this.terms.length);
    for (let at = 0; at < this.logged; at += 4) counts[this.log[at]!]!++;
    const next = new Int32Array(this.terms.length);
    for (let id = 1; id < next.length; id++) next[id] = next[id - 1]! + counts[id - 1]!;
    const packed = { terms: this.terms.join("\0"), counts, docs: new Int32Array(postings), tfs: new Int32Array(postings), lengths: new Int32Array(postings) };
    for (let at = 0; at < this.logged; at += 4) {
      const slot = next[this.log[at]!]!++;
      packed.docs[slot] = this.log[at + 1]!;
      packed.tfs[slot] = this.log[at + 2]!;
      packed.lengths[slot] = this.log[at + 3]!;
    }
    return packed;
  }
}

/** A copy of the array, at least `size` long (doubling, so that growing costs a constant per element). */
function grown(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(Math.max(size, 2 * array.length));
  copy.set(array);
  return copy;
}

/** Analyzes the articles (analyzeArticle with the database's byline `names`, as the embedded build does), counts their terms in `postings` and encodes their rows. */
export function encodeRows(articles: readonly LoadedArticle[], names: ReadonlySet<string>, postings: TermPostings): EncodedRows {
  // Room for a long story's row each (it grows when a chunk needs more).
  const rows = new BinaryWriter(16_384 * articles.length);
  const texts: FoldedText[] = [];
  for (const { doc, article } of articles) {
    const { folded, fieldTerms } = analyzeArticle(article, names);
    texts.push({ doc, folded });
    rows.rowStart(ROW_COLUMNS.length).int4Field(doc).text(article.id).text(article.file).text(folded);
    // In characters (code points), as PostgreSQL's left() counts them.
    rows.int4Field(Array.from(folded.slice(0, article.title.length)).length).int4Array(pairGrams(folded));
    const dateKey = dateSortKey(article.date);
    // NULL sorts undated articles last, as -Infinity does in the embedded engine.
    if (Number.isFinite(dateKey)) rows.float8Field(dateKey);
    else rows.nullField();
    rows.jsonb(JSON.stringify({ byline: article.byline, lineStart: article.lineStart, lineEnd: article.lineEnd, bodyLines: article.bodyLines }));
    TEXT_FIELDS.forEach(({ name }, i) => {
      const terms = fieldTerms[i]!;
      rows.text(article[name]).jsonb(postings.count(i, doc, terms)).int4Field(terms.length);
    });
    for (const name of COLUMN_KEYWORDS) {
      const value = KEYWORD_VALUES[name](article);
      if (Array.isArray(value)) rows.textArray(value);
      else rows.text(value);
    }
  }
  return { copy: rows.written(), units: chunkUnits(texts) };
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
    return binaryCopy(
      TEXT_FIELDS.flatMap(({ name }, i) => {
        const arrays = POSTING_ARRAYS.map((key) => (lane: number) => this.lanes[lane]![i]![key]);
        return [...this.runs[i]!].map(([term, runs]) => (rows: BinaryWriter) => writeRuns(rows.rowStart(3 + POSTING_ARRAYS.length).text(file).text(name).text(term), runs, arrays));
      }),
    );
  }

  /** The rows of the unit_postings table (file, unit, docs) in COPY's binary format, units ascending. */
  unitRows(file: string): Generator<Buffer> {
    const docs = [(chunk: number) => this.chunks[chunk]!.docs];
    return binaryCopy(this.unitRuns.flatMap((runs, unit) => (runs ? [(rows: BinaryWriter) => writeRuns(rows.rowStart(2 + docs.length).text(file).int4Field(unit), runs, docs)] : [])));
  }
}

/** One int4[] field per `arrays`, gathered from the runs ([source, first, count, …]) of each array's sources. */
function writeRuns(rows: BinaryWriter, runs: readonly number[], arrays: ReadonlyArray<(source: number) => Int32Array>): void {
  let postings = 0;
  for (let r = 2; r < runs.length; r += 3) postings += runs[r]!;
  for (const valuesOf of arrays) {
    rows.int4ArrayHeader(postings);
    for (let r = 0; r < runs.length; r += 3) {
      const values = valuesOf(runs[r]!);
      for (let at = runs[r + 1]!, end = at + runs[r + 2]!; at < end; at++) rows.int4Element(values[at]!);
    }
  }
}

/** A binary COPY's data: its header, the rows (each written when its batch is due, so that memory holds one batch), its trailer. */
function* binaryCopy(rows: ReadonlyArray<(rows: BinaryWriter) => void>): Generator<Buffer> {
  yield BINARY_COPY_HEADER;
  for (let from = 0; from < rows.length; from += 1_000) {
    const batch = new BinaryWriter(1 << 16);
    for (const row of rows.slice(from, from + 1_000)) row(batch);
    yield batch.written();
  }
  yield BINARY_COPY_TRAILER;
}

/** COPY's binary format (the PostgreSQL manual's "Binary Format"): the signature, no flags, no header extension. */
export const BINARY_COPY_HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);
const INT4_OID = 23;
const TEXT_OID = 25;
/** The first byte of a jsonb value in binary form: the only version there is, followed by the JSON text. */
const JSONB_VERSION = 1;
/** The postings table's array columns, in COPY order after file, field and term. */
const POSTING_ARRAYS = ["docs", "tfs", "lengths"] as const;
/** The most bytes a UTF-16 unit takes in UTF-8. */
const UTF8_PER_UNIT = 3;

/**
 * Rows in COPY's binary format, written front to back into a buffer that grows as needed: each
 * row's field count, then each field's length and value (big-endian). No text to escape on this
 * side and none for PostgreSQL to parse (an int4[] literal's text took it several times longer).
 */
export class BinaryWriter {
  private buffer: Buffer<ArrayBuffer>;
  /** Big-endian writes: DataView's are faster than Buffer's writeInt32BE (12,000 stories' postings: 0.49 s instead of 0.86 s). */
  private view: DataView;
  private at = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.from(new ArrayBuffer(capacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** The bytes written, at the start of a buffer of their own (transferable to another thread). */
  written(): Buffer<ArrayBuffer> {
    return Buffer.from(this.buffer.buffer, 0, this.at);
  }

  /** A row begins with its number of fields (int16). */
  rowStart(fields: number): this {
    this.room(2);
    this.view.setInt16(this.at, fields);
    this.at += 2;
    return this;
  }

  int4Field(value: number): this {
    this.room(8);
    this.int4(4);
    this.int4(value);
    return this;
  }

  float8Field(value: number): this {
    this.room(12);
    this.int4(8);
    this.view.setFloat64(this.at, value);
    this.at += 8;
    return this;
  }

  nullField(): this {
    this.room(4);
    this.int4(-1);
    return this;
  }

  /** A text field (or an element of a text[]) in UTF-8. */
  text(value: string): this {
    return this.sized(UTF8_PER_UNIT * value.length, () => (this.at += this.buffer.write(value, this.at)));
  }

  jsonb(json: string): this {
    return this.sized(1 + UTF8_PER_UNIT * json.length, () => {
      this.buffer[this.at++] = JSONB_VERSION;
      this.at += this.buffer.write(json, this.at);
    });
  }

  int4Array(values: Int32Array): this {
    this.int4ArrayHeader(values.length);
    for (const value of values) this.int4Element(value);
    return this;
  }

  /** An int4[] field's length and array header, with room made for its `length` elements, which int4Element writes next. */
  int4ArrayHeader(length: number): this {
    this.room(24 + 8 * length);
    this.int4(length === 0 ? 12 : 20 + 8 * length);
    this.arrayHeader(INT4_OID, length);
    return this;
  }

  /** An element of the int4[] whose header was just written: its length, then its value. */
  int4Element(value: number): void {
    this.int4(4);
    this.int4(value);
  }

  textArray(values: readonly string[]): this {
    return this.sized(20 + values.reduce((sum, value) => sum + 4 + UTF8_PER_UNIT * value.length, 0), () => {
      this.arrayHeader(TEXT_OID, values.length);
      for (const value of values) this.text(value);
    });
  }

  /** One dimension, no NULLs, its length and lower bound 1; PostgreSQL writes an empty array with no dimension. */
  private arrayHeader(elementType: number, length: number): void {
    this.int4(length === 0 ? 0 : 1);
    this.int4(0);
    this.int4(elementType);
    if (length === 0) return;
    this.int4(length);
    this.int4(1);
  }

  /** A field of at most `bytes` bytes written by `write`, after its length (known once written). */
  private sized(bytes: number, write: () => void): this {
    this.room(4 + bytes);
    const start = this.at;
    this.at += 4;
    write();
    this.view.setInt32(start, this.at - start - 4);
    return this;
  }

  private int4(value: number): void {
    this.view.setInt32(this.at, value);
    this.at += 4;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const larger = Buffer.from(new ArrayBuffer(Math.max(this.at + bytes, 2 * this.buffer.length)));
    this.buffer.copy(larger, 0, 0, this.at);
    this.buffer = larger;
    this.view = new DataView(larger.buffer);
  }
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
export function pairGrams(folded: string): Int32Array<ArrayBuffer> {
  const codes = new Int32Array(Math.max(0, folded.length - 1));
  let found = 0;
  for (let i = 1; i < folded.length; i++) {
    const first = folded.charCodeAt(i - 1);
    const second = folded.charCodeAt(i);
    if (first !== LINE_BREAK && second !== LINE_BREAK) codes[found++] = pairCode(first, second);
  }
  // Ascending (the GIN build sorts each row's keys, and finds sorted ones sorted at once: about 10%
  // of its time), then each once: sorting a typed array and skipping repeats is twice as fast as a Set.
  const sorted = codes.subarray(0, found).sort();
  let distinct = 0;
  for (let i = 0; i < found; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i]!;
  return codes.slice(0, distinct);
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
