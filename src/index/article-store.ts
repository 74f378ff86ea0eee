// What the page shows and what phrases are verified on: article metadata, display text and the
// folded text of each article of a segment.
//
//   articles.json  metadata of every article, without the body (parsed at load: small)
//   display.bin    UTF-8 bodies, read on demand for the ten hits of a page (not held in memory)
//   folded.bin     UTF-16LE folded "title\nbody" of every article, held in memory as one string
//   columns.bin    u32 arrays: display byte offsets (n+1), folded offsets (n+1), title and body term counts (n each)
import { openSync, readSync, closeSync } from "node:fs";
import type { Article } from "../types.js";

export type ArticleMeta = Omit<Article, "body">;

export interface StoredArticleInput {
  article: Article;
  folded: string; // fold(title + "\n" + body)
  titleTerms: number;
  bodyTerms: number;
}

export function serializeStore(items: readonly StoredArticleInput[]): {
  articles: string;
  display: Buffer;
  folded: Buffer;
  columns: Buffer;
} {
  const n = items.length;
  const columns = new Uint32Array(4 * n + 2);
  const displayParts: Buffer[] = [];
  let displayBytes = 0;
  let foldedUnits = 0;
  const metas: ArticleMeta[] = [];
  items.forEach(({ article, folded, titleTerms, bodyTerms }, i) => {
    const { body, ...meta } = article;
    metas.push(meta);
    const bytes = Buffer.from(body, "utf8");
    displayParts.push(bytes);
    columns[i] = displayBytes;
    displayBytes += bytes.length;
    columns[n + 1 + i] = foldedUnits;
    foldedUnits += folded.length;
    columns[2 * n + 2 + i] = titleTerms;
    columns[3 * n + 2 + i] = bodyTerms;
  });
  columns[n] = displayBytes;
  columns[2 * n + 1] = foldedUnits;
  return {
    articles: JSON.stringify(metas),
    display: Buffer.concat(displayParts),
    folded: Buffer.from(items.map((item) => item.folded).join(""), "utf16le"),
    columns: Buffer.from(columns.buffer),
  };
}

/** One segment's articles, loaded. Local article numbers run from 0 to size - 1. */
export class ArticleStore {
  private readonly displayFd: number;

  private constructor(
    readonly metas: readonly ArticleMeta[],
    private readonly foldedAll: string,
    private readonly displayStarts: Uint32Array,
    private readonly foldedStarts: Uint32Array,
    readonly titleTerms: Uint32Array,
    readonly bodyTerms: Uint32Array,
    displayPath: string,
  ) {
    this.displayFd = openSync(displayPath, "r");
  }

  /** Throws a plain Error saying which part is inconsistent; the reader names the segment. */
  static load(articlesJson: string, folded: Buffer, columns: Buffer, displayPath: string, displayBytes: number): ArticleStore {
    const metas = JSON.parse(articlesJson) as ArticleMeta[];
    if (!Array.isArray(metas)) throw new Error(`articles.json is not an array`);
    const n = metas.length;
    if (columns.byteLength !== (4 * n + 2) * 4) throw new Error(`columns.bin has ${columns.byteLength} bytes, expected ${(4 * n + 2) * 4} for ${n} articles`);
    const aligned = new Uint32Array(4 * n + 2);
    new Uint8Array(aligned.buffer).set(columns);
    const displayStarts = aligned.subarray(0, n + 1);
    const foldedStarts = aligned.subarray(n + 1, 2 * n + 2);
    if (displayStarts[n] !== displayBytes) throw new Error(`display.bin has ${displayBytes} bytes, columns say ${displayStarts[n]}`);
    if (foldedStarts[n]! * 2 !== folded.byteLength) throw new Error(`folded.bin has ${folded.byteLength} bytes, columns say ${foldedStarts[n]! * 2}`);
    return new ArticleStore(
      metas,
      folded.toString("utf16le"),
      displayStarts,
      foldedStarts,
      aligned.subarray(2 * n + 2, 3 * n + 2),
      aligned.subarray(3 * n + 2, 4 * n + 2),
      displayPath,
    );
  }

  get size(): number {
    return this.metas.length;
  }

  /** fold(title + "\n" + body); offsets below title.length + 1 are in the title. */
  folded(local: number): string {
    return this.foldedAll.slice(this.foldedStarts[local], this.foldedStarts[local + 1]);
  }

  body(local: number): string {
    const start = this.displayStarts[local]!;
    const length = this.displayStarts[local + 1]! - start;
    const buffer = Buffer.allocUnsafe(length);
    readSync(this.displayFd, buffer, 0, length, start);
    return buffer.toString("utf8");
  }

  close(): void {
    closeSync(this.displayFd);
  }
}
