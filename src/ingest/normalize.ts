// Repairs a newspaper page for display: cleans each line, then rejoins the lines that the page broke
// mid-sentence (…权威的防疫知 / 识,就会让…). Nothing is folded here (width, case, script): display
// text keeps the page's characters, and folding happens in analysis. Every character of a paragraph
// maps back to its file offset and line through `pieces`, so any passage can be cited.
//
// Also home to the line cues that split-articles shares (bylines, author lines, headings), because
// a sentence must never be continued into one of them.
import { cutWords, isDictionaryWord } from "../analysis/jieba.js";
import type { Paragraph, SourcePiece } from "../types.js";

/** Longest line that can still be a headline; body lines that end unpunctuated are usually longer. */
const HEADLINE_MAX = 30;
/** Kickers (…坊子区——) and sub-headlines (——坊子区…) run longer than headlines. */
const DASHED_HEADLINE_MAX = 40;

/** A line ending here closes its sentence, also inside quotes (“…。”); a quoted phrase (“大调查”) does not. */
const SENTENCE_END = /[。！？!?；;….][”’」』"']*$/u;
const SENTENCE_END_INSIDE = /[。！？!?；;]./u;
/** A line ending here stops mid-clause, so the sentence goes on. (A colon may introduce a new paragraph.) */
const CLAUSE_END = /[，,、（(《“]$/u;
const CLAUSE_MARK = /[，,；;]/u;
/**
 * "…贫困户宣传扶贫政策,具体了解": a clause of one short word after a long one was cut off. Headlines
 * with a comma have balanced halves (脱贫攻坚在路上,走访入户暖人心), so the part before must be long
 * (DANGLING_CLAUSE_AFTER characters).
 */
const DANGLING_CLAUSE = /[，,、][^，,、]{1,4}$/u;
const DANGLING_CLAUSE_AFTER = 10;
/** Marks that never open a sentence: a line starting with one continues the previous line. */
const CONTINUATION_START = /^[，,、。．；;：:！!？?）)」』”’…]/u;
/** A closing mark continues the previous line even after its 。 (…越来越好。 / ”面对记者…). */
const CLOSING_START = /^[）)」』”’]/u;
const DIGIT_END = /\d$/u;
/**
 * A list that starts the line (生产、流通和…): a paragraph opens with its subject, not with bare
 * enumerated items, so the list continues the line before (…建立覆盖疫苗 / 生产、流通和…). Numbered
 * headings (一、 二十、) are not lists.
 */
const LIST_START = /^(?![一二三四五六七八九十百零〇]+、)\p{Script=Han}{1,4}、/u;
/** A number continues with more digits or its unit (于3月22 / 日开展了…, 降雨量达到306.4 / 毫米). */
const NUMBER_CONTINUATION = /^(?:\d|[日月年号时分秒点%％万亿元千百个件人次岁毫米])/u;
/** Ends a line that introduces what follows (他表示：); never a headline's last character. */
const COLON_END = /[：:]$/u;

/**
 * A character with its combining marks. Runs of marks are taken 32 at a time: an unbounded run
 * (`\p{M}*`) backtracked once per mark and overflowed V8's stack on a few million of them.
 */
const CLUSTER = /\P{M}\p{M}{0,32}|\p{M}{1,32}/gu;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028\u2029\ufeff]/u;
const HAN_WORD = /^\p{Script=Han}{2,}$/u;
const WHITE_SPACE = /^\s+$/u;
/** Characters on each side of a line break that jieba sees when judging whether a word spans it. */
const WORD_WINDOW = 6;

const ROLE = /^(?:本报|本刊|特约|见习|实习|首席|摄影)?(?:记者|通讯员|实习生|摄影|编辑|撰稿|作者)$|^(?:文|图|文\/图|图\/文)$/u;
const NAME = /^\p{Script=Han}{2,4}$/u;
const NAME_REPORTED = /^(\p{Script=Han}{2,4})报道$/u;
const BYLINE_MARK = /^[□■◇◆○●◎]\s*/u;
const OUTLET = /^[\p{Script=Han}·・]{2,16}$/u;
/** 本报讯(周钊梁 梁敏婷), 本报聊城7月30日讯(记者 王尚磊 通讯员 罗占), 新华社北京3月5日电(记者 …). */
const DATELINE_BYLINE = /^[^\s()（）]{0,24}?[讯电]\s*[(（]([^()（）]{1,60})[)）]/u;
const AUTHOR_LINE = /^[(（]\s*([^()（）]{2,40}?)\s*[)）]$/u;
const NAME_LINE = /^\p{Script=Han}{2,4}(?:[\s、]+\p{Script=Han}{2,4}){0,3}$/u;
const MARKDOWN_HEADING = /^(#{1,6})\s+/u;
const MARKDOWN_CLOSING = /\s+#+$/u;
/** Characters at the start of a line that can hold a byline (an outlet, roles and a few names). */
const BYLINE_SCAN = 120;
const NAME_SEPARATOR = /[\s、，,]+/u;

export interface Byline {
  /** The byline as printed, without any body text that follows it on the same line. */
  text: string;
  names: string[];
  /** Body text printed after the byline on the same line, "" when none. */
  rest: string;
}

/** Recognises the bylines that open an article: `□记者 都镇强 报道`, `齐鲁晚报·齐鲁壹点 记者 王尚磊`, `本报讯(胡文)…`. */
export function matchByline(text: string): Byline | undefined {
  return matchDatelineByline(text) ?? matchRoleByline(text);
}

function matchDatelineByline(text: string): Byline | undefined {
  const match = DATELINE_BYLINE.exec(text);
  const names = match ? namesOf(match[1]!) : undefined;
  if (!match || !names) return undefined;
  return { text: match[0], names, rest: text.slice(match[0].length).trim() };
}

function matchRoleByline(text: string): Byline | undefined {
  const mark = BYLINE_MARK.exec(text)?.[0] ?? "";
  // Only the start is tokenized: a byline is short, and a page may be one line of megabytes.
  const tokens = [...text.slice(mark.length, mark.length + BYLINE_SCAN).matchAll(/[^\s、]+/gu)];
  let index = OUTLET.test(tokens[0]?.[0] ?? "") && ROLE.test(tokens[1]?.[0] ?? "") ? 1 : 0;
  if (!ROLE.test(tokens[index]?.[0] ?? "")) return undefined;
  const names: string[] = [];
  let end = 0;
  for (; index < tokens.length; index++) {
    const token = tokens[index]!;
    const reported = NAME_REPORTED.exec(token[0]);
    if (token[0] === "报道" || reported) {
      if (reported) names.push(reported[1]!);
      end = token.index + token[0].length;
      break;
    }
    if (NAME.test(token[0]) && !ROLE.test(token[0])) names.push(token[0]);
    else if (!ROLE.test(token[0])) break;
    end = token.index + token[0].length;
  }
  if (names.length === 0) return undefined;
  return { text: text.slice(0, mark.length + end), names, rest: text.slice(mark.length + end).trim() };
}

/** Names in `(张红 王金娟)`, the line that closes an article, or undefined for any other line. */
export function matchAuthorLine(text: string): string[] | undefined {
  const match = AUTHOR_LINE.exec(text);
  return match ? namesOf(match[1]!) : undefined;
}

/** The 2–4-character names among role words (记者, 本报通讯员 …); undefined if anything else is there. */
function namesOf(list: string): string[] | undefined {
  const names: string[] = [];
  for (const token of list.trim().split(NAME_SEPARATOR)) {
    if (NAME.test(token) && !ROLE.test(token)) names.push(token);
    else if (!ROLE.test(token)) return undefined;
  }
  return names.length > 0 ? names : undefined;
}

/** A line of names only (`津文`, `巨正措`): a byline when it sits between a headline and the body. */
export function isNameLine(text: string): boolean {
  return NAME_LINE.test(text);
}

export function markdownHeading(text: string): { level: number; title: string } | undefined {
  const match = MARKDOWN_HEADING.exec(text);
  if (!match) return undefined;
  // The optional closing hashes (## 标题 ##) are cut off separately: one pattern with a lazy title
  // before them backtracked once per character, beyond V8's limit on a line of a few megabytes.
  const rest = text.slice(match[0].length);
  return { level: match[1]!.length, title: rest.slice(0, MARKDOWN_CLOSING.exec(rest)?.index ?? rest.length) };
}

/** Whether `text` has at least `count` code points before UTF-16 offset `end` (as `.{count,}` would). */
export function hasCodePointsBefore(text: string, end: number, count: number): boolean {
  return end >= 2 * count || [...text.slice(0, end)].length >= count;
}

/** Shaped like a headline line: short and unpunctuated, or a kicker/sub-headline marked with ——. */
export function isHeadingLike(text: string): boolean {
  if (text.endsWith("——") || text.startsWith("——")) return text.length <= DASHED_HEADLINE_MAX;
  return (
    text.length <= HEADLINE_MAX &&
    !SENTENCE_END.test(text) &&
    !CLAUSE_END.test(text) &&
    !COLON_END.test(text) &&
    !SENTENCE_END_INSIDE.test(text)
  );
}

/** Splits a page into paragraphs: one per non-blank line, except that lines the page broke mid-sentence are joined. */
export function repairPage(raw: string): Paragraph[] {
  const lines = cleanLines(raw.toWellFormed());
  const markdown = lines.some((line) => markdownHeading(line.text) !== undefined);
  const drafts: Draft[] = [];
  let open: Draft | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (open && continues(open.paragraph.text, line.text, line.blankLinesBefore, markdown)) {
      append(open, line);
      continue;
    }
    const after = lines[index + 1];
    if (open && after && line.blankLinesBefore > 1 && SENTENCE_END.test(line.text) && splitsSentence(open.paragraph.text, after.text)) {
      // A photo caption was set into a broken sentence (…有限公司副 / caption / 总经理孟祥忠说。):
      // the sentence is rejoined and the caption follows it as its own paragraph.
      drafts.push(draftOf(line));
      append(open, after);
      index++;
      continue;
    }
    open = draftOf(line);
    drafts.push(open);
  }
  return drafts.map((draft) => draft.paragraph);
}

interface CleanLine {
  text: string;
  line: number;
  pieces: SourcePiece[];
  /** Offset just after the line's last kept character in the page. */
  end: number;
  blankLinesBefore: number;
}

interface Draft {
  paragraph: Paragraph;
  /** Offset just after the paragraph's last character in the page. */
  end: number;
}

function cleanLines(page: string): CleanLine[] {
  const lines: CleanLine[] = [];
  let blankLines = 0;
  let start = 0;
  let number = 1;
  const take = (end: number) => {
    const line = cleanLine(page.slice(start, end), start, number);
    if (line.text === "") blankLines++;
    else {
      lines.push({ ...line, blankLinesBefore: blankLines });
      blankLines = 0;
    }
  };
  for (const lineBreak of page.matchAll(/\r\n|\r|\n/g)) {
    take(lineBreak.index);
    start = lineBreak.index + lineBreak[0].length;
    number++;
  }
  take(page.length);
  return lines;
}

/**
 * Drops control characters and surrounding white space, composes (NFC) each character, and records
 * where each run came from. Without an object per character (a page may be one line of megabytes):
 * the first pass finds the span kept after trimming, the second copies the unchanged runs of it.
 */
function cleanLine(source: string, offset: number, line: number): Omit<CleanLine, "blankLinesBefore"> {
  let from = -1;
  let to = -1;
  for (const match of source.matchAll(CLUSTER)) {
    if (CONTROL.test(match[0]) || WHITE_SPACE.test(match[0])) continue;
    if (from === -1) from = match.index;
    to = match.index + match[0].length;
  }
  if (from === -1) return { text: "", line, pieces: [], end: offset };
  const kept = source.slice(from, to);
  let text = "";
  const pieces: SourcePiece[] = [];
  const emit = (at: number, added: string): void => {
    if (added === "") return;
    const piece = pieces.at(-1);
    // A new piece starts wherever text and page stop advancing together (a dropped or recomposed character).
    if (!piece || piece.offset + (text.length - piece.at) !== offset + from + at) pieces.push({ at: text.length, offset: offset + from + at, line });
    text += added;
  };
  let run = 0;
  for (const match of kept.matchAll(CLUSTER)) {
    const unit = match[0];
    const replacement = CONTROL.test(unit) ? "" : unit === "\t" ? " " : unit.normalize("NFC");
    if (replacement === unit) continue;
    emit(run, kept.slice(run, match.index));
    emit(match.index, replacement);
    run = match.index + unit.length;
  }
  emit(run, kept.slice(run));
  return { text, line, pieces, end: offset + to };
}

function draftOf(line: CleanLine): Draft {
  return { paragraph: { text: line.text, lineStart: line.line, lineEnd: line.line, pieces: [...line.pieces] }, end: line.end };
}

function append(draft: Draft, line: CleanLine): void {
  const paragraph = draft.paragraph;
  // Latin words broken across lines keep a space between them; the space stands for the line break.
  if (/[A-Za-z]$/u.test(paragraph.text) && /^[A-Za-z]/u.test(line.text)) {
    paragraph.pieces.push({ at: paragraph.text.length, offset: draft.end, line: paragraph.lineEnd });
    paragraph.text += " ";
  }
  for (const piece of line.pieces) paragraph.pieces.push({ ...piece, at: piece.at + paragraph.text.length });
  paragraph.text += line.text;
  paragraph.lineEnd = line.line;
  draft.end = line.end;
}

/**
 * Whether `next` continues the sentence that `previous` left open. Joins need evidence: a word or a
 * punctuation mark split across the break, or a body-like previous line (long, or cut mid-clause)
 * followed by a line that is not shaped like a headline. Markdown pages mark their headlines, so there
 * an unpunctuated short line is body text too.
 */
function continues(previous: string, next: string, blankLines: number, markdown: boolean): boolean {
  if (splitsSentence(previous, next)) return true;
  if (!mayContinue(previous, next)) return false;
  // Two or more blank lines set off photo captions and other inserts: only a split word is evidence enough.
  if (blankLines > 1 || isHeadingLike(next)) return false;
  return markdown || isBodyLike(previous);
}

/** Strong evidence of a broken sentence: a word (档|案资料), a number (200|9年), a list (疫苗|生产、流通) or a punctuation mark (…|,) split across the break. */
function splitsSentence(previous: string, next: string): boolean {
  if (CLOSING_START.test(next) && !isBoundary(previous) && !isBoundary(next)) return true;
  if (!mayContinue(previous, next)) return false;
  return (
    CONTINUATION_START.test(next) ||
    LIST_START.test(next) ||
    (DIGIT_END.test(previous) && NUMBER_CONTINUATION.test(next)) ||
    splitsWord(previous, next)
  );
}

function mayContinue(previous: string, next: string): boolean {
  return !SENTENCE_END.test(previous) && !isNameLine(previous) && !isBoundary(previous) && !isBoundary(next);
}

/** Lines no sentence runs into: headings, author lines and bylines (a byline followed by text may run on). */
function isBoundary(text: string): boolean {
  if (markdownHeading(text) || matchAuthorLine(text)) return true;
  const byline = matchByline(text);
  return byline !== undefined && byline.rest === "";
}

/** Long lines are body text when they have clauses; a long headline has none (十八大举办记者招待会 四部委负责人介绍…). */
function isBodyLike(text: string): boolean {
  return (
    (text.length > HEADLINE_MAX && CLAUSE_MARK.test(text)) ||
    CLAUSE_END.test(text) ||
    SENTENCE_END_INSIDE.test(text) ||
    hasCodePointsBefore(text, DANGLING_CLAUSE.exec(text)?.index ?? 0, DANGLING_CLAUSE_AFTER)
  );
}

/** Whether jieba, reading across the break, finds a dictionary word that straddles it. */
function splitsWord(previous: string, next: string): boolean {
  // Cut to two units a character first: a line may be megabytes long.
  const left = [...previous.slice(-2 * WORD_WINDOW)].slice(-WORD_WINDOW).join("");
  const right = [...next.slice(0, 2 * WORD_WINDOW)].slice(0, WORD_WINDOW).join("");
  let at = 0;
  for (const word of cutWords(left + right)) {
    const end = at + word.length;
    // Only dictionary words count: HMM glues unknown single characters across the break (办理工 / 为保障 → 工为).
    if (at < left.length && end > left.length) return HAN_WORD.test(word) && isDictionaryWord(word);
    at = end;
  }
  return false;
}

