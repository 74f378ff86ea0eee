// The word index that ranking reads: for every jieba term of a field, the sorted documents that
// contain it and how often (tf). Like Lucene's postings, each entry is the gap to the previous
// document doubled, plus 1 when tf = 1 (most entries), else followed by tf: one byte for most.
// Every SKIP_INTERVAL entries a skip point (the document before it, its byte offset) lets ranking
// jump to the few matched documents instead of decoding a common term's whole list.
//
// Why not FlexSearch for article bodies: on the 74,545-story corpus its maps took about 250 MiB of
// heap and a second of JSON import at every server start, and filling them cost as much CPU as
// jieba itself. This file is about 1.2 bytes a posting and loads without parsing.
//
// File layout (little endian): magic "ZWD2", u32 termCount, u32 termUnits, u32 skipCount,
//   u32 dataBytes, termStarts u32[termCount + 1] (into the term text), docCounts u32[termCount],
//   starts u32[termCount + 1] (into data), skipStarts u32[termCount + 1] (into the skip points),
//   skipDocs u32[skipCount], skipOffsets u32[skipCount] (into data),
//   term text u16[termUnits] (terms sorted by code unit), data u8[dataBytes].
import { ByteReader, ByteWriter } from "./byte-coding.js";
import { bytesOf, checkFileLength, openPostingFile, PostingPairs, Sections } from "./posting-pairs.js";

const MAGIC = 0x3244575a; // "ZWD2"
const HEADER_BYTES = 20;
/** Entries between skip points: 128 as in Lucene; a skip point costs 8 bytes. */
const SKIP_INTERVAL = 128;

/** Term frequencies above this count as this: BM25 saturates long before (k1 = 1.2). */
export const MAX_TF = 255;
/** Document numbers share a 32-bit value with the tf (8 bits); a segment holds far fewer. */
const MAX_DOCS = 1 << 24;

/** A field's word postings, as ranking reads them (this file's format, or FlexSearch for headlines). */
export interface FieldPostings {
  /** The term's postings, looked up once for both of ranking's questions; empty when no document has it. */
  lookup(term: string): TermPostings;
}

export interface TermPostings {
  /** How many documents contain the term. */
  readonly documentFrequency: number;
  /**
   * Calls `visit(doc - base, tf)` once for every document of `docs` that contains the term (in no
   * promised order). `docs` are sorted and in this index's range: `base` plus its own numbers.
   */
  forEachIn(docs: ArrayLike<number>, base: number, visit: (doc: number, tf: number) => void): void;
}

export const NO_POSTINGS: TermPostings = { documentFrequency: 0, forEachIn: () => {} };

/**
 * Dense ids for terms, in order of first appearance. 85% of jieba's terms in the archive are one or
 * two code units: those are found by their code units in typed arrays (an open-addressing table for
 * pairs), longer ones in a Map. Why: a Map<string> lookup a term (the strings are fresh from jieba,
 * so each is hashed first) was the largest part of a build after jieba itself (1.3 s of a 9.6 s
 * segment of 10k articles; --cpu-prof).
 */
class TermIds {
  private readonly singles = new Int32Array(0x10000).fill(-1);
  private pairBits = 16;
  private pairKeys = new Uint32Array(1 << this.pairBits);
  private pairIds = new Int32Array(1 << this.pairBits).fill(-1);
  private pairCount = 0;
  private readonly longer = new Map<string, number>();
  /** The term of each id. */
  readonly terms: string[] = [];

  id(term: string): number {
    if (term.length === 1) {
      const unit = term.charCodeAt(0);
      const id = this.singles[unit]!;
      return id >= 0 ? id : (this.singles[unit] = this.add(term));
    }
    if (term.length === 2) return this.pairId(term, ((term.charCodeAt(0) << 16) | term.charCodeAt(1)) >>> 0);
    const id = this.longer.get(term);
    if (id !== undefined) return id;
    const added = this.add(term);
    this.longer.set(term, added);
    return added;
  }

  private add(term: string): number {
    this.terms.push(term);
    return this.terms.length - 1;
  }

  private pairId(term: string, key: number): number {
    const mask = this.pairIds.length - 1;
    for (let slot = this.slotOf(key); ; slot = (slot + 1) & mask) {
      const id = this.pairIds[slot]!;
      if (id < 0) {
        this.pairKeys[slot] = key;
        this.pairIds[slot] = this.add(term);
        if (++this.pairCount * 2 > mask) this.growPairs();
        return this.terms.length - 1;
      }
      if (this.pairKeys[slot] === key) return id;
    }
  }

  /** Fibonacci hashing: the top bits of key × 2^32/φ. */
  private slotOf(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> (32 - this.pairBits);
  }

  private growPairs(): void {
    const [keys, ids] = [this.pairKeys, this.pairIds];
    this.pairBits++;
    this.pairKeys = new Uint32Array(1 << this.pairBits);
    this.pairIds = new Int32Array(1 << this.pairBits).fill(-1);
    const mask = this.pairIds.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (ids[i]! < 0) continue;
      let slot = this.slotOf(keys[i]!);
      while (this.pairIds[slot]! >= 0) slot = (slot + 1) & mask;
      this.pairKeys[slot] = keys[i]!;
      this.pairIds[slot] = ids[i]!;
    }
  }
}

export class WordIndexBuilder {
  private readonly termIds = new TermIds();
  private readonly pairs = new PostingPairs();
  private scratch = new Uint32Array(1 << 12);
  private lastDoc = -1;

  /** Adds a document's analyzed terms (with repeats). Documents must come in increasing order. */
  add(doc: number, terms: readonly string[]): void {
    if (doc <= this.lastDoc || doc >= MAX_DOCS) throw new Error(`document ${doc} out of order or out of range (last ${this.lastDoc})`);
    this.lastDoc = doc;
    // Term ids counted by sorting them: one id lookup a term and no Map a document (a Map of
    // frequencies per document was a seventh of the build).
    if (this.scratch.length < terms.length) this.scratch = new Uint32Array(terms.length * 2);
    for (let i = 0; i < terms.length; i++) this.scratch[i] = this.termIds.id(terms[i]!);
    const ids = this.scratch.subarray(0, terms.length).sort();
    this.pairs.reserve(ids.length);
    for (let from = 0; from < ids.length; ) {
      let to = from + 1;
      while (to < ids.length && ids[to] === ids[from]) to++;
      this.pairs.push(ids[from]!, (doc << 8) | Math.min(to - from, MAX_TF));
      from = to;
    }
  }

  /** Every distinct term added so far. */
  terms(): readonly string[] {
    return this.termIds.terms;
  }

  serialize(): Buffer {
    const termOf = this.termIds.terms;
    const idsByTerm = Array.from(termOf.keys()).sort((a, b) => (termOf[a]! < termOf[b]! ? -1 : 1));
    const sorted = idsByTerm.map((id) => termOf[id]!);
    const rankOfId = new Uint32Array(sorted.length);
    idsByTerm.forEach((id, rank) => (rankOfId[id] = rank));

    const termStarts = new Uint32Array(sorted.length + 1);
    const termText = sorted.join("");
    sorted.reduce((at, term, rank) => (termStarts[rank + 1] = at + term.length), 0);
    const termUnits = new Uint16Array(termText.length);
    for (let i = 0; i < termText.length; i++) termUnits[i] = termText.charCodeAt(i);

    const docCounts = new Uint32Array(sorted.length);
    const starts = new Uint32Array(sorted.length + 1);
    const skipStarts = new Uint32Array(sorted.length + 1);
    const skipDocs: number[] = [];
    const skipOffsets: number[] = [];
    const data = new ByteWriter(this.pairs.size * 2);
    this.pairs.forEachKey(
      (rank, entries) => {
        docCounts[rank] = entries.length;
        starts[rank] = data.size;
        skipStarts[rank] = skipDocs.length;
        let previous = 0;
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!;
          if (i > 0 && i % SKIP_INTERVAL === 0) {
            skipDocs.push(previous);
            skipOffsets.push(data.size);
          }
          const doc = entry >>> 8;
          const tf = entry & 0xff;
          data.varint((doc - previous) * 2 + (tf === 1 ? 1 : 0));
          if (tf !== 1) data.varint(tf);
          previous = doc;
        }
      },
      (id) => rankOfId[id]!,
    );
    starts[sorted.length] = data.size;
    skipStarts[sorted.length] = skipDocs.length;
    const header = new Uint32Array([MAGIC, sorted.length, termUnits.length, skipDocs.length, data.size]);
    return Buffer.concat([
      ...[header, termStarts, docCounts, starts, skipStarts, Uint32Array.from(skipDocs), Uint32Array.from(skipOffsets), termUnits].map(bytesOf),
      data.toBuffer(),
    ]);
  }
}

/** Read-only view over a serialized word index; lookups binary-search the sorted terms. */
export class WordIndex implements FieldPostings {
  private constructor(
    private readonly termStarts: Uint32Array,
    private readonly docCounts: Uint32Array,
    private readonly starts: Uint32Array,
    private readonly skipStarts: Uint32Array,
    private readonly skipDocs: Uint32Array,
    private readonly skipOffsets: Uint32Array,
    private readonly termUnits: Uint16Array,
    private readonly data: Uint8Array,
  ) {}

  /** Throws a plain Error naming what is wrong; the index reader adds the file name. */
  static fromBuffer(buffer: Uint8Array): WordIndex {
    const { bytes, header } = openPostingFile(buffer, MAGIC, HEADER_BYTES / 4, "a word index");
    const termCount = header[1]!;
    const termUnits = header[2]!;
    const skipCount = header[3]!;
    const dataBytes = header[4]!;
    checkFileLength(bytes, HEADER_BYTES + (termCount * 4 + 3 + skipCount * 2) * 4 + termUnits * 2 + dataBytes);
    const file = new Sections(bytes, HEADER_BYTES);
    return new WordIndex(
      file.u32(termCount + 1),
      file.u32(termCount),
      file.u32(termCount + 1),
      file.u32(termCount + 1),
      file.u32(skipCount),
      file.u32(skipCount),
      file.u16(termUnits),
      file.u8(dataBytes),
    );
  }

  get termCount(): number {
    return this.docCounts.length;
  }

  /** Every term (of ranks `from` to `to`) with its document count, in code-unit order (the vocabulary that suggestions read). */
  forEachTerm(visit: (term: string, documentFrequency: number) => void, from = 0, to = this.docCounts.length): void {
    for (let rank = from; rank < Math.min(to, this.docCounts.length); rank++) {
      const units = this.termUnits.subarray(this.termStarts[rank]!, this.termStarts[rank + 1]!);
      visit(String.fromCharCode.apply(null, units as unknown as number[]), this.docCounts[rank]!);
    }
  }

  lookup(term: string): TermPostings {
    const rank = this.find(term);
    if (rank < 0) return NO_POSTINGS;
    return { documentFrequency: this.docCounts[rank]!, forEachIn: (docs, base, visit) => this.walk(rank, docs, base, visit) };
  }

  /** Walks term `rank`'s list and the sorted `docs` together, jumping over skip blocks that end before the next wanted document. */
  private walk(rank: number, docs: ArrayLike<number>, base: number, visit: (doc: number, tf: number) => void): void {
    const count = this.docCounts[rank]!;
    const reader = new ByteReader(this.data, this.starts[rank]!);
    const firstSkip = this.skipStarts[rank]!;
    const lastSkip = this.skipStarts[rank + 1]!;
    let skip = firstSkip;
    let consumed = 0; // entries decoded or jumped over
    let previous = 0; // the gaps' reference: the last document decoded or jumped to
    let doc = -1;
    let tf = 0;
    for (let i = 0; i < docs.length; i++) {
      const target = docs[i]! - base;
      if (doc < target) {
        for (; skip < lastSkip && this.skipDocs[skip]! < target; skip++) {
          const entry = (skip - firstSkip + 1) * SKIP_INTERVAL;
          if (entry <= consumed) continue;
          reader.position = this.skipOffsets[skip]!;
          previous = this.skipDocs[skip]!;
          consumed = entry;
        }
        while (doc < target && consumed < count) {
          const code = reader.varint();
          previous += code >>> 1;
          doc = previous;
          tf = code & 1 ? 1 : reader.varint();
          consumed++;
        }
        if (doc < target) return; // the list ended before this document
      }
      if (doc === target) visit(doc, tf);
    }
  }

  private find(term: string): number {
    let lo = 0;
    let hi = this.docCounts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = this.compareTerm(mid, term);
      if (order < 0) lo = mid + 1;
      else if (order > 0) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** The stored term `rank` against `term`, by UTF-16 code units: the order of the builder's sort(). */
  private compareTerm(rank: number, term: string): number {
    const start = this.termStarts[rank]!;
    const length = this.termStarts[rank + 1]! - start;
    const shared = Math.min(length, term.length);
    for (let i = 0; i < shared; i++) {
      const difference = this.termUnits[start + i]! - term.charCodeAt(i);
      if (difference !== 0) return difference;
    }
    return length - term.length;
  }
}
