// The query language of the search page, the JSON API and the CLI: a hand-written lexer and parser
// that turn the typed text into a ParsedQuery, and formatQuery that turns it back into text.
//
//   新冠 OR 疫情 防控 "防疫知识" title:复工复产 -扶贫 author:王尚磊 source:cctv-xwlb date:2020-03..
//
//   query  = item { space item }        (words or phrases, or filters alone: `date:2019-04-27` browses a day)        space = " " | "\t" | "\u3000"
//   item   = "OR" | [ "-" ] [ field ":" ] value
//   value  = phrase | word               phrase = "…" | “…” | 「…」   word = up to a space or opening quote
//
// Rules the spec left open, decided here:
// - Quotes: ASCII "…", Chinese “…” and corner 「…」, each closed by its own partner (“ by ”, not by ").
//   An opening quote always starts a phrase, even in the middle of a word, and a closing quote always
//   ends the item: `“十四五”规划` is the phrase 十四五 and the word 规划, as if a space followed the quote.
//   A closing quote with no opener before it is an ordinary character of a word.
// - `OR` is an operator whenever it is a whole bare token (no `-`, no field, delimited by spaces,
//   quotes or the ends). `-OR` and `title:OR` search for the word; `or` is always a word.
// - Only a leading `-` followed by more text excludes: `-` alone is a word, `--x` excludes the word `-x`.
//   Filters cannot be excluded, and neither excluded items nor filters can sit next to `OR`.
// - Repeated `author:` (or `source:`) values match any of them, duplicates dropped. Repeated `date:`
//   filters must all hold: their ranges are intersected, and ranges that do not overlap are an error.
// - Dates are YYYY, YYYY-MM or YYYY-MM-DD with zero-padded parts. `date:..` (both ends open) is allowed
//   and restricts nothing, so that every DateRange has a spelling.
// - Field values may be quoted for every field (`author:"王 尚磊"`, `date:"2020"`).
// - Offsets and MAX_QUERY_LENGTH count UTF-16 code units, like JavaScript string indexes. Messages
//   name a 1-based "column" for people; QueryParseError start/end are 0-based offsets for code.

import { QueryParseError } from "../errors.js";
import { FILTERS, QUERYABLE_TEXT_FIELDS, VALUE_FILTERS, type FilterName, type ValueFilterName } from "../index/schema.js";

/** Longest query accepted, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 200;
/** `from` of a date range with an open start (`date:..2020`). */
export const OPEN_START = "0000-01-01";
/** `to` of a date range with an open end (`date:2020..`). */
export const OPEN_END = "9999-12-31";
type QueryableTextName = (typeof QUERYABLE_TEXT_FIELDS)[number]["name"];
export type QueryField = QueryableTextName | FilterName;
/** Every `name:` the language knows (schema.ts: queryable text fields, then filters), in the order error messages list them. */
export const QUERY_FIELDS: readonly QueryField[] = [...QUERYABLE_TEXT_FIELDS.map(({ name }) => name), ...FILTERS.map(({ name }) => name)];
export type Field = "any" | QueryableTextName;

/** One word or phrase to look for. `start`/`end` cover the item as typed, including `-`, `title:` and quotes. */
export interface Atom {
  /** "words": one space-free token, cut into words later by the analyzer; "phrase": must occur as written. */
  kind: "words" | "phrase";
  /** As typed: not segmented, not case-folded; a phrase keeps its inner spaces. */
  text: string;
  field: Field;
  start: number;
  end: number;
}

/** Inclusive `YYYY-MM-DD` bounds; an open end is OPEN_START / OPEN_END. */
export interface DateRange {
  from: string;
  to: string;
}

export interface ParsedQuery {
  /** Each entry must match; an entry with several atoms matches when any of them does (OR). Empty only when filters choose the articles. */
  required: Atom[][];
  excluded: Atom[];
  /** Restrict, do not score. Each value filter (`author`, `source`) matches any of its values; empty means no restriction. */
  filters: QueryFilters;
}

export type QueryFilters = { [K in ValueFilterName]: string[] } & { date?: DateRange };

/** Opening quote → closing quote, in the order formatQuery tries them. */
const QUOTES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["“", "”"],
  ["「", "」"],
]);

/** Sticky: matches a field prefix exactly at `lastIndex`. Only ASCII letters, so `10:30` and `陕西：` stay text. */
const FIELD_PREFIX = /[A-Za-z]+:/y;

const FIELD_EXAMPLES = Object.fromEntries([...QUERYABLE_TEXT_FIELDS, ...FILTERS].map(({ name, example }) => [name, example])) as Record<QueryField, string>;

const DATE_SYNTAX = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_HELP = "write YYYY, YYYY-MM or YYYY-MM-DD, or a range such as 2020-03-01..2020-03-31 (either end may be left out)";

interface ItemToken {
  type: "item";
  negated: boolean;
  field: QueryField | undefined;
  kind: "words" | "phrase";
  text: string;
  /** Offset of `text` in the input: after the opening quote for a phrase. */
  textStart: number;
  start: number;
  end: number;
}

interface OrToken {
  type: "or";
  start: number;
  end: number;
}

type Token = ItemToken | OrToken;

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\u3000";
}

function isBlank(text: string): boolean {
  for (const ch of text) if (!isSpace(ch)) return false;
  return true;
}

function isQueryField(name: string): name is QueryField {
  return (QUERY_FIELDS as readonly string[]).includes(name);
}

function isFilter(field: QueryField | undefined): field is FilterName {
  return FILTERS.some(({ name }) => name === field);
}

function isDateFilter(field: FilterName): boolean {
  return FILTERS.some(({ name, kind }) => name === field && kind === "date");
}

function column(offset: number): string {
  return `at column ${offset + 1}`;
}

/** Reads the token that starts at `start` (a non-space character). */
function readToken(input: string, start: number): Token {
  let pos = start;
  const negated = input.charAt(pos) === "-" && pos + 1 < input.length && !isSpace(input.charAt(pos + 1));
  if (negated) pos++;

  let field: QueryField | undefined;
  FIELD_PREFIX.lastIndex = pos;
  const prefix = FIELD_PREFIX.exec(input);
  if (prefix !== null) {
    const name = prefix[0].slice(0, -1);
    const nameEnd = pos + name.length;
    if (!isQueryField(name)) {
      const text = input.slice(pos, scanWord(input, nameEnd));
      const lower = name.toLowerCase();
      const hint = isQueryField(lower)
        ? `field names are lowercase: write ${lower}:`
        : `to search for '${text}' as text, put it in quotes: "${text}"`;
      throw new QueryParseError(
        `unknown field '${name}', possible fields: ${QUERY_FIELDS.join(", ")} (${column(pos)}); ${hint}`,
        pos,
        nameEnd,
      );
    }
    field = name;
    pos += prefix[0].length;
    if (pos >= input.length || isSpace(input.charAt(pos))) {
      throw new QueryParseError(
        `'${name}:' ${column(start)} has no value: write the value right after the colon, e.g. ${FIELD_EXAMPLES[name]}`,
        start,
        pos,
      );
    }
  }

  const closer = QUOTES.get(input.charAt(pos));
  if (closer !== undefined) {
    const close = input.indexOf(closer, pos + 1);
    if (close < 0) {
      throw new QueryParseError(
        `unclosed quote '${input.charAt(pos)}' ${column(pos)} ('${input.slice(start)}'): add the closing '${closer}' or remove the opening one`,
        pos,
        pos + 1,
      );
    }
    const text = input.slice(pos + 1, close);
    if (isBlank(text)) {
      throw new QueryParseError(
        `empty phrase '${input.slice(pos, close + 1)}' ${column(pos)}: put words between the quotes or remove them`,
        pos,
        close + 1,
      );
    }
    return { type: "item", negated, field, kind: "phrase", text, textStart: pos + 1, start, end: close + 1 };
  }

  const end = scanWord(input, pos);
  const text = input.slice(pos, end);
  if (!negated && field === undefined && text === "OR") return { type: "or", start, end };
  return { type: "item", negated, field, kind: "words", text, textStart: pos, start, end };
}

/** End of the word starting at `pos`: the next space or opening quote, or the end of the input. */
function scanWord(input: string, pos: number): number {
  let end = pos;
  while (end < input.length && !isSpace(input.charAt(end)) && !QUOTES.has(input.charAt(end))) end++;
  return end;
}

/** Throws unless `token` may be one side of an `OR`. */
function checkAlternative(input: string, token: ItemToken): void {
  const typed = input.slice(token.start, token.end);
  if (isFilter(token.field)) {
    const note = isDateFilter(token.field)
        ? `repeated ${token.field}: filters must all hold`
        : `repeated ${token.field}: filters already match any of their values`;
    throw new QueryParseError(
      `filter '${typed}' ${column(token.start)} cannot be an alternative of 'OR': remove the 'OR' (${note})`,
      token.start,
      token.end,
    );
  }
  if (token.negated) {
    throw new QueryParseError(
      `excluded item '${typed}' ${column(token.start)} cannot be an alternative of 'OR': remove the '-' or the 'OR'`,
      token.start,
      token.end,
    );
  }
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The first and last day of the year, month or day written at input[start, start + text.length). */
function parseDateEnd(text: string, start: number): DateRange {
  const end = start + text.length;
  const match = DATE_SYNTAX.exec(text);
  if (match === null) {
    throw new QueryParseError(`invalid date '${text}' ${column(start)}: ${DATE_HELP}`, start, end);
  }
  const [, y, m, d] = match;
  const year = y!;
  if (m === undefined) return { from: `${year}-01-01`, to: `${year}-12-31` };
  const month = Number(m);
  if (month < 1 || month > 12) {
    throw new QueryParseError(
      `invalid date '${text}' ${column(start)}: there is no month ${m}, months run from 01 to 12`,
      start,
      end,
    );
  }
  const last = daysInMonth(Number(year), month);
  if (d === undefined) return { from: `${year}-${m}-01`, to: `${year}-${m}-${last}` };
  const day = Number(d);
  if (day < 1 || day > last) {
    throw new QueryParseError(
      `invalid date '${text}' ${column(start)}: ${year}-${m} has days 01 to ${last}`,
      start,
      end,
    );
  }
  return { from: text, to: text };
}

function parseDateRange(input: string, token: ItemToken): DateRange {
  const { text, textStart } = token;
  const dots = text.indexOf("..");
  if (dots < 0) return parseDateEnd(text, textStart);
  const fromText = text.slice(0, dots);
  const toText = text.slice(dots + 2);
  const from = fromText === "" ? OPEN_START : parseDateEnd(fromText, textStart).from;
  const to = toText === "" ? OPEN_END : parseDateEnd(toText, textStart + dots + 2).to;
  if (from > to) {
    throw new QueryParseError(
      `date range '${text}' ${column(textStart)} starts after it ends: swap the two dates, e.g. ${toText}..${fromText}`,
      textStart,
      textStart + text.length,
    );
  }
  return { from, to };
}

/** Both ranges must hold (`date:2020 date:2020-03..`); throws at `token` when they do not overlap. */
function intersectDates(input: string, token: ItemToken, earlier: DateRange, range: DateRange): DateRange {
  const from = range.from > earlier.from ? range.from : earlier.from;
  const to = range.to < earlier.to ? range.to : earlier.to;
  if (from > to) {
    throw new QueryParseError(
      `'${input.slice(token.start, token.end)}' ${column(token.start)} does not overlap the earlier date filter` +
        ` (${earlier.from}..${earlier.to}), so nothing could match: keep only one of them`,
      token.start,
      token.end,
    );
  }
  return { from, to };
}

/** Parses the typed query; throws QueryParseError naming the first problem from the left. */
export function parseQuery(input: string): ParsedQuery {
  if (input.length > MAX_QUERY_LENGTH) {
    const excess = input.slice(MAX_QUERY_LENGTH);
    const shown = excess.length > 20 ? `${excess.slice(0, 20)}…` : excess;
    throw new QueryParseError(
      `query is too long: ${input.length} characters, at most ${MAX_QUERY_LENGTH} are allowed;` +
        ` the text from '${shown}' ${column(MAX_QUERY_LENGTH)} on is past the limit, shorten the query`,
      MAX_QUERY_LENGTH,
      input.length,
    );
  }

  const required: Atom[][] = [];
  const excluded: Atom[] = [];
  const values = Object.fromEntries(VALUE_FILTERS.map((name) => [name, [] as string[]])) as Record<ValueFilterName, string[]>;
  let date: DateRange | undefined;
  let first: Token | undefined;
  let prev: Token | undefined;
  // The `OR` just read; the next item must join the last group of `required`.
  let pendingOr: OrToken | undefined;

  let pos = 0;
  for (;;) {
    while (pos < input.length && isSpace(input.charAt(pos))) pos++;
    if (pos >= input.length) break;
    const token = readToken(input, pos);
    pos = token.end;
    first ??= token;

    if (token.type === "or") {
      if (prev === undefined) {
        throw new QueryParseError(
          `'OR' ${column(token.start)} has nothing before it: write it between two alternatives, e.g. 新冠 OR 疫情`,
          token.start,
          token.end,
        );
      }
      if (prev.type === "or") {
        throw new QueryParseError(
          `'OR' ${column(token.start)} follows another 'OR': write a single 'OR' between two alternatives, e.g. 新冠 OR 疫情`,
          token.start,
          token.end,
        );
      }
      checkAlternative(input, prev);
      pendingOr = token;
    } else {
      if (pendingOr !== undefined) checkAlternative(input, token);
      if (isFilter(token.field)) {
        if (token.negated) {
          throw new QueryParseError(
            `filter '${input.slice(token.start, token.end)}' ${column(token.start)} cannot be excluded with '-':` +
              ` only words and phrases can; remove the '-'`,
            token.start,
            token.end,
          );
        }
        if (isDateFilter(token.field)) {
          const range = parseDateRange(input, token);
          date = date === undefined ? range : intersectDates(input, token, date, range);
        } else {
          const wanted = values[token.field as ValueFilterName];
          if (!wanted.includes(token.text)) wanted.push(token.text);
        }
      } else {
        const atom: Atom = {
          kind: token.kind,
          text: token.text,
          field: token.field ?? "any",
          start: token.start,
          end: token.end,
        };
        if (token.negated) excluded.push(atom);
        else if (pendingOr !== undefined) required[required.length - 1]!.push(atom);
        else required.push([atom]);
      }
      pendingOr = undefined;
    }
    prev = token;
  }

  if (pendingOr !== undefined) {
    throw new QueryParseError(
      `'OR' ${column(pendingOr.start)} has nothing after it: write it between two alternatives, e.g. 新冠 OR 疫情`,
      pendingOr.start,
      pendingOr.end,
    );
  }
  if (first === undefined || prev === undefined) {
    throw new QueryParseError("empty query: type a word to search for, e.g. 疫情防控", 0, input.length);
  }
  // Filters alone browse (`date:2019-04-27`: one day's broadcast); exclusions alone would list nearly everything.
  const browsing = date !== undefined || VALUE_FILTERS.some((name) => values[name].length > 0);
  if (required.length === 0 && !browsing) {
    const typed = input.slice(first.start, prev.end);
    throw new QueryParseError(
      `'${typed}' has nothing to search for: exclusions only narrow the results;` +
        ` add a word to search for, e.g. 疫情 ${typed}, or a filter to browse, e.g. ${typed} date:2020-03`,
      first.start,
      prev.end,
    );
  }

  const filters: QueryFilters = values;
  if (date !== undefined) filters.date = date;
  return { required, excluded, filters };
}

/** True when `text` reads back as one word: no space, no opening quote. */
function isBare(text: string): boolean {
  return text !== "" && scanWord(text, 0) === text.length;
}

function quote(text: string): string {
  if (!isBlank(text)) {
    for (const [open, close] of QUOTES) if (!text.includes(close)) return `${open}${text}${close}`;
  }
  throw new RangeError(`formatQuery: phrase '${text}' cannot be written as a query (blank, or contains every closing quote)`);
}

function formatAtom(atom: Atom, negated: boolean): string {
  const prefix = atom.field === "title" ? "title:" : "";
  if (atom.kind === "phrase") return prefix + quote(atom.text);
  const { text } = atom;
  FIELD_PREFIX.lastIndex = 0;
  // Bare text that would read back as an operator, an exclusion or a field.
  const misread =
    atom.field === "any" && (FIELD_PREFIX.test(text) || (!negated && (text === "OR" || (text.startsWith("-") && text !== "-"))));
  if (!isBare(text) || misread) {
    throw new RangeError(`formatQuery: word '${text}' would not read back as the same word; make it a phrase`);
  }
  return prefix + text;
}

function formatValue(value: string): string {
  return isBare(value) ? value : quote(value);
}

/** `YYYY-MM-DD` of the last day of the month `YYYY-MM`. */
function lastDayOf(month: string): string {
  return `${month}-${daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)))}`;
}

/** Shortest spelling of a range end: a whole year or month as YYYY or YYYY-MM, an open end as "". */
function formatDateEnd(date: string, side: "from" | "to"): string {
  if (date === (side === "from" ? OPEN_START : OPEN_END)) return "";
  const year = date.slice(0, 4);
  const month = date.slice(0, 7);
  if (side === "from") {
    if (date.endsWith("-01-01")) return year;
    return date.endsWith("-01") ? month : date;
  }
  if (date.endsWith("-12-31")) return year;
  return date === lastDayOf(month) ? month : date;
}

function formatDate({ from, to }: DateRange): string {
  // A range of exactly one day, month or year is written as that day, month or year.
  if (from === to) return from;
  const year = from.slice(0, 4);
  const month = from.slice(0, 7);
  if (from === `${year}-01-01` && to === `${year}-12-31`) return year;
  if (from === `${month}-01` && to === lastDayOf(month)) return month;
  return `${formatDateEnd(from, "from")}..${formatDateEnd(to, "to")}`;
}

/**
 * Renders a ParsedQuery back to the canonical query text (for links and "did you mean").
 * parseQuery(formatQuery(q)) deep-equals q modulo positions. The text lists the required groups,
 * then exclusions, then author:, source: and date:, separated by single spaces, with the shortest
 * date spelling. It is never longer than the typed query, except for the spaces it puts where the
 * typed query glued an item to a quote (`“十四五”规划` → `"十四五" 规划`). Throws RangeError for a
 * hand-built atom or value that no text can express (a word with a space, a blank phrase).
 */
export function formatQuery(q: ParsedQuery): string {
  const parts: string[] = [];
  for (const group of q.required) parts.push(group.map((atom) => formatAtom(atom, false)).join(" OR "));
  for (const atom of q.excluded) parts.push(`-${formatAtom(atom, true)}`);
  for (const name of VALUE_FILTERS) for (const value of q.filters[name]) parts.push(`${name}:${formatValue(value)}`);
  if (q.filters.date !== undefined) parts.push(`date:${formatDate(q.filters.date)}`);
  return parts.join(" ");
}
