// The conformance checks of the PostgreSQL backend against the embedded engine, shared by the tests
// of one database (postgres-load.test.ts) and of shards behind a proxy (postgres-shards.test.ts):
// sampled phrases (1–2 characters, punctuation, Latin letters and digits, titles), sampled queries
// (AND, OR, -, title:, filters, relaxed fallback) and ranked pages in every sort order.
import { expect } from "chai";
import { queryTerms } from "../../src/analysis/analyze.js";
import { fold } from "../../src/analysis/fold.js";
import type { IndexSnapshot } from "../../src/index/index-reader.js";
import { matchInPostgres, searchPostgres } from "../../src/search/postgres-match.js";
import type { Queryable } from "../../src/search/postgres-pools.js";
import { SORT_ORDERS } from "../../src/search/rank.js";
import { search } from "../../src/search/search.js";
import { QUERIES } from "./index-fixtures.js";
import { Random } from "./random.js";

/**
 * At least 200 sampled phrases give the embedded engine's article sets and occurrence counts: a
 * search for the quoted phrase alone (one statement matches and counts).
 */
export async function expectSamePhrases(client: Queryable, snapshot: IndexSnapshot): Promise<void> {
  const phrases = samplePhrases(snapshot, 240);
  const kinds = { short: 0, punctuation: 0, latin: 0, title: 0 };
  const differences: string[] = [];
  for (const { phrase, field } of phrases) {
    if (Array.from(phrase).length <= 2) kinds.short++;
    if (/[\p{P}\p{S}]/u.test(phrase)) kinds.punctuation++;
    if (/[a-z0-9]/.test(phrase)) kinds.latin++;
    if (field === "title") kinds.title++;
    const query = `${field === "title" ? "title:" : ""}"${phrase}"`;
    const result = search(snapshot, { query, page: 1, size: snapshot.size, sort: "relevance" });
    const count = result.phrases[0]!;
    const embedded = result.hits.map((hit) => hit.article.id).sort();
    const database = await matchInPostgres(client, query);
    const counted = database.phrases[0];
    if (JSON.stringify([...database.ids].sort()) !== JSON.stringify(embedded) || database.total !== result.total || counted?.articles !== count.articles || counted.occurrences !== count.occurrences) {
      differences.push(`${query}: embedded ${result.total} articles / ${count.articles} holding / ${count.occurrences} occurrences, postgres ${database.total} / ${counted?.articles} / ${counted?.occurrences}`);
    }
  }
  expect(differences).to.deep.equal([]);
  expect(phrases.length).to.be.at.least(200);
  // The sample covers what the gram index must get right: single characters and pairs exactly, longer phrases through their pairs.
  expect(kinds.short).to.be.at.least(40);
  expect(kinds.punctuation).to.be.at.least(20);
  expect(kinds.latin).to.be.at.least(20);
  expect(kinds.title).to.be.at.least(20);
}

/** QUERIES and 120 sampled queries match the embedded engine's article sets, totals, relaxed fallback, item and phrase counts. */
export async function expectSameMatches(client: Queryable, snapshot: IndexSnapshot): Promise<void> {
  const queries = [...QUERIES, ...sampleQueries(snapshot, 120)];
  const differences: string[] = [];
  let compared = 0;
  for (const query of queries) {
    const embedded = search(snapshot, { query, page: 1, size: snapshot.size, sort: "relevance", correct: false });
    // Pinyin readings are the embedded engine's only (they need its vocabulary); synonyms are on both.
    if (embedded.expansions.some(({ reason }) => reason === "pinyin")) continue;
    compared++;
    const database = await matchInPostgres(client, query);
    const expected = { ids: embedded.hits.map((hit) => hit.article.id).sort(), total: embedded.total, relaxed: embedded.relaxed, itemCounts: embedded.itemCounts, phrases: embedded.phrases };
    const actual = { ids: [...database.ids].sort(), total: database.total, relaxed: database.relaxed, itemCounts: database.itemCounts, phrases: database.phrases };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      differences.push(`${query}: embedded ${JSON.stringify({ ...expected, ids: expected.ids.length })}, postgres ${JSON.stringify({ ...actual, ids: actual.ids.length })}`);
    }
  }
  expect(differences).to.deep.equal([]);
  expect(compared).to.be.at.least(120);
}

/** QUERIES and 60 sampled queries give the embedded engine's pages: ids, order and scores, all sorts. */
export async function expectSameRanking(client: Queryable, snapshot: IndexSnapshot): Promise<void> {
  const queries = [...QUERIES, ...sampleQueries(snapshot, 60)];
  const differences: string[] = [];
  let compared = 0;
  for (const [i, query] of queries.entries()) {
    const request = { query, sort: SORT_ORDERS[i % SORT_ORDERS.length]!, page: 1 + (i % 2), size: 10, correct: false };
    const embedded = search(snapshot, request);
    if (embedded.expansions.some(({ reason }) => reason === "pinyin")) continue;
    compared++;
    const database = await searchPostgres(client, request);
    const expected = embedded.hits.map((hit) => `${hit.article.id} ${hit.score.toPrecision(12)}`);
    const actual = database.pageIds.map((id, at) => `${id} ${database.scores[at]!.toPrecision(12)}`);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) differences.push(`${query} (${request.sort}, page ${request.page}): embedded ${expected.join(", ")}; postgres ${actual.join(", ")}`);
  }
  expect(differences).to.deep.equal([]);
  expect(compared).to.be.at.least(80);
}

/**
 * Queries made of the sample's own words (jieba terms of random titles): one and two words, OR,
 * exclusions, title:, the filters (a month, a source, an author) with them, and the start of a
 * headline typed as one word.
 */
export function sampleQueries(snapshot: IndexSnapshot, count: number): string[] {
  const random = new Random(20201202);
  const word = (): string => {
    const terms = queryTerms(snapshot.folded(random.int(0, snapshot.size - 1)).slice(0, 40)).filter((term) => !/^[\p{P}\p{S}\s]+$/u.test(term));
    return terms.length > 0 ? random.pick(terms) : "新闻";
  };
  const doc = (): number => random.int(0, snapshot.size - 1);
  const shapes: Array<() => string> = [
    () => word(),
    () => `${word()} ${word()}`,
    () => `${word()} OR ${word()}`,
    () => `${word()} -${word()}`,
    () => `title:${word()}`,
    () => `${word()} date:${snapshot.keywordValues(doc(), "date")[0]!.slice(0, 7)}`,
    () => `${word()} source:${snapshot.keywordValues(doc(), "source")[0]!}`,
    () => `"${word()}${word()}" ${word()}`,
    () => `${word()} ${word()} ${word()}`,
    // Several words typed together, as a headline has them: the proximity bonus applies.
    () => snapshot.folded(doc()).slice(0, 5).replace(/[\p{P}\p{S}\s]/gu, "") || "新闻联播",
  ];
  const authored = Array.from({ length: snapshot.size }, (_, doc) => snapshot.keywordValues(doc, "author")).flat();
  if (authored.length > 0) shapes.push(() => `${word()} author:${random.pick(authored)}`);
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!());
}

/**
 * Phrases cut from the articles' folded text at random: 1–2 characters (the gram array), longer
 * ones across jieba's word boundaries (pg_trgm), some at punctuation or Latin letters and digits,
 * some restricted to titles. Phrases the query language cannot quote, or that fold().trim() would
 * change, are left out.
 */
export function samplePhrases(snapshot: IndexSnapshot, count: number): Array<{ phrase: string; field: "any" | "title" }> {
  const random = new Random(20201201);
  const found = new Map<string, { phrase: string; field: "any" | "title" }>();
  const lengths = [1, 2, 2, 3, 4, 5, 7];
  const quotable = (text: string): boolean => text.trim() === text && !/["“”「」\n]/.test(text) && fold(text) === text;
  for (let tries = 0; found.size < count && tries < 100_000; tries++) {
    const doc = random.int(0, snapshot.size - 1);
    const text = snapshot.folded(doc);
    const title = tries % 8 === 0;
    const limit = title ? snapshot.titleLength(doc) : text.length;
    const length = lengths[random.int(0, lengths.length - 1)]!;
    // Every third phrase starts at punctuation or a Latin letter or digit, where there are some.
    const special = [...text.slice(0, limit).matchAll(/[\p{P}\p{S}a-z0-9]/gu)].map((match) => match.index);
    const start = tries % 3 === 0 && special.length > 0 ? special[random.int(0, special.length - 1)]! : random.int(0, Math.max(0, limit - length));
    const phrase = text.slice(start, Math.min(start + length, limit));
    if (phrase.length === 0 || !quotable(phrase)) continue;
    found.set(`${title}${phrase}`, { phrase, field: title ? "title" : "any" });
  }
  return [...found.values()];
}
