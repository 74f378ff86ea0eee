// Folding for matching: the text a query is compared with. Display text is never folded.
//
// Every step maps one UTF-16 code unit to one code unit, so offsets found in folded text are
// offsets in the display text too: highlights land on the right characters without an offset map.
// That is why full NFKC is not used ("…" → "...", "㎡" → "m2" change the length).
//
//   1. full-width ASCII U+FF01–FF5E → ASCII, ideographic space U+3000 and control characters → " "
//   2. traditional → simplified, character by character (OpenCC's TSCharacters table)
//   3. ASCII upper case → lower case                                         (COVID = covid)
import tsCharacters from "opencc-js/dict/TSCharacters";

const FOLD_TABLE: Uint16Array = buildFoldTable();

function buildFoldTable(): Uint16Array {
  const table = new Uint16Array(0x10000);
  for (let unit = 0; unit < table.length; unit++) table[unit] = unit;
  for (let unit = 0xff01; unit <= 0xff5e; unit++) table[unit] = unit - 0xfee0;
  table[0x3000] = 0x20;
  // Control characters (all but the line break) become spaces: a NUL would also collide with the
  // n-gram index's key space, where a bigram starting with U+0000 has the key of a single character.
  for (let unit = 0; unit < 0x20; unit++) if (unit !== 0x0a) table[unit] = 0x20;
  // "乾 干 乾|亂 乱|…": keep only one-unit → one-unit pairs, so folding stays length-preserving.
  for (const entry of (tsCharacters as string).split("|")) {
    const [traditional, simplified] = entry.split(" ");
    if (traditional?.length === 1 && simplified?.length === 1) {
      table[traditional.charCodeAt(0)] = simplified.charCodeAt(0);
    }
  }
  // The table has chains (薴 → 苧, 苧 → 苎): follow them, so that folding twice changes nothing.
  // (A few hops at most, so that a cycle in a future table cannot hang the import.)
  for (let unit = 0; unit < table.length; unit++) {
    let folded = table[unit]!;
    for (let hops = 0; hops < 4 && table[folded] !== folded; hops++) folded = table[folded]!;
    table[unit] = folded;
  }
  for (let unit = 0; unit < table.length; unit++) {
    const folded = table[unit]!;
    if (folded >= 0x41 && folded <= 0x5a) table[unit] = folded + 0x20;
  }
  return table;
}

/** Folds width, script and case; `fold(s).length === s.length` always holds. */
export function fold(text: string): string {
  let changed = false;
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const folded = FOLD_TABLE[unit]!;
    if (folded !== unit) changed = true;
    units[i] = folded;
  }
  return changed ? decodeUtf16(units) : text;
}

const CHUNK = 8192; // String.fromCharCode.apply has an argument-count limit.

function decodeUtf16(units: Uint16Array): string {
  let out = "";
  for (let i = 0; i < units.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, units.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}
