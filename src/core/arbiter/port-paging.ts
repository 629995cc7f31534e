import { comparePorts } from './port-filters.js';

type Port = Readonly<Record<string, unknown>>;

/** The paging parameters of a Neutron list query. */
export interface PageRequest {
  /** Ports per page; `undefined` (or Neutron's `0`) for all. */
  readonly limit: number | undefined;
  /** Id of the port the page starts after (or, reversed, ends before). */
  readonly marker: string | undefined;
  /** Neutron's `page_reverse=True`: the page before the marker. */
  readonly reverse: boolean;
}

/**
 * Reads `limit`, `marker` and `page_reverse` as Neutron does. Returns `undefined` when
 * they are malformed (a `limit` that is not a non-negative integer), so that the caller
 * passes the request to Neutron and the client gets Neutron's own 400.
 */
export function parsePageRequest(params: URLSearchParams): PageRequest | undefined {
  const limitText = params.get('limit');
  let limit: number | undefined;
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText.trim())) return undefined;
    const n = Number(limitText.trim());
    limit = n === 0 ? undefined : n;
  }
  const marker = params.get('marker') ?? undefined;
  const reverse = ['true', '1', 'yes', 'on'].includes((params.get('page_reverse') ?? '').toLowerCase());
  return { limit, marker: marker === '' ? undefined : marker, reverse };
}

/** True when the query asks for a page (`limit` or `marker`) or a sort order. */
export function wantsOrderedList(params: URLSearchParams): boolean {
  return params.has('limit') || params.has('marker') || params.has('sort_key');
}

/**
 * The total order of a paged list: the caller's sort keys, then `id` (as Neutron's
 * pagination appends it), so that every port has one place and pages never overlap.
 */
export function listOrder(sortKeys: readonly string[], sortDirs: readonly ('asc' | 'desc')[]): (a: Port, b: Port) => number {
  const keys = sortKeys.includes('id') ? sortKeys : [...sortKeys, 'id'];
  const dirs = sortKeys.includes('id') ? sortDirs : [...sortKeys.map((_, i) => sortDirs[i] ?? 'asc'), 'asc' as const];
  return comparePorts(keys, dirs);
}

/** How a page is placed in a sorted list: the list's order and the marker's port, if known. */
export interface PagePlacement {
  /** The order of the list ({@link listOrder}). */
  readonly order: (a: Port, b: Port) => number;
  /** The marker's port, `undefined` without a marker. */
  readonly markerPort: Port | undefined;
}

/**
 * One page of `sorted` (already in {@link listOrder}): the `limit` ports after the marker
 * (or before it, reversed). `markerPort` places a marker that is not in the list (e.g. a
 * port that no longer passes the filters) by its sort values.
 */
export function slicePage<T extends Port>(sorted: readonly T[], page: PageRequest, { order, markerPort }: PagePlacement): T[] {
  let start = 0;
  let end = sorted.length;
  if (markerPort !== undefined) {
    const at = sorted.findIndex((p) => p['id'] === markerPort['id']);
    if (page.reverse) end = at >= 0 ? at : sorted.filter((p) => order(p, markerPort) < 0).length;
    else start = at >= 0 ? at + 1 : sorted.filter((p) => order(p, markerPort) <= 0).length;
  }
  if (page.limit === undefined) return sorted.slice(start, end);
  return page.reverse ? sorted.slice(Math.max(start, end - page.limit), end) : sorted.slice(start, Math.min(end, start + page.limit));
}

/**
 * Neutron's `ports_links` for a page (`api_common.get_pagination_links`): `next` when a
 * forward page is full (or any reversed page), `previous` unless a reversed page is short;
 * each link repeats the query with `marker` set to the last (next) or first (previous) id.
 * No links without a `limit`.
 */
export function pageLinks(items: readonly Port[], page: PageRequest, { baseUrl, params }: { baseUrl: string; params: URLSearchParams }): { rel: string; href: string }[] {
  if (page.limit === undefined) return [];
  const links: { rel: string; href: string }[] = [];
  const href = (marker: unknown, reverse: boolean): string => {
    const next = new URLSearchParams(params);
    next.delete('marker');
    next.delete('page_reverse');
    if (marker !== undefined) next.set('marker', String(marker));
    if (reverse) next.set('page_reverse', 'True');
    return `${baseUrl}?${next.toString()}`;
  };
  const short = items.length < page.limit;
  if (!(short && !page.reverse) && items.length > 0) links.push({ rel: 'next', href: href(items[items.length - 1]?.['id'], false) });
  if (!(short && page.reverse)) links.push({ rel: 'previous', href: href(items[0]?.['id'] ?? page.marker, true) });
  return links;
}
