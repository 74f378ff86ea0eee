// LEB128 varints, the byte coding of the n-gram posting lists and of the article store's unfold
// edits: small numbers (gaps between sorted values) take one byte instead of four.

/** A growable byte array that varints and 16-bit units are appended to. */
export class ByteWriter {
  private bytes: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Appends a non-negative integer below 2^32. */
  varint(value: number): void {
    this.reserve(5);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytes[this.length++] = value;
  }

  /** Appends a UTF-16 code unit, little endian. */
  unit(value: number): void {
    this.reserve(2);
    this.bytes[this.length++] = value & 0xff;
    this.bytes[this.length++] = value >>> 8;
  }

  get size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

/** Reads what a ByteWriter wrote, from `position` on. */
export class ByteReader {
  constructor(
    private readonly data: Uint8Array,
    public position: number,
  ) {}

  varint(): number {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.data[this.position++]!;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value >>> 0;
  }

  unit(): number {
    const value = this.data[this.position]! | (this.data[this.position + 1]! << 8);
    this.position += 2;
    return value;
  }
}
