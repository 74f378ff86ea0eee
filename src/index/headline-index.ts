// The headline word index: a FlexSearch `Index` keyed by jieba terms. FlexSearch orders a term's
// documents by "slots"; we store the term frequency in the slot (slot = TF_SLOTS - tf, so slot 0
// holds the documents where the term is most frequent) and read whole slot lists back to compute
// BM25 ourselves. FlexSearch's own order (position of the first occurrence) is not relevance.
//
// Headlines are short and few, so FlexSearch's in-memory maps stay small here (bodies use the
// compact word-index.ts). The export does not contain this configuration, so writer and reader
// must both build their instances here, from the same options.
import { Index } from "flexsearch";
import { NO_POSTINGS, type FieldPostings, type TermPostings } from "./word-index.js";

/** Term frequencies above this count as this: BM25 saturates long before (k1 = 1.2). */
export const TF_SLOTS = 8;

/** Terms are already analyzed: FlexSearch only splits our space-joined list. */
const splitTerms = (text: string): string[] => (text ? text.split(" ") : []);

export class HeadlineIndexWriter {
  private termFrequency = new Map<string, number>();
  private readonly index: Index;
  /** Every distinct term added so far. */
  readonly vocabulary = new Set<string>();

  constructor() {
    this.index = new Index({
      tokenize: "strict",
      resolution: TF_SLOTS,
      encode: splitTerms,
      score: (_content, term) => TF_SLOTS - Math.min(this.termFrequency.get(term) ?? 1, TF_SLOTS),
    });
  }

  /** Adds a document's analyzed terms (with repeats). Ids must be small integers, added once. */
  add(doc: number, terms: readonly string[]): void {
    if (terms.length === 0) return;
    const frequency = new Map<string, number>();
    for (const term of terms) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    for (const term of frequency.keys()) this.vocabulary.add(term);
    this.termFrequency = frequency;
    this.index.add(doc, [...frequency.keys()].join(" "));
  }

  /** Writes FlexSearch's export chunks; `write` receives (file name, contents). */
  async export(write: (name: string, data: string) => Promise<void>): Promise<void> {
    await this.index.export(write);
  }
}

export class HeadlineIndex implements FieldPostings {
  private readonly index: Index;

  constructor() {
    this.index = new Index({ tokenize: "strict", resolution: TF_SLOTS, encode: splitTerms });
  }

  import(name: string, data: string): void {
    this.index.import(name, data);
  }

  lookup(term: string): TermPostings {
    const slots = this.index.search(term, { resolve: false }).result as ReadonlyArray<readonly number[] | null | undefined>;
    let documentFrequency = 0;
    for (const docs of slots) documentFrequency += docs?.length ?? 0;
    if (documentFrequency === 0) return NO_POSTINGS;
    return { documentFrequency, forEachIn: (docs, base, visit) => walk(slots, docs, base, visit) };
  }
}

/** Slot by slot (documents in decreasing tf); each slot is in document order, walked together with `docs`. */
function walk(
  slots: ReadonlyArray<readonly number[] | null | undefined>,
  docs: ArrayLike<number>,
  base: number,
  visit: (doc: number, tf: number) => void,
): void {
  for (let slot = 0; slot < slots.length; slot++) {
    const list = slots[slot];
    if (!list) continue;
    for (let i = 0, j = 0; i < list.length && j < docs.length; ) {
      const doc = list[i]!;
      const wanted = docs[j]! - base;
      if (doc < wanted) i++;
      else if (doc > wanted) j++;
      else {
        visit(doc, TF_SLOTS - slot);
        i++;
        j++;
      }
    }
  }
}
