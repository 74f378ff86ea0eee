// The query language of the search page, the JSON API and the CLI: a hand-written lexer and parser
// that turn the typed text into a ParsedQuery, and formatQuery that turns it back into text.
//
//   新冠 OR 疫情 防控 "防疫知识" title:复工复产 -扶贫 author:王尚磊 source:cctv-xwlb date:2020-03..
//
//   query  = item { space item }        (words or phrases, or filters alone: `date:2019-04-27` browses a day)        space = " " | "\t" | "\u3000"
//   item   = "OR" | [ "-" ] [ field ( ":" | "：" ) ] value
//   value  = phrase | word               phrase = "…" | “…” | 「…」   word = up to a space or opening quote
//
// Rules the spec left open, decided here:
// - Quotes: ASCII "…", Chinese “…” and corner 「…」, each closed by its own partner (“ by ”, not by ").
//   An opening quote always starts a phrase, even in the middle of a word, and a closing quote always
//   ends the item: `“十四五”规划` is the phrase 十四五 and the word 规划, as if a space followed the quote.
//   A closing quote with no opener before it is an ordinary character of a word.
// - Forgiving, with a note (ParsedQuery.notes) where the query is read differently than typed, since
//   these are input-method slips, not intentions: an opener without its partner is closed by the next
//   closing quote of another kind (`“人类命运共同体"`); with none, the phrase runs to the end of the
//   query; a lone quote at the end is dropped. A field name in capitals (`Title:`), or a space after
//   the colon (`title: 复工`), reads as the field. The Chinese names of the fields (标题 作者 来源 日期,
//   FIELDS below) and the full-width colon `：` are plain aliases, no note.
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
/** Most words and phrases (required and excluded) in one query: each one is matched and counted over the whole index. */
export const MAX_QUERY_ITEMS = 16;
/** `from` of a date range with an open start (`date:..2020`). */
export const OPEN_START = "0000-01-01";
/** `to` of a date range with an open end (`date:2020..`). */
export const OPEN_END = "9999-12-31";
type QueryableTextName = (typeof QUERYABLE_TEXT_FIELDS)[number]["name"];
export type QueryField = QueryableTextName | FilterName;
/** Every `name:` the language knows (schema.ts: queryable text fields, then filters), in the order error messages list them. */
export const QUERY_FIELDS: readonly QueryField[] = [...QUERYABLE_TEXT_FIELDS.map(({ name }) => name), ...FILTERS.map(({ name }) => name)];
export type Field = "any" | QueryableTextName;

/** How people may write a field (schema.ts): its Chinese names (aliases of `name:`), its label and an example. */
interface FieldSpelling {
  aliases: readonly string[];
  label: string;
  example: string;
}

const FIELDS = Object.fromEntries(
  [...QUERYABLE_TEXT_FIELDS, ...FILTERS].map(({ name, example, label, aliases }): [QueryField, FieldSpelling] => [name, { example, label, aliases }]),
) as Record<QueryField, FieldSpelling>;

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

/** Where the query was read differently than typed (a slip forgiven), in words for the reader. */
export interface QueryNote {
  code: "mixed_quotes" | "unclosed_quote" | "stray_quote" | "field_case" | "space_after_colon";
  message: string;
  start: number;
  end: number;
}

export interface ParsedQuery {
  /** Each entry must match; an entry with several atoms matches when any of them does (OR). Empty only when filters choose the articles. */
  required: Atom[][];
  excluded: Atom[];
  /** Restrict, do not score. Each value filter (`author`, `source`) matches any of its values; empty means no restriction. */
  filters: QueryFilters;
  notes: QueryNote[];
}

export type QueryFilters = { [K in ValueFilterName]: string[] } & { date?: DateRange };

/** Opening quote → closing quote, in the order formatQuery tries them. */
const QUOTES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["“", "”"],
  ["「", "」"],
]);

/** Any closing quote, for an opener whose own partner never comes. */
const CLOSERS = new Set(QUOTES.values());

/**
 * Sticky: a field prefix exactly at `lastIndex`: ASCII letters and `:` (an unknown name is an error),
 * or a known field's name or alias with `:` or `：`. So `10:30`, `陕西：` and `CEO：` stay text.
 */
const FIELD_PREFIX = new RegExp(
  `([A-Za-z]+):|(${QUERY_FIELDS.flatMap((field) => [field, ...FIELDS[field].aliases]).join("|")})：|(${QUERY_FIELDS.flatMap((field) => FIELDS[field].aliases).join("|")}):`,
  "iy",
);

/** The field a name or alias stands for, in any letter case. */
function fieldNamed(name: string): QueryField | undefined {
  const lower = name.toLowerCase();
  return QUERY_FIELDS.find((field) => field === lower || FIELDS[field].aliases.includes(name));
}

const FIELD_LIST = QUERY_FIELDS.map((field) => `${field}（${FIELDS[field].label}）`).join("、");

const DATE_SYNTAX = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_HELP = "请写成 2020、2020-03 或 2020-03-01，或写一个范围，例如 2020-03-01..2020-03-31（两端都可省略）";

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

function isFilter(field: QueryField | undefined): field is FilterName {
  return FILTERS.some(({ name }) => name === field);
}

function isDateFilter(field: FilterName): boolean {
  return FILTERS.some(({ name, kind }) => name === field && kind === "date");
}

function column(offset: number): string {
  return `第 ${offset + 1} 个字符处`;
}

/** Where the phrase opened at `open` ends (its closing quote, or the input's end), and the note if that was a guess. */
function phraseEnd(input: string, open: number): { close: number; note?: QueryNote } {
  const opener = input.charAt(open);
  const own = input.indexOf(QUOTES.get(opener)!, open + 1);
  if (own >= 0) return { close: own };
  for (let close = open + 1; close < input.length; close++) {
    if (!CLOSERS.has(input.charAt(close))) continue;
    const phrase = input.slice(open + 1, close);
    const message = `引号 ${opener} 与 ${input.charAt(close)} 不成对，已按短语“${phrase}”检索`;
    return { close, note: { code: "mixed_quotes", message, start: open, end: close + 1 } };
  }
  const phrase = input.slice(open + 1).trim();
  const message = phrase === "" ? `末尾多余的引号 ${opener} 已忽略` : `缺少后引号，已按短语“${phrase}”检索`;
  return { close: input.length, note: { code: phrase === "" ? "stray_quote" : "unclosed_quote", message, start: open, end: input.length } };
}

/** Reads the token that starts at `start` (a non-space character); forgiven slips are added to `notes`. */
function readToken(input: string, start: number, notes: QueryNote[]): Token | undefined {
  let pos = start;
  const negated = input.charAt(pos) === "-" && pos + 1 < input.length && !isSpace(input.charAt(pos + 1));
  if (negated) pos++;

  let field: QueryField | undefined;
  FIELD_PREFIX.lastIndex = pos;
  const prefix = FIELD_PREFIX.exec(input);
  if (prefix !== null) {
    const name = prefix[1] ?? prefix[2] ?? prefix[3]!;
    const nameEnd = pos + name.length;
    field = fieldNamed(name);
    if (field === undefined) {
      const text = input.slice(pos, scanWord(input, nameEnd));
      throw new QueryParseError(
        "unknown_field",
        `不认识的字段“${name}:”（${column(pos)}）；可用的字段：${FIELD_LIST}。若要按文字查找“${text}”，请加引号："${text}"`,
        pos,
        nameEnd,
      );
    }
    if (name !== field && /^[A-Za-z]+$/.test(name)) {
      notes.push({ code: "field_case", message: `“${name}:”已按 ${field}: 理解`, start: pos, end: nameEnd });
    }
    pos += prefix[0].length;
    const colonEnd = pos;
    while (pos < input.length && isSpace(input.charAt(pos))) pos++;
    if (pos >= input.length) {
      throw new QueryParseError(
        "field_without_value",
        `“${input.slice(start, colonEnd)}”（${column(start)}）后面没有内容：请在冒号后直接写要找的内容，例如 ${FIELDS[field].example}`,
        start,
        colonEnd,
      );
    }
    if (pos > colonEnd) {
      const value = input.slice(pos, scanWord(input, pos));
      notes.push({ code: "space_after_colon", message: `冒号后的空格已忽略：按 ${field}:${value} 检索`, start: colonEnd, end: pos });
    }
  }

  if (QUOTES.has(input.charAt(pos))) {
    const { close, note } = phraseEnd(input, pos);
    if (note !== undefined) notes.push(note);
    const text = input.slice(pos + 1, close);
    if (note?.code === "stray_quote" && !negated && field === undefined) return undefined;
    if (isBlank(text)) {
      throw new QueryParseError(
        "phrase_empty",
        `引号里没有内容：“${input.slice(pos, close + 1)}”（${column(pos)}）；请在引号之间写上词语，或去掉引号`,
        pos,
        Math.min(close + 1, input.length),
      );
    }
    const trimmed = note?.code === "unclosed_quote" ? text.trimEnd() : text;
    return { type: "item", negated, field, kind: "phrase", text: trimmed, textStart: pos + 1, start, end: Math.min(close + 1, input.length) };
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
    const note = isDateFilter(token.field) ? `多个 ${token.field}: 条件须同时满足` : `多个 ${token.field}: 条件本来就匹配其中任意一个`;
    throw new QueryParseError(
      "bad_alternative",
      `筛选条件“${typed}”（${column(token.start)}）不能与 OR 连用：请去掉 OR（${note}）`,
      token.start,
      token.end,
    );
  }
  if (token.negated) {
    throw new QueryParseError(
      "bad_alternative",
      `排除项“${typed}”（${column(token.start)}）不能与 OR 连用：请去掉“-”或 OR`,
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
    throw new QueryParseError("invalid_date", `无法识别的日期“${text}”（${column(start)}）：${DATE_HELP}`, start, end);
  }
  const [, y, m, d] = match;
  const year = y!;
  if (m === undefined) return { from: `${year}-01-01`, to: `${year}-12-31` };
  const month = Number(m);
  if (month < 1 || month > 12) {
    throw new QueryParseError(
      "invalid_date",
      `日期“${text}”（${column(start)}）有误：没有 ${m} 月，月份是 01 到 12`,
      start,
      end,
    );
  }
  const last = daysInMonth(Number(year), month);
  if (d === undefined) return { from: `${year}-${m}-01`, to: `${year}-${m}-${last}` };
  const day = Number(d);
  if (day < 1 || day > last) {
    throw new QueryParseError(
      "invalid_date",
      `日期“${text}”（${column(start)}）有误：${year}-${m} 只有 01 到 ${last} 日`,
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
      "reversed_date_range",
      `日期范围“${text}”（${column(textStart)}）的开始晚于结束：请把两个日期对调，例如 ${toText}..${fromText}`,
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
      "disjoint_dates",
      `“${input.slice(token.start, token.end)}”（${column(token.start)}）与前面的日期条件（${earlier.from}..${earlier.to}）` +
        "没有重叠，不会有任何结果：请只保留其中一个",
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
      "query_too_long",
      `查询太长：共 ${input.length} 个字符，最多 ${MAX_QUERY_LENGTH} 个；从“${shown}”（${column(MAX_QUERY_LENGTH)}）起超出了，请缩短查询`,
      MAX_QUERY_LENGTH,
      input.length,
    );
  }

  const required: Atom[][] = [];
  const excluded: Atom[] = [];
  const values = Object.fromEntries(VALUE_FILTERS.map((name) => [name, [] as string[]])) as Record<ValueFilterName, string[]>;
  const notes: QueryNote[] = [];
  let date: DateRange | undefined;
  let first: Token | undefined;
  let prev: Token | undefined;
  // The `OR` just read; the next item must join the last group of `required`.
  let pendingOr: OrToken | undefined;

  let pos = 0;
  for (;;) {
    while (pos < input.length && isSpace(input.charAt(pos))) pos++;
    if (pos >= input.length) break;
    const token = readToken(input, pos, notes);
    if (token === undefined) break; // a stray quote at the end
    pos = token.end;
    first ??= token;

    if (token.type === "or") {
      if (prev === undefined) {
        throw new QueryParseError(
          "misplaced_or",
          `“OR”（${column(token.start)}）前面没有词：OR 要写在两个可选的词之间，例如 新冠 OR 疫情`,
          token.start,
          token.end,
        );
      }
      if (prev.type === "or") {
        throw new QueryParseError(
          "misplaced_or",
          `“OR”（${column(token.start)}）紧跟着另一个 OR：两个词之间只写一个 OR，例如 新冠 OR 疫情`,
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
            "excluded_filter",
            `筛选条件“${input.slice(token.start, token.end)}”（${column(token.start)}）前面不能加“-”：只有词和短语可以排除，请去掉“-”`,
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
        if (required.flat().length + excluded.length === MAX_QUERY_ITEMS) throw tooManyItems(input, token);
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
      "misplaced_or",
      `“OR”（${column(pendingOr.start)}）后面没有词：OR 要写在两个可选的词之间，例如 新冠 OR 疫情`,
      pendingOr.start,
      pendingOr.end,
    );
  }
  if (first === undefined || prev === undefined) {
    throw new QueryParseError("query_empty", "查询是空的：请输入要找的词，例如 疫情防控", 0, input.length);
  }
  // Filters alone browse (`date:2019-04-27`: one day's broadcast); exclusions alone would list nearly everything.
  const browsing = date !== undefined || VALUE_FILTERS.some((name) => values[name].length > 0);
  if (required.length === 0 && !browsing) {
    const typed = input.slice(first.start, prev.end);
    throw new QueryParseError(
      "nothing_to_search",
      `“${typed}”里没有要找的词：排除只能缩小结果；请加一个要找的词，例如 疫情 ${typed}，或加一个筛选条件来浏览，例如 ${typed} 日期:2020-03`,
      first.start,
      prev.end,
    );
  }

  const filters: QueryFilters = values;
  if (date !== undefined) filters.date = date;
  return { required, excluded, filters, notes };
}

function tooManyItems(input: string, token: Token): QueryParseError {
  return new QueryParseError(
    "too_many_items",
    `词和短语太多：最多 ${MAX_QUERY_ITEMS} 个，${column(token.start)}的“${input.slice(token.start, token.end)}”是第 ${MAX_QUERY_ITEMS + 1} 个；` +
      "请分几次检索，或把连在一起的词用引号括成一个“短语”",
    token.start,
    input.length,
  );
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

/** One filter as query text that reads back as it: `author:王尚磊`, `source:"人民 日报"`, `date:2019-04`. */
export function formatFilter(name: FilterName, value: string): string {
  return `${name}:${formatValue(value)}`;
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
export function formatQuery(q: Omit<ParsedQuery, "notes">): string {
  const parts: string[] = [];
  for (const group of q.required) parts.push(group.map((atom) => formatAtom(atom, false)).join(" OR "));
  for (const atom of q.excluded) parts.push(`-${formatAtom(atom, true)}`);
  for (const name of VALUE_FILTERS) for (const value of q.filters[name]) parts.push(formatFilter(name, value));
  if (q.filters.date !== undefined) parts.push(`date:${formatDate(q.filters.date)}`);
  return parts.join(" ");
}
