// Shared nouns of the pipeline. No logic lives here.
//
//   seeds/ ─ read-seeds ─ normalize ─ split-articles ─▶ Article
//   Article ─ analyze ─ segment-writer ─ index-writer ─▶ index/
//   index/ ─ index-reader ─▶ IndexSnapshot ─ query-parser ─ search ─ snippet ─ highlight ─▶ web

/** One paragraph of a repaired newspaper page. */
export interface Paragraph {
  /** Display text: lines that the page broke mid-sentence are joined, nothing else is changed. */
  text: string;
  /** 1-based first and last line of the seed file that the paragraph covers. */
  lineStart: number;
  lineEnd: number;
  /**
   * Where the pieces of `text` came from: the piece text[pieces[i].at .. pieces[i+1].at) starts at
   * UTF-16 offset `offset` of the seed file, on 1-based line `line`. Sorted by `at`; pieces[0].at = 0.
   */
  pieces: SourcePiece[];
}

export interface SourcePiece {
  at: number;
  offset: number;
  line: number;
}

/** One news article, as stored and shown. Every field is display text (not folded). */
export interface Article {
  /** Stable across rebuilds while its seed file is unchanged: `<file stem>-<nn>` for pages, the record id for JSONL. */
  id: string;
  title: string;
  /** Paragraphs joined by "\n". */
  body: string;
  /** Reporters and authors named in the byline or author line, in order of appearance. */
  authors: string[];
  /** The byline as printed (`□记者 都镇强 报道`, `本报讯(周钊梁 梁敏婷)`), when there is one. */
  byline?: string;
  /** Publication or source label: the JSONL `source`, else the seed file name. */
  source: string;
  /** Seed file the article came from, relative to its seeds root. */
  file: string;
  /** 1-based line range in `file` (pages: the article's lines; JSONL: the record's line). */
  lineStart: number;
  lineEnd: number;
  /**
   * Pages only: where the body's text stands in `file`, as pairs [bodyOffset, line, bodyOffset, line, …]
   * sorted by offset: the body from each offset up to the next one is on that 1-based line.
   */
  bodyLines?: number[];
  /** `YYYY-MM-DD`, or a full ISO 8601 time as given by a JSONL record, when the text states one. */
  date?: string;
}

/** A half-open range of UTF-16 offsets into a text. */
export interface TextRange {
  start: number;
  end: number;
}

/** HTML that escapes every character of its text and adds only `<mark>` (and `…`). Produced by present/highlight.ts alone. */
export type SafeHtml = string & { readonly __safeHtml: true };
