/**
 * SQL naming: table and index names derived from model names, kept within the 64
 * characters MySQL/MariaDB allow.
 */
import type { ApiModel } from '../types.js';

/** The longest identifier MySQL/MariaDB accept; SQLite has no limit. */
export const MAX_SQL_IDENTIFIER_LENGTH = 64;

/**
 * Snake case as the original's `de_camel`: `VpnBinding` → `vpn_binding`,
 * `BGPPeering` → `bgp_peering`, `SfDataPlaneLocator` → `sf_data_plane_locator`.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Lower case, every run of characters other than `[a-z0-9]` replaced by one `_`, no `_` at either end. */
function sqlSafe(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** 32-bit FNV-1a of `text` as 8 hex digits (stable across runs and platforms). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * `name` when it fits in {@link MAX_SQL_IDENTIFIER_LENGTH} characters; else its first 55
 * characters, `_` and a hash of the whole name (so distinct long names stay distinct).
 */
export function fitIdentifier(name: string): string {
  if (name.length <= MAX_SQL_IDENTIFIER_LENGTH) return name;
  return `${name.slice(0, MAX_SQL_IDENTIFIER_LENGTH - 9)}_${fnv1a(name)}`;
}

/**
 * The table of an API object: `<api>_<versionId>_<snake_case(object)>`, lower case, every
 * run of other characters than `[a-z0-9]` replaced by `_`, e.g.
 * `net_l3vpn_v1_0_vpn_binding`; shortened with a hash past 64 characters.
 */
export function tableName(api: ApiModel, objectName: string): string {
  return fitIdentifier(sqlSafe(`${api.name}_${api.versionId}_${snakeCase(objectName)}`));
}

/** An index name: `<table>_<columns joined by _>_<suffix>`, unique in the database, ≤ 64 characters. */
export function indexName(table: string, columns: readonly string[], suffix: 'idx' | 'uniq'): string {
  return fitIdentifier(sqlSafe(`${table}_${columns.join('_')}_${suffix}`));
}
