// How posting lists are built, for n-grams and words alike: documents are added in increasing id
// order, each contributing (key, value) pairs; a stable radix sort by key then yields every key's
// list already in document order, with no per-key objects (a Map of arrays per key was the build's
// hot spot and most of its heap).

/** Growable parallel arrays of (key, value) pairs, both unsigned 32-bit. */
export class PostingPairs {
  private keys = new Uint32Array(1 << 16);
  private values = new Uint32Array(1 << 16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Makes room for `extra` more pairs at once (call before a document's run of `push`). */
  reserve(extra: number): void {
    if (this.count + extra <= this.keys.length) return;
    const capacity = Math.max(this.keys.length * 2, this.count + extra);
    const keys = new Uint32Array(capacity);
    keys.set(this.keys.subarray(0, this.count));
    const values = new Uint32Array(capacity);
    values.set(this.values.subarray(0, this.count));
    this.keys = keys;
    this.values = values;
  }

  /** Appends a pair; `reserve` must have made room for it. */
  push(key: number, value: number): void {
    this.keys[this.count] = key;
    this.values[this.count++] = value;
  }

  /**
   * The pairs sorted by key (after `rekey`, if given), pairs of one key in the order they were
   * added. Calls `visit(key, values)` once per distinct key, in increasing key order.
   */
  forEachKey(visit: (key: number, values: Uint32Array) => void, rekey?: (key: number) => number): void {
    let keys = this.keys.subarray(0, this.count);
    if (rekey) keys = keys.map(rekey);
    const sorted = radixSortByKey(keys, this.values.subarray(0, this.count));
    let from = 0;
    for (let i = 1; i <= sorted.keys.length; i++) {
      if (i === sorted.keys.length || sorted.keys[i] !== sorted.keys[from]) {
        visit(sorted.keys[from]!, sorted.values.subarray(from, i));
        from = i;
      }
    }
  }
}

/** Stable LSD radix sort of (key, value) pairs by key, 16 bits a pass. */
function radixSortByKey(keys: Uint32Array, values: Uint32Array): { keys: Uint32Array; values: Uint32Array } {
  let inKeys: Uint32Array = keys;
  let inValues: Uint32Array = values;
  let outKeys: Uint32Array = new Uint32Array(keys.length);
  let outValues: Uint32Array = new Uint32Array(keys.length);
  for (const shift of [0, 16]) {
    const offsets = new Uint32Array(0x10001);
    for (let i = 0; i < inKeys.length; i++) offsets[((inKeys[i]! >>> shift) & 0xffff) + 1]! += 1;
    for (let b = 0; b < 0x10000; b++) offsets[b + 1]! += offsets[b]!;
    for (let i = 0; i < inKeys.length; i++) {
      const at = offsets[(inKeys[i]! >>> shift) & 0xffff]!++;
      outKeys[at] = inKeys[i]!;
      outValues[at] = inValues[i]!;
    }
    [inKeys, outKeys] = [outKeys, inKeys];
    [inValues, outValues] = [outValues, inValues];
  }
  return { keys: inKeys, values: inValues };
}

/** The bytes of a typed array, for writing it to a file. */
export function bytesOf(array: Uint32Array | Uint16Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Opens a posting file: checks its magic number and returns its `headerWords` u32 header words
 * (the magic first) and its bytes, aligned so typed arrays of 4-byte elements can be laid over
 * them (a file read whole usually is; a slice of a larger buffer may not be, and is copied).
 * Throws a plain Error naming what is wrong; the index reader adds the file name.
 */
export function openPostingFile(buffer: Uint8Array, magic: number, headerWords: number, what: string): { bytes: Uint8Array; header: Uint32Array } {
  let bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (bytes.byteOffset % 4 !== 0) bytes = Uint8Array.from(bytes);
  if (bytes.byteLength < headerWords * 4) throw new Error(`file is too short for ${what}`);
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, headerWords);
  if (header[0] !== magic) throw new Error(`not ${what} (bad magic number)`);
  return { bytes, header };
}

/** Refuses a file whose size is not what its header says. */
export function checkFileLength(bytes: Uint8Array, expected: number): void {
  if (bytes.byteLength !== expected) throw new Error(`truncated: ${bytes.byteLength} bytes, expected ${expected}`);
}

/** Lays typed arrays over the consecutive sections of a posting file, in file order. */
export class Sections {
  private at: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
  ) {
    this.at = bytes.byteOffset + offset;
  }

  u32(length: number): Uint32Array {
    const view = new Uint32Array(this.bytes.buffer, this.at, length);
    this.at += view.byteLength;
    return view;
  }

  u16(length: number): Uint16Array {
    const view = new Uint16Array(this.bytes.buffer, this.at, length);
    this.at += view.byteLength;
    return view;
  }

  u8(length: number): Uint8Array {
    const view = new Uint8Array(this.bytes.buffer, this.at, length);
    this.at += view.byteLength;
    return view;
  }
}
