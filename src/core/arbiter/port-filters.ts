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

/** `fixed_ips=ip_address=10.0.0.5` / `fixed_ips=subnet_id=<id>` (Neutron's fixed_ips filter). */
function matchesFixedIps(values: readonly string[], actual: unknown): boolean {
  const ips = Array.isArray(actual) ? (actual as Record<string, unknown>[]) : [];
  return values.some((v) => {
    const eq = v.indexOf('=');
    if (eq < 0) return false;
    const key = v.slice(0, eq);
    const expected = v.slice(eq + 1);
    return ips.some((ip) => typeof ip === 'object' && ip !== null && ip[key] === expected);
  });
}

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

/** Sorts ports by Neutron's `sort_key`/`sort_dir` pairs (stable; missing dirs are `asc`). */
export function sortPorts<T extends Readonly<Record<string, unknown>>>(ports: T[], keys: readonly string[], dirs: readonly ('asc' | 'desc')[]): T[] {
  if (keys.length === 0) return ports;
  return [...ports].sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const x = scalarText(a[key]) ?? JSON.stringify(a[key] ?? null);
      const y = scalarText(b[key]) ?? JSON.stringify(b[key] ?? null);
      if (x !== y) return (x < y ? -1 : 1) * (dirs[i] === 'desc' ? -1 : 1);
    }
    return 0;
  });
}
