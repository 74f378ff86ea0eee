// Splits a repaired page into articles. Plain pages carry no markup, so boundaries come from the cues
// a reader uses: headline lines (short, unpunctuated, one to three of them) followed by a byline or by
// body text, and author lines `(张广烈)` that close an article. Markdown pages mark headlines with `##`.
//
// Headline-shaped lines inside a feature are section heads (当好防疫工作的“宣传员”), not new articles.
// A feature has a byline, so after a bylined article a headline block starts a new article only when
// it has a byline of its own, is dashed (a kicker `…——` or a sub-headline `——…`), or heads a section
// that ends with an author line (a brief after the feature). Briefs have no byline, so on a page of
// briefs every headline block starts an article.
import type { Article, Paragraph } from "../types.js";
import { calendarDate } from "./dates.js";
import {
  type Byline,
  hasCodePointsBefore,
  isHeadingLike,
  isNameLine,
  markdownHeading,
  matchAuthorLine,
  matchByline,
} from "./normalize.js";

/** `决战决胜·脱贫攻坚`: a column banner printed above the headline, not part of it. */
const BANNER = /^\p{Script=Han}{2,8}[·・•]\p{Script=Han}{2,8}$/u;
/**
 * A photo news item has its own lead (PHOTO_LEAD characters at least), then `图为…` and the
 * photographer's credit `刘丽强摄`. (As one pattern, `^.{10,}图为.+?(…)摄$`, it backtracked once per
 * character, beyond V8's limit on a line of a few megabytes.)
 */
const PHOTO_CREDIT = /(\p{Script=Han}{2,4})摄$/u;
const PHOTO_LEAD = 10;
const DATELINE_DATE = /^[^\s，,。()（）]{0,16}?(\d{4})年(\d{1,2})月(\d{1,2})日[讯电]/u;
/** Characters of the first sentence used as the title of an article whose headline is not on the page. */
const EXCERPT_MAX = 24;

type Kind = "heading" | "author" | "byline" | "headline" | "body";

interface Draft {
  title: string;
  /** How to title an article that has no headline: from its first sentence, after this marker. */
  untitled?: "" | "(续)" | "(图)";
  byline?: string;
  authors: string[];
  body: string[];
  /** Length of body.join("\n") so far. */
  bodyLength: number;
  /** Article.bodyLines under construction. */
  bodyLines: number[];
  lineStart: number;
  lineEnd: number;
  /** An author line or a photo credit ended it: what follows belongs to another article. */
  closed: boolean;
}

interface Headline {
  lines: Paragraph[];
  byline?: { line: Paragraph; match: Byline };
  /** Index of the first paragraph after the headline and its byline. */
  next: number;
}

/**
 * Articles of one page, in page order. `file` is the seed file name: it becomes `source`, `file`, and
 * the id stem (`000_74dd44bdc35d0dd1.txt` → `000_74dd44bdc35d0dd1-01`). Text before the first headline
 * (the page starts mid-article) becomes an article titled `(续)` + its first sentence.
 */
export function splitArticles(paragraphs: Paragraph[], file: string): Article[] {
  const markdownLevel = articleHeadingLevel(paragraphs);
  const kinds = paragraphs.map((paragraph) => kindOf(paragraph.text, markdownLevel !== undefined));
  const drafts: Draft[] = [];
  const begin = (draft: Draft) => {
    drafts.push(draft);
    return draft;
  };
  const running = () => {
    const last = drafts.at(-1);
    return last && !last.closed ? last : undefined;
  };
  /** An article whose headline is not on the page: text at the page top, or after a closed article. */
  const untitled = (paragraph: Paragraph, marker: Draft["untitled"] = drafts.length === 0 ? "(续)" : "") =>
    begin({ title: "", untitled: marker, authors: [], body: [], bodyLength: 0, bodyLines: [], lineStart: paragraph.lineStart, lineEnd: paragraph.lineEnd, closed: false });
  const open = (paragraph: Paragraph) => running() ?? untitled(paragraph);

  for (let index = 0; index < paragraphs.length; index++) {
    const paragraph = paragraphs[index]!;
    const kind = kinds[index]!;
    if (kind === "heading") {
      const heading = markdownHeading(paragraph.text)!;
      if (heading.level === markdownLevel) begin(draftFrom({ lines: [paragraph], next: index + 1 }, heading.title));
      else if (heading.level > markdownLevel!) addBody(open(paragraph), paragraph, heading.title);
      else {
        // A page banner (# 决战决胜…) belongs to no article, and ends the one before it.
        const last = drafts.at(-1);
        if (last) last.closed = true;
      }
    } else if (kind === "headline") {
      const headline = readHeadline(paragraphs, kinds, index);
      const article = running();
      const starts =
        headline !== undefined &&
        (headline.byline !== undefined ||
          article?.byline === undefined ||
          headline.lines.some((line) => isDashed(line.text)) ||
          sectionEndsWithAuthorLine(kinds, headline.next));
      if (starts) {
        begin(draftFrom(withoutBanner(headline)));
        index = headline.next - 1;
      } else {
        // A section head inside a feature, or a short fragment: body text of the running article.
        addBody(open(paragraph), paragraph);
      }
    } else if (kind === "author") {
      const article = open(paragraph);
      article.authors.push(...matchAuthorLine(paragraph.text)!);
      article.lineEnd = Math.max(article.lineEnd, paragraph.lineEnd);
      article.closed = true;
    } else if (kind === "byline") {
      // A byline without a headline above it still opens a story of its own.
      const match = matchByline(paragraph.text)!;
      const article = untitled(paragraph, "");
      article.byline = match.text;
      article.authors.push(...match.names);
      if (match.rest) addBody(article, paragraph, match.rest);
    } else if (isPhotoItem(paragraphs, kinds, index)) {
      const article = untitled(paragraph, "(图)");
      addBody(article, paragraph);
      article.authors.push(photoCredit(paragraph.text)!);
      article.closed = true;
    } else {
      addBody(open(paragraph), paragraph);
    }
  }
  return drafts.map((draft, index) => toArticle(draft, file, index + 1));
}

function kindOf(text: string, markdown: boolean): Kind {
  if (markdown && markdownHeading(text)) return "heading";
  if (matchAuthorLine(text)) return "author";
  if (matchByline(text)) return "byline";
  return !markdown && isHeadingLike(text) ? "headline" : "body";
}

/** `##` headings are articles when the page has them (under a `#` page banner); otherwise `#` ones are. */
function articleHeadingLevel(paragraphs: Paragraph[]): number | undefined {
  const levels = paragraphs.flatMap((paragraph) => markdownHeading(paragraph.text)?.level ?? []);
  if (levels.length === 0) return undefined;
  return levels.includes(2) ? 2 : Math.min(...levels);
}

/**
 * The headline block starting at `index`: its lines and the byline under it (`□记者 …`, `本报讯(…)`, or a
 * line of names such as `津文`). Undefined when the block is followed by nothing or by an author line,
 * because then the short lines were the tail of an article.
 */
function readHeadline(paragraphs: Paragraph[], kinds: Kind[], index: number): Headline | undefined {
  let next = index;
  while (kinds[next] === "headline") {
    const line = paragraphs[next]!;
    // A line of names under the headline is its byline, and the body starts after it.
    if (next > index && isNameLine(line.text)) {
      const match = { text: line.text, names: line.text.split(/[\s、]+/u), rest: "" };
      return { lines: paragraphs.slice(index, next), byline: { line, match }, next: next + 1 };
    }
    next++;
  }
  const follower = paragraphs[next];
  if (!follower || kinds[next] === "author") return undefined;
  const lines = paragraphs.slice(index, next);
  if (kinds[next] === "byline") return { lines, byline: { line: follower, match: matchByline(follower.text)! }, next: next + 1 };
  return { lines, next };
}

/** Whether the text under a headline block, up to the next headline or byline, ends with an author line. */
function sectionEndsWithAuthorLine(kinds: Kind[], from: number): boolean {
  for (let index = from; index < kinds.length; index++) {
    if (kinds[index] === "author") return true;
    if (kinds[index] === "headline" || kinds[index] === "byline") return false;
  }
  return false;
}

/** Drops a column banner (`决战决胜·脱贫攻坚` / `聊城在行动`) stacked above a headline. */
function withoutBanner(headline: Headline): Headline {
  const lines = headline.lines;
  if (lines.length < 3 || lines.some((line) => isDashed(line.text)) || !BANNER.test(lines[0]!.text)) return headline;
  return { ...headline, lines: lines.slice(-1) };
}

/** A standalone photo with its caption, set off by blank lines, with the next headline (or the page end) right after it. */
function isPhotoItem(paragraphs: Paragraph[], kinds: Kind[], index: number): boolean {
  const paragraph = paragraphs[index]!;
  const previous = paragraphs[index - 1];
  const setOff = !previous || paragraph.lineStart - previous.lineEnd > 2;
  const next = kinds[index + 1];
  return setOff && photoCredit(paragraph.text) !== undefined && (next === undefined || next === "headline" || next === "heading");
}

/** The photographer of a photo item's text (lead, `图为…`, `…摄`), or undefined for other text. */
function photoCredit(text: string): string | undefined {
  const credit = PHOTO_CREDIT.exec(text);
  if (!credit) return undefined;
  const nameEnd = text.length - 1;
  // The last 图为 after the lead that leaves one character of caption before a name of two or more
  // (the name may give up characters to the caption), as the pattern's greedy lead chose.
  for (let caption = text.lastIndexOf("图为"); caption !== -1; caption = caption === 0 ? -1 : text.lastIndexOf("图为", caption - 1)) {
    if (!hasCodePointsBefore(text, caption, PHOTO_LEAD)) return undefined;
    const nameStart = Math.max(credit.index, caption + 3);
    if (nameEnd - nameStart >= 2) return text.slice(nameStart, nameEnd);
  }
  return undefined;
}

/** A kicker (`…坊子区——`) or a sub-headline (`——坊子区…`): only headlines are printed so. */
function isDashed(text: string): boolean {
  return text.startsWith("——") || text.endsWith("——");
}

function draftFrom(headline: Headline, title = joinHeadline(headline.lines.map((line) => line.text))): Draft {
  const last = headline.byline?.line ?? headline.lines.at(-1)!;
  const draft: Draft = {
    title,
    authors: [],
    body: [],
    bodyLength: 0,
    bodyLines: [],
    lineStart: headline.lines[0]!.lineStart,
    lineEnd: last.lineEnd,
    closed: false,
  };
  if (headline.byline) {
    draft.byline = headline.byline.match.text;
    draft.authors.push(...headline.byline.match.names);
    if (headline.byline.match.rest) appendBody(draft, headline.byline.line, headline.byline.match.rest);
  }
  return draft;
}

/**
 * Headline lines joined with one space; a dash already separates a kicker or a sub-headline from the
 * main headline, so the dash is kept and no space is added (`…时刻——他用奉献…`).
 */
function joinHeadline(lines: string[]): string {
  return lines.reduce((title, line) => {
    if (title === "") return line;
    return title.endsWith("——") || line.startsWith("——") ? title + line : `${title} ${line}`;
  }, "");
}

function addBody(draft: Draft, paragraph: Paragraph, text = paragraph.text): void {
  appendBody(draft, paragraph, text);
  draft.lineEnd = Math.max(draft.lineEnd, paragraph.lineEnd);
}

/**
 * Adds `text` (the paragraph's text, or its tail: a heading's title, what follows a byline) to the
 * body, and records on which file line each of its pieces stands, so that a match can be cited by
 * line (a paragraph rejoined from broken lines has a piece per line).
 */
function appendBody(draft: Draft, paragraph: Paragraph, text: string): void {
  const base = draft.body.length === 0 ? 0 : draft.bodyLength + 1;
  const shift = Math.max(0, paragraph.text.lastIndexOf(text));
  let first = paragraph.pieces[0]!;
  for (const piece of paragraph.pieces) if (piece.at <= shift) first = piece;
  draft.bodyLines.push(base, first.line);
  for (const piece of paragraph.pieces) if (piece.at > shift) draft.bodyLines.push(base + piece.at - shift, piece.line);
  draft.body.push(text);
  draft.bodyLength = base + text.length;
}

function toArticle(draft: Draft, file: string, ordinal: number): Article {
  const body = draft.body.join("\n");
  const title = draft.untitled === undefined ? draft.title : draft.untitled + excerpt(body);
  const date = datelineDate(draft.byline ?? "") ?? datelineDate(draft.body[0] ?? "");
  return {
    id: `${fileStem(file)}-${String(ordinal).padStart(2, "0")}`,
    title,
    body,
    authors: [...new Set(draft.authors)],
    ...(draft.byline === undefined ? {} : { byline: draft.byline }),
    source: file,
    file,
    lineStart: draft.lineStart,
    lineEnd: draft.lineEnd,
    ...(draft.bodyLines.length === 0 ? {} : { bodyLines: draft.bodyLines }),
    ...(date === undefined ? {} : { date }),
  };
}

/** `sub/000_x.txt` → `sub_000_x`: the extension goes, folders stay so that ids remain unique. */
function fileStem(file: string): string {
  return file.replace(/\.[^./\\]+$/u, "").replace(/[/\\]/gu, "_");
}

function excerpt(text: string): string {
  const end = text.search(/[。！？!?\n]/u);
  const sentence = end === -1 ? text : text.slice(0, end);
  // Cut to two units a character first: a sentence may be megabytes long.
  const characters = [...sentence.slice(0, 2 * EXCERPT_MAX + 2)];
  return characters.length > EXCERPT_MAX ? `${characters.slice(0, EXCERPT_MAX).join("")}…` : sentence;
}

/** `本报北京2020年3月5日讯` → 2020-03-05. Only a dateline counts: dates inside the text are events, not publication. */
function datelineDate(text: string): string | undefined {
  const match = DATELINE_DATE.exec(text);
  if (!match) return undefined;
  return calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}
