// What the page shows and what phrases are verified on: article metadata, folded text, and the
// display text of each article of a segment.
//
//   articles.json  metadata of every article, without the body (parsed at load: small)
//   folded.bin     UTF-16LE folded "title\nbody" of every article, held in memory as one string
//   unfold.bin     the code units where the display body differs from its folded copy: folding is
//                  length-preserving, so display = folded with these units put back (a few percent
//                  of the text: full-width punctuation, upper case, traditional characters)
//   columns.bin    u32 arrays: folded offsets (n+1), unfold byte offsets (n+1), title and body term counts (n each)
//
// Storing the display text as edits of the folded text instead of a second copy saves a third of
// the index on disk, and serving a hit needs no disk read.
import type { Article } from "../types.js";
import { ByteReader, ByteWriter } from "./byte-coding.js";

export type ArticleMeta = Omit<Article, "body">;

export interface StoredArticleInput {
  article: Article;
  folded: string; // fold(title + "\n" + body)
  titleTerms: number;
  bodyTerms: number;
}

export function serializeStore(items: readonly StoredArticleInput[]): {
  articles: string;
  folded: Buffer;
  unfold: Buffer;
  columns: Buffer;
} {
  const n = items.length;
  const columns = new Uint32Array(4 * n + 2);
  const unfold = new ByteWriter();
  let foldedUnits = 0;
  const metas: ArticleMeta[] = [];
  items.forEach(({ article, folded, titleTerms, bodyTerms }, i) => {
    const { body, ...meta } = article;
    metas.push(meta);
    columns[i] = foldedUnits;
    foldedUnits += folded.length;
    columns[n + 1 + i] = unfold.size;
    // Each edit: varint gap from the previous edit's position in the body, then the unit (u16 LE).
    const offset = article.title.length + 1;
    let previous = 0;
    for (let at = 0; at < body.length; at++) {
      const unit = body.charCodeAt(at);
      if (unit === folded.charCodeAt(offset + at)) continue;
      unfold.varint(at - previous);
      unfold.unit(unit);
      previous = at;
    }
    columns[2 * n + 2 + i] = titleTerms;
    columns[3 * n + 2 + i] = bodyTerms;
  });
  columns[n] = foldedUnits;
  columns[2 * n + 1] = unfold.size;
  return {
    articles: JSON.stringify(metas),
    folded: Buffer.from(items.map((item) => item.folded).join(""), "utf16le"),
    unfold: unfold.toBuffer(),
    columns: Buffer.from(columns.buffer),
  };
}

/** One segment's articles, loaded. Local article numbers run from 0 to size - 1. */
export class ArticleStore {
  private constructor(
    readonly metas: readonly ArticleMeta[],
    private readonly foldedAll: string,
    private readonly foldedStarts: Uint32Array,
    private readonly unfold: Uint8Array,
    private readonly unfoldStarts: Uint32Array,
    readonly titleTerms: Uint32Array,
    readonly bodyTerms: Uint32Array,
  ) {}

  /** Throws a plain Error saying which part is inconsistent; the reader names the segment. */
  static load(articlesJson: string, folded: Buffer, unfold: Buffer, columns: Buffer): ArticleStore {
    const metas = JSON.parse(articlesJson) as ArticleMeta[];
    if (!Array.isArray(metas)) throw new Error(`articles.json is not an array`);
    const n = metas.length;
    if (columns.byteLength !== (4 * n + 2) * 4) throw new Error(`columns.bin has ${columns.byteLength} bytes, expected ${(4 * n + 2) * 4} for ${n} articles`);
    const aligned = new Uint32Array(4 * n + 2);
    new Uint8Array(aligned.buffer).set(columns);
    const foldedStarts = aligned.subarray(0, n + 1);
    const unfoldStarts = aligned.subarray(n + 1, 2 * n + 2);
    if (foldedStarts[n]! * 2 !== folded.byteLength) throw new Error(`folded.bin has ${folded.byteLength} bytes, columns say ${foldedStarts[n]! * 2}`);
    if (unfoldStarts[n] !== unfold.byteLength) throw new Error(`unfold.bin has ${unfold.byteLength} bytes, columns say ${unfoldStarts[n]}`);
    return new ArticleStore(
      metas,
      folded.toString("utf16le"),
      foldedStarts,
      new Uint8Array(unfold),
      unfoldStarts,
      aligned.subarray(2 * n + 2, 3 * n + 2),
      aligned.subarray(3 * n + 2, 4 * n + 2),
    );
  }

  get size(): number {
    return this.metas.length;
  }

  /** fold(title + "\n" + body); offsets below title.length + 1 are in the title. */
  folded(local: number): string {
    return this.foldedAll.slice(this.foldedStarts[local], this.foldedStarts[local + 1]);
  }

  /** The body as the page printed it: the folded body with the unfold edits put back. */
  body(local: number): string {
    const folded = this.foldedAll.slice(this.foldedStarts[local]! + this.metas[local]!.title.length + 1, this.foldedStarts[local + 1]);
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
