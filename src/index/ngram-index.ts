// The exact-match index: for every character and every pair of adjacent characters (code units)
// of a document's folded text, the sorted list of documents that contain it. Any string of two or
// more characters occurs only in documents that hold all of its bigrams, so candidates from here
// never miss; the caller verifies them on the text.
//
// Why not a second FlexSearch index: on the 74,545-story corpus a FlexSearch bigram index took
// 64 s to fill, 179 MB of exported JSON and over 700 MB of heap. These posting lists are
// delta + varint coded bytes (about 1.3 bytes a posting) and load without parsing.
//
// File layout (little endian): magic "ZNG1", u32 keyCount, u32 dataBytes,
//   keys u32[keyCount] (sorted), docCounts u32[keyCount], starts u32[keyCount + 1], data u8[dataBytes].

import { ByteReader, ByteWriter } from "./byte-coding.js";
import { bytesOf, checkFileLength, openPostingFile, PostingPairs, Sections } from "./posting-pairs.js";

const MAGIC = 0x31474e5a; // "ZNG1"
const HEADER_BYTES = 12;

/** Unigram keys are the code unit itself; bigram keys put the first unit in the high half. */
export function bigramKey(first: number, second: number): number {
  return ((first << 16) | second) >>> 0;
}

/**
 * The keys of `text` in order, possibly repeated: written into `scratch` when it has room (two per
 * character), else into a new array. No callback per key: a build generates about 150 million.
 */
export function ngramKeys(text: string, scratch?: Uint32Array): Uint32Array {
  const keys = scratch && scratch.length >= text.length * 2 ? scratch : new Uint32Array(text.length * 2);
  let n = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x0a) {
      previous = -1; // a match never spans a paragraph break
      continue;
    }
    keys[n++] = unit;
    if (previous >= 0) keys[n++] = bigramKey(previous, unit);
    previous = unit;
  }
  return keys.subarray(0, n);
}

/** The keys that every document containing `needle` must have: its bigrams, or its one character. */
export function needleKeys(needle: string): number[] {
  if (needle.length === 1) return [needle.charCodeAt(0)];
  const keys = new Set<number>();
  for (let i = 1; i < needle.length; i++) keys.add(bigramKey(needle.charCodeAt(i - 1), needle.charCodeAt(i)));
  return [...keys];
}

/**
 * The keys already seen in the current document. Each slot is stamped with the document that
 * filled it, so moving to the next document clears the set without touching it. Why not sort a
 * document's keys and skip repeats: that sort was most of the time of adding a document.
 */
class KeysOfDocument {
  private readonly unigramStamps = new Int32Array(0x10000).fill(-1);
  private bigramKeys = new Uint32Array(1 << 12);
  private bigramStamps = new Int32Array(1 << 12).fill(-1);
  /** 32 minus the table's bits: the slot is the top bits of key × 2^32/φ (Fibonacci hashing). */
  private shift = 32 - 12;
  private doc = -1;

  /** Starts document `doc` (increasing), which will offer at most `keys` keys. */
  start(doc: number, keys: number): void {
    this.doc = doc;
    if (this.bigramStamps.length < keys * 2) {
      const bits = Math.ceil(Math.log2(keys * 2));
      this.bigramKeys = new Uint32Array(1 << bits);
      this.bigramStamps = new Int32Array(1 << bits).fill(-1);
      this.shift = 32 - bits;
    }
  }

  /** True the first time the current document offers `key`. */
  firstTime(key: number): boolean {
    if (key < 0x10000) {
      if (this.unigramStamps[key] === this.doc) return false;
      this.unigramStamps[key] = this.doc;
      return true;
    }
    // Open addressing: a slot stamped by an earlier document counts as empty.
    const mask = this.bigramStamps.length - 1;
    for (let slot = Math.imul(key, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & mask) {
      if (this.bigramStamps[slot] !== this.doc) {
        this.bigramStamps[slot] = this.doc;
        this.bigramKeys[slot] = key;
        return true;
      }
      if (this.bigramKeys[slot] === key) return false;
    }
  }
}

/** Collects documents in increasing id order, then serializes (see posting-pairs.ts). */
export class NgramIndexBuilder {
  private readonly pairs = new PostingPairs();
  private readonly seen = new KeysOfDocument();
  private docs = 0;
  private scratch = new Uint32Array(1 << 12);

  add(text: string): void {
    const doc = this.docs++;
    if (this.scratch.length < text.length * 2) this.scratch = new Uint32Array(text.length * 2);
    const keys = ngramKeys(text, this.scratch);
    this.seen.start(doc, keys.length);
    this.pairs.reserve(keys.length);
    // A document's pairs may go in any order: the sort by key at serialize() keeps documents in order.
    for (const key of keys) if (this.seen.firstTime(key)) this.pairs.push(key, doc);
  }

  serialize(): Buffer {
    const distinct: number[] = [];
    const counts: number[] = [];
    const starts: number[] = [];
    const data = new ByteWriter(this.pairs.size * 2);
    this.pairs.forEachKey((key, docs) => {
      distinct.push(key);
      counts.push(docs.length);
      starts.push(data.size);
      let previousDoc = 0;
      for (const doc of docs) {
        data.varint(doc - previousDoc);
        previousDoc = doc;
      }
    });
    starts.push(data.size);
    const header = new Uint32Array([MAGIC, distinct.length, data.size]);
    return Buffer.concat([
      bytesOf(header),
      bytesOf(Uint32Array.from(distinct)),
      bytesOf(Uint32Array.from(counts)),
      bytesOf(Uint32Array.from(starts)),
      data.toBuffer(),
    ]);
  }
}

/** Read-only view over a serialized n-gram index; lookups binary-search the key array. */
/** An index's pairs by their second character (NgramIndex.predecessorsSteps): what forEachPredecessor reads. */
export interface Predecessors {
  /** Where each second unit's ranks start in `ranks` (65,537 entries). */
  starts: Uint32Array;
  /** Bigram ranks (positions in the key array), by second unit, then first. */
  ranks: Uint32Array;
}

export class NgramIndex {
  private constructor(
    private readonly keys: Uint32Array,
    private readonly counts: Uint32Array,
    private readonly starts: Uint32Array,
    private readonly data: Uint8Array,
  ) {}

  /** Throws a plain Error naming what is wrong; the index reader adds the file name. */
  static fromBuffer(buffer: Buffer): NgramIndex {
    const { bytes, header } = openPostingFile(buffer, MAGIC, HEADER_BYTES / 4, "an n-gram index");
    const keyCount = header[1]!;
    const dataBytes = header[2]!;
    checkFileLength(bytes, HEADER_BYTES + keyCount * 12 + 4 + dataBytes);
    const file = new Sections(bytes, HEADER_BYTES);
    return new NgramIndex(file.u32(keyCount), file.u32(keyCount), file.u32(keyCount + 1), file.u8(dataBytes));
  }

  get keyCount(): number {
    return this.keys.length;
  }

  /** How many documents contain the key (0 when none). */
  docCount(key: number): number {
    const r = this.find(key);
    return r < 0 ? 0 : this.counts[r]!;
  }

  /** Sorted ids of the documents that contain the key, each plus `base` (a segment's first global number). */
  postings(key: number, base = 0): Uint32Array {
    const r = this.find(key);
    if (r < 0) return new Uint32Array(0);
    const list = new Uint32Array(this.counts[r]!);
    const reader = new ByteReader(this.data, this.starts[r]!);
    let doc = base;
    for (let i = 0; i < list.length; i++) {
      doc += reader.varint();
      list[i] = doc;
    }
    return list;
  }

  /** Every character that follows `first` in some document, with the documents holding the pair: bigram keys of one first unit are one range. */
  forEachFollower(first: number, visit: (second: number, docs: number) => void): void {
    const low = bigramKey(first, 0);
    for (let r = this.lowerBound(low); r < this.keys.length && this.keys[r]! - low <= 0xffff; r++) visit(this.keys[r]! - low, this.counts[r]!);
  }

  /**
   * Every character that precedes `second` in some document, with the documents holding the pair, in
   * increasing order of the first character, read from this index's `table` (predecessorsSteps()).
   */
  forEachPredecessor(table: Predecessors, second: number, visit: (first: number, docs: number) => void): void {
    const { starts, ranks } = table;
    for (let i = starts[second]!; i < starts[second + 1]!; i++) {
      const r = ranks[i]!;
      visit(this.keys[r]! >>> 16, this.counts[r]!);
    }
  }

  /**
   * The pairs of one second unit are scattered over the keys (they are sorted by first unit): this
   * builds the table of them, a counting sort of the bigram ranks by second unit (4 bytes a bigram:
   * 5 MiB on the 74,545-story corpus), pausing every `chunk` keys. Kept by the caller (index/derived.ts).
   */
  *predecessorsSteps(chunk: number): Generator<void, Predecessors, void> {
    const firstBigram = this.lowerBound(0x10000);
    const starts = new Uint32Array(0x10001);
    for (let r = firstBigram; r < this.keys.length; r++) {
      starts[(this.keys[r]! & 0xffff) + 1]!++;
      if ((r - firstBigram) % chunk === chunk - 1) yield;
    }
    for (let unit = 0; unit < 0x10000; unit++) starts[unit + 1]! += starts[unit]!;
    const ranks = new Uint32Array(this.keys.length - firstBigram);
    const next = starts.slice(0, 0x10000);
    // In key order, so each second unit's ranks come in increasing order of the first unit.
    for (let r = firstBigram; r < this.keys.length; r++) {
      ranks[next[this.keys[r]! & 0xffff]!++] = r;
      if ((r - firstBigram) % chunk === chunk - 1) yield;
    }
    return { starts, ranks };
  }

  /** Every character (code unit) of the documents, with the documents holding it: unigram keys come first. */
  forEachCharacter(visit: (unit: number, docs: number) => void): void {
    for (let r = 0; r < this.keys.length && this.keys[r]! <= 0xffff; r++) visit(this.keys[r]!, this.counts[r]!);
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private find(key: number): number {
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid]!;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}
