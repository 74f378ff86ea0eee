// Facets: how the articles that match a query spread over the values of the keyword fields of
// schema.ts (year, month, source, author): counted over every match, not the page, from the
// snapshot's keyword columns (numbers, not strings, per article).
import type { IndexSnapshot } from "../index/index-reader.js";
import { DATE_FILTER, facetFilter, type FacetFieldName, type ValueFilterName } from "../index/schema.js";
import type { DocSet } from "./doc-sets.js";
import { formatFilter, type ParsedQuery } from "./query-parser.js";

/** Values listed per field; the rest are summed up as OTHER. */
export const FACET_TOP = 20;
export const OTHER = "其他";

export interface FacetValue {
  value: string;
  /** Matching articles with this value; for OTHER, those with a value outside the top (each counted once). */
  count: number;
  /**
   * The query text that narrows the query to this value (`source:cctv-xwlb`, `date:2019-04`). None
   * for OTHER, and none where the query already filters the field by value: `author:` filters match
   * any of their values, so adding a second one would widen the results instead.
   */
  filter?: string;
  /** Set on the OTHER entry. */
  other?: true;
}

export type Facets = Partial<Record<FacetFieldName, FacetValue[]>>;

export function countFacets(snapshot: IndexSnapshot, matched: DocSet, fields: readonly FacetFieldName[], query?: ParsedQuery): Facets {
  const facets: Facets = {};
  for (const name of fields) {
    const { values, starts, ids } = snapshot.keywordColumn(name);
    const counts = new Uint32Array(values.length);
    for (const doc of matched) for (let at = starts[doc]!; at < starts[doc + 1]!; at++) counts[ids[at]!]!++;
    const used: FacetValue[] = [];
    counts.forEach((count, id) => count > 0 && used.push({ value: values[id]!, count }));
    const top = topFacetValues(used);
    let other: number | undefined;
    if (used.length > FACET_TOP) {
      const isTop = new Uint8Array(values.length);
      const topValues = new Set(top.map(({ value }) => value));
      values.forEach((value, id) => topValues.has(value) && (isTop[id] = 1));
      other = 0;
      for (const doc of matched) {
        for (let at = starts[doc]!; at < starts[doc + 1]!; at++) {
          if (!isTop[ids[at]!]) {
            other++;
            break;
          }
        }
      }
    }
    facets[name] = facetList(name, top, other, query);
  }
  return facets;
}

/** The FACET_TOP values with the most articles, ties by value (the same order on every run); sorts `used`. Shared by every backend. */
export function topFacetValues(used: FacetValue[]): FacetValue[] {
  used.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return used.slice(0, FACET_TOP);
}

/** A field's facet: its top values with the filter each adds, then OTHER when there are more (`other`: the articles with a value outside the top, each once). */
export function facetList(name: FacetFieldName, top: readonly FacetValue[], other: number | undefined, query: ParsedQuery | undefined): FacetValue[] {
  const filter = facetFilter(name);
  const narrows = filter === DATE_FILTER || !query || query.filters[filter as ValueFilterName].length === 0;
  const list: FacetValue[] = top.map(({ value, count }) => ({ value, count, ...(narrows ? { filter: formatFilter(filter, value) } : {}) }));
  if (other !== undefined) list.push({ value: OTHER, count: other, other: true });
  return list;
}
