// The only producer of trusted HTML in the app. As in tantivy's Snippet::to_html, every slice of text
// is escaped on its own and markup is added only at match boundaries, so whatever the article says
// (`<政府工作报告>`, `<script>`) shows as text. The only tags ever emitted are <mark> and </mark>.
import type { SafeHtml, TextRange } from "../types.js";
import { clampRange, mergeMatches, type Fragment } from "./snippet.js";

/** Shown before the first fragment when it starts mid-sentence, and after the last when it stops mid-sentence. */
export const ELLIPSIS = "…";
/** Between two fragments: text is always left out there, so one marker stands for it whatever the cut flags say. */
export const FRAGMENT_SEPARATOR = " … ";

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `text` with & < > " ' replaced by entities: safe as element content and inside a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/**
 * The fragments, in the order given, each escaped with its matches in <mark>…</mark> (matches are
 * merged, and clipped to their fragment). Joined with FRAGMENT_SEPARATOR; ELLIPSIS before the first
 * fragment if it is cutBefore and after the last if it is cutAfter. No fragments: the empty string.
 */
export function highlightFragments(text: string, fragments: readonly Fragment[]): SafeHtml {
  const pieces = fragments.map((fragment) => {
    const { start, end } = clampRange(text, fragment);
    const marks = mergeMatches(text, fragment.matches)
      .map((range) => ({ start: Math.max(range.start, start), end: Math.min(range.end, end) }))
      .filter((range) => range.start < range.end);
    let html = "";
    let at = start;
    for (const mark of marks) {
      html += `${escapeHtml(text.slice(at, mark.start))}<mark>${escapeHtml(text.slice(mark.start, mark.end))}</mark>`;
      at = mark.end;
    }
    return html + escapeHtml(text.slice(at, end));
  });
  const before = fragments[0]?.cutBefore ? ELLIPSIS : "";
  const after = fragments.at(-1)?.cutAfter ? ELLIPSIS : "";
  return (before + pieces.join(FRAGMENT_SEPARATOR) + after) as SafeHtml;
}

/**
 * The whole text, one SafeHtml per "\n"-separated paragraph (as `text.split("\n")`, so never empty).
 * The merged matches (`mergeMatches(text, matches)`) are numbered 0, 1, … across paragraphs and the
 * n-th gets `<mark id="{idPrefix}{n}">` on its first piece, so every id from 0 to count − 1 exists; a
 * match running over a line break continues as a plain <mark> in the next paragraph.
 */
export function highlightAll(text: string, matches: readonly TextRange[], idPrefix = "m"): [SafeHtml, ...SafeHtml[]] {
  const ranges = mergeMatches(text, matches);
  const prefix = escapeHtml(idPrefix);
  const paragraphs: SafeHtml[] = [];
  let next = 0;
  let labelled = -1;
  let start = 0;
  for (;;) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    let html = "";
    let at = start;
    while (next < ranges.length && ranges[next]!.start < end) {
      const range = ranges[next]!;
      const from = Math.max(range.start, start);
      const to = Math.min(range.end, end);
      // A match made only of line breaks has no piece of its own: it still gets its (empty) mark,
      // so the occurrence links stay numbered without gaps.
      if (from < to || (labelled < next && range.end <= end)) {
        const open = labelled < next ? `<mark id="${prefix}${next}">` : "<mark>";
        labelled = next;
        html += `${escapeHtml(text.slice(at, from))}${open}${escapeHtml(text.slice(from, to))}</mark>`;
        at = Math.max(at, to);
      }
      if (range.end > end) break;
      next++;
    }
    paragraphs.push((html + escapeHtml(text.slice(at, end))) as SafeHtml);
    if (newline === -1) break;
    start = newline + 1;
  }
  // The loop body runs at least once, so there is a first paragraph.
  return paragraphs as [SafeHtml, ...SafeHtml[]];
}
