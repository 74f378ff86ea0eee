// Article[] → the rows of the PostgreSQL articles table in COPY's text format, and the chunk's
// contribution to the global term statistics (BM25's document frequencies and field lengths).
// Pure and synchronous: it runs on the segment pool's worker threads (segment-worker.ts) for a
// large load, in the loader's thread for a small one.
import type { Article } from "../types.js";
import { dateSortKey } from "./article-store.js";
import { keywordColumnType, textColumns } from "./postgres-schema.js";
import { COLUMN_KEYWORDS, TEXT_FIELDS, type ColumnKeywordName } from "./schema.js";
import { analyzeArticle } from "./segment-writer.js";

/** The columns the loader writes, with their types (generated columns are left out), in COPY order. */
export const ROW_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["doc", "integer"],
  ["id", "text"],
  ["file", "text"],
  ["folded", "text"],
  ["title_length", "integer"],
  ["grams", "text[]"],
  ["date_key", "double precision"],
  ["details", "jsonb"],
  ...TEXT_FIELDS.flatMap(({ name }) => {
    const { text, tf, length } = textColumns(name);
    return [[text, "text"], [tf, "jsonb"], [length, "integer"]] as const;
  }),
  ...COLUMN_KEYWORDS.map((name) => [name, keywordColumnType(name)] as const),
];

/** What a chunk of articles adds to term_stats and field_stats, per text field (TEXT_FIELDS order). */
export interface FieldStatistics {
  /** term → number of the chunk's articles whose field holds it. */
  df: Map<string, number>;
  /** The chunk's articles' field lengths in terms, summed. */
  terms: number;
}

export interface EncodedRows {
  /** One line per article, COPY text format, ending in "\n". */
  copy: string;
  stats: FieldStatistics[];
}

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
  const stats = emptyStatistics();
  const lines: string[] = [];
  for (const { doc, article } of articles) {
    const { folded, fieldTerms } = analyzeArticle(article, names);
    const fields = TEXT_FIELDS.flatMap(({ name }, i) => {
      const terms = fieldTerms[i]!;
      const frequencies: Record<string, number> = {};
      for (const term of terms) frequencies[term] = (frequencies[term] ?? 0) + 1;
      const field = stats[i]!;
      for (const term of Object.keys(frequencies)) field.df.set(term, (field.df.get(term) ?? 0) + 1);
      field.terms += terms.length;
      return [copyText(article[name]), copyText(JSON.stringify(frequencies)), String(terms.length)];
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
  return { copy: lines.join(""), stats };
}

/** Adds `more` into `into` (the statistics of one seed file, gathered chunk by chunk). */
export function addStatistics(into: FieldStatistics[], more: readonly FieldStatistics[]): void {
  more.forEach((field, i) => {
    const target = into[i]!;
    for (const [term, df] of field.df) target.df.set(term, (target.df.get(term) ?? 0) + df);
    target.terms += field.terms;
  });
}

export const emptyStatistics = (): FieldStatistics[] => TEXT_FIELDS.map(() => ({ df: new Map(), terms: 0 }));

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
 * The gram codes of the folded text: every distinct character and pair of adjacent characters (code
 * points), none across a line break. An article holds a phrase of one or two characters exactly when
 * its grams do, and a longer one only if it holds each of the phrase's pairs (the candidates that
 * the phrase check then confirms). Integers, not text: PostgreSQL's GIN index over a bigint[] of
 * the 74,545-story corpus builds in a quarter of the time of a text[] (no collation to compare by).
 */
export function grams(folded: string): number[] {
  const found = new Set<number>();
  for (const line of folded.split("\n")) {
    let previous: number | undefined;
    for (const char of line) {
      const code = char.codePointAt(0)!;
      found.add(code);
      if (previous !== undefined) found.add(pairCode(previous, code));
      previous = code;
    }
  }
  return [...found];
}

/** A pair's code: the first code point above the second, 21 bits each (a pair is never a single character's code, and fits in 2^53). */
const pairCode = (first: number, second: number): number => first * 0x200000 + second;

/** The codes a phrase's articles all hold (grams above): its character, or each of its pairs. */
export function phraseGrams(phrase: string): number[] {
  const codes = Array.from(phrase, (char) => char.codePointAt(0)!);
  if (codes.length === 1) return codes;
  return [...new Set(codes.slice(1).map((code, i) => pairCode(codes[i]!, code)))];
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
