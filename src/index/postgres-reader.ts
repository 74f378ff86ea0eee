// What search reads from a loaded PostgreSQL database (postgres-writer.ts). So far: the articles
// that hold a phrase, exactly, with its occurrences, the way phrase-check.ts counts them in the
// embedded index. Short phrases use the gram array, longer ones pg_trgm; both answer exactly.
import type pg from "pg";
import type { Field } from "../search/phrase-check.js";

export interface PhraseMatch {
  id: string;
  /** Non-overlapping occurrences, leftmost first (phrase-check.ts occurrences()). */
  occurrences: number;
}

/** Phrases up to this many characters are looked up in the gram array; pg_trgm needs three. */
const GRAM_MAX_CHARS = 2;

/** LIKE's wildcards and its escape character, taken literally. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The articles whose field holds the folded `phrase`, in loading order. */
export async function phraseMatches(client: pg.ClientBase, phrase: string, field: Field): Promise<PhraseMatch[]> {
  if (phrase.length === 0) return [];
  const short = Array.from(phrase).length <= GRAM_MAX_CHARS;
  // A parameterized query is planned with its values (an unnamed statement), so the planner sees the phrase.
  const { rows } = await client.query<PhraseMatch>(
    `SELECT id, ((length(t) - length(replace(t, $1, ''))) / length($1))::int AS occurrences
     FROM (SELECT doc, id, CASE WHEN $3 THEN left(folded, title_length) ELSE folded END AS t FROM articles
           WHERE ${short ? "grams @> ARRAY[$2::text]" : "folded LIKE $2"}) AS candidates
     WHERE strpos(t, $1) > 0 ORDER BY doc`,
    [phrase, short ? phrase : `%${likeLiteral(phrase)}%`, field === "title"],
  );
  return rows;
}
