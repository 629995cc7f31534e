import type { PortFilters } from './types.js';

/** Query parameters of `GET /v2.0/ports` that are not attribute filters. */
export const NON_FILTER_PARAMS: ReadonlySet<string> = new Set(['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir']);

/** The `binding:*` keys Neutron's default policy hides from non-admin callers. */
export const ADMIN_ONLY_PORT_KEYS: readonly string[] = ['binding:host_id', 'binding:vif_type', 'binding:vif_details', 'binding:profile'];

/** A parsed `GET /v2.0/ports` query: filters, fields and sorting. */
export interface PortQuery {
  readonly filters: PortFilters;
  readonly fields: readonly string[];
  readonly sortKeys: readonly string[];
  readonly sortDirs: readonly ('asc' | 'desc')[];
}

/**
 * Parses a Neutron list query (`?device_id=a&device_id=b&fields=id`) the way Neutron
 * does: every parameter but `fields`, `limit`, `marker`, `page_reverse`, `sort_key`
 * and `sort_dir` is a filter on the top-level attribute of that name; repeated
 * parameters are ORed. `fields` may repeat or be comma-separated.
 */
export function parsePortQuery(search: string | URLSearchParams): PortQuery {
  const params = typeof search === 'string' ? new URLSearchParams(search.startsWith('?') ? search.slice(1) : search) : search;
  const filters: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const fields: string[] = [];
  const sortKeys: string[] = [];
  const sortDirs: ('asc' | 'desc')[] = [];
  for (const [key, value] of params) {
    if (key === 'fields') {
      for (const f of value.split(',')) if (f.trim() !== '') fields.push(f.trim());
    } else if (key === 'sort_key') sortKeys.push(value);
    else if (key === 'sort_dir') sortDirs.push(value.toLowerCase() === 'desc' ? 'desc' : 'asc');
    else if (!NON_FILTER_PARAMS.has(key)) (filters[key] ??= []).push(value);
  }
  return { filters, fields, sortKeys, sortDirs };
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return '';
  return undefined;
}

function wanted(values: readonly string[], actual: unknown): boolean {
  if (typeof actual === 'boolean') {
    // Neutron converts boolean filters: True/true/1, False/false/0
    return values.some((v) => ['true', '1'].includes(v.toLowerCase()) === actual && ['true', '1', 'false', '0'].includes(v.toLowerCase()));
  }
  const text = scalarText(actual);
  if (text !== undefined) return values.includes(text);
  if (Array.isArray(actual)) return actual.some((item) => scalarText(item) !== undefined && values.includes(scalarText(item) as string));
  return values.some((v) => v === JSON.stringify(actual));
}

/** The `fixed_ips` sub-filters Neutron accepts (`fixed_ips=<key>=<value>`). */
export const FIXED_IP_FILTER_KEYS: readonly string[] = ['ip_address', 'subnet_id', 'ip_address_substr'];

/**
 * Neutron's `fixed_ips` filter: `fixed_ips=ip_address=10.0.0.5`, `fixed_ips=subnet_id=<id>`
 * and `fixed_ips=ip_address_substr=10.0`. Values of one key are ORed; different keys must
 * all hold for the same address (Neutron joins one IP allocation), e.g. `subnet_id=S` and
 * `ip_address=A` match a port holding A on S.
 */
function matchesFixedIps(values: readonly string[], actual: unknown): boolean {
  const byKey = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) return false;
    const key = v.slice(0, eq);
    byKey.set(key, [...(byKey.get(key) ?? []), v.slice(eq + 1)]);
  }
  const ips = Array.isArray(actual) ? (actual as unknown[]) : [];
  return ips.some((ip) => {
    if (typeof ip !== 'object' || ip === null) return false;
    const entry = ip as Record<string, unknown>;
    for (const [key, expected] of byKey) {
      if (key === 'ip_address_substr') {
        const address = entry['ip_address'];
        if (typeof address !== 'string' || !expected.some((part) => address.includes(part))) return false;
      } else if (!expected.includes(String(entry[key]))) return false;
    }
    return true;
  });
}

/** The tags of a port (Gluon ports have none). */
function tagsOf(port: Readonly<Record<string, unknown>>): string[] {
  const tags = port['tags'];
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/** Neutron's tag filters: `tags` (all of), `tags-any` (one of), `not-tags` (not all of), `not-tags-any` (none of); values comma-separated. */
function matchesTagFilter(key: string, values: readonly string[], port: Readonly<Record<string, unknown>>): boolean {
  const wantedTags = values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  const has = new Set(tagsOf(port));
  const all = wantedTags.every((t) => has.has(t));
  const any = wantedTags.some((t) => has.has(t));
  if (key === 'tags') return all;
  if (key === 'tags-any') return any;
  if (key === 'not-tags') return !all;
  return !any;
}

/** The tag filter names Neutron's tag extension adds to every list. */
export const TAG_FILTERS: readonly string[] = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];

/**
 * True when `port` passes every filter: for each attribute, its value must be one of
 * the accepted values (strings compare as is, booleans as `true`/`false`/`1`/`0`,
 * numbers by their decimal text, lists match when one element does). `tenant_id` and
 * `project_id` are the same attribute. A filter on an attribute the port does not have
 * matches nothing (as in Neutron, which rejects or empties such lists).
 */
export function matchesFilters(port: Readonly<Record<string, unknown>>, filters: PortFilters): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    if (key === 'fixed_ips') {
      if (!matchesFixedIps(values, port['fixed_ips'])) return false;
      continue;
    }
    if (TAG_FILTERS.includes(key)) {
      if (!matchesTagFilter(key, values, port)) return false;
      continue;
    }
    const attr = key === 'project_id' && !Object.hasOwn(port, key) ? 'tenant_id' : key;
    if (!Object.hasOwn(port, attr)) return false;
    if (!wanted(values, port[attr])) return false;
  }
  return true;
}

/** Keeps only `fields` of `port` (all keys when `fields` is empty), in the order asked. */
export function selectFields(port: Readonly<Record<string, unknown>>, fields: readonly string[] | undefined): Record<string, unknown> {
  if (fields === undefined || fields.length === 0) return { ...port };
  const out: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(port, field)) Object.defineProperty(out, field, { value: port[field], enumerable: true, writable: true, configurable: true });
  return out;
}

/** Removes the keys a non-admin caller must not see (see {@link ADMIN_ONLY_PORT_KEYS}). */
export function hideAdminKeys(port: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = { ...port };
  for (const key of ADMIN_ONLY_PORT_KEYS) delete out[key];
  return out;
}

/**
 * A comparator of ports by Neutron's `sort_key`/`sort_dir` pairs (missing dirs are `asc`),
 * values compared as text (numbers and booleans by their text, other values as JSON).
 */
export function comparePorts(keys: readonly string[], dirs: readonly ('asc' | 'desc')[]): (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) => number {
  return (a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const x = scalarText(a[key]) ?? JSON.stringify(a[key] ?? null);
      const y = scalarText(b[key]) ?? JSON.stringify(b[key] ?? null);
      if (x !== y) return (x < y ? -1 : 1) * (dirs[i] === 'desc' ? -1 : 1);
    }
    return 0;
  };
}

/** Sorts ports by Neutron's `sort_key`/`sort_dir` pairs (stable; missing dirs are `asc`). */
export function sortPorts<T extends Readonly<Record<string, unknown>>>(ports: T[], keys: readonly string[], dirs: readonly ('asc' | 'desc')[]): T[] {
  if (keys.length === 0) return ports;
  return [...ports].sort(comparePorts(keys, dirs));
}
