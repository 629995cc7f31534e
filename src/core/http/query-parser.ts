import { ValidationError, type ErrorDetail } from '../errors/index.js';
import type { AttributeModel, ObjectModel } from '../model/index.js';
import type { ListQuery, SortDirection } from '../store/index.js';
import { invalidInput, readTypedText } from './typed-text.js';

/** Read-only fields every stored object has besides its attributes. */
export const META_FIELDS = ['created_at', 'updated_at', 'revision_number'] as const;

/** Largest page a client may ask for. */
export const MAX_LIMIT = 1000;

/** A parsed collection query. */
export interface ParsedListQuery {
  readonly query: ListQuery;
  /** Fields to keep in each item (undefined = all). */
  readonly fields?: readonly string[];
}

/** The query parameters of a raw URL, in order (repeated keys kept). */
export function queryEntries(url: string): [string, string][] {
  const at = url.indexOf('?');
  if (at < 0) return [];
  try {
    return [...new URLSearchParams(url.slice(at + 1)).entries()];
  } catch {
    return [];
  }
}

function unknownArgument(name: string, value: string): ValidationError {
  return new ValidationError(`Unknown argument: "${name}"`, [
    { field: name, rule: 'unknown', value, message: `${name} is not a query parameter of this resource` },
  ]);
}

function badParameter(offence: { name: string; value: string; rule: string }, why: string, allowed?: readonly unknown[]): ValidationError {
  const { name, value, rule } = offence;
  const detail: ErrorDetail = { field: name, rule, value, message: why, ...(allowed === undefined ? {} : { allowed }) };
  return new ValidationError(invalidInput(name, value, why), [detail]);
}

/** Parses `fields=a&fields=b` / `fields=a,b`; unknown names → 400. */
function parseFields(object: ObjectModel, values: readonly string[]): readonly string[] {
  const known = new Set<string>([...object.attributes.map((a) => a.name), ...META_FIELDS]);
  const fields: string[] = [];
  for (const value of values) {
    for (const name of value.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      if (!known.has(name)) {
        throw badParameter({ name: 'fields', value, rule: 'enum' }, `Unknown field ${name}; allowed: ${[...known].join(', ')}`, [...known]);
      }
      if (!fields.includes(name)) fields.push(name);
    }
  }
  return fields;
}

/** Parses the query string of a member GET: only `fields` is accepted. */
export function parseMemberQuery(object: ObjectModel, url: string): readonly string[] | undefined {
  const fieldValues: string[] = [];
  for (const [name, value] of queryEntries(url)) {
    if (name === 'fields') fieldValues.push(value);
    else throw unknownArgument(name, value);
  }
  return fieldValues.length > 0 ? parseFields(object, fieldValues) : undefined;
}

/** Rejects any query parameter but the `allowed` ones (POST and DELETE take none; PUT may take hook-declared ones). */
export function rejectQuery(url: string, allowed: readonly string[] = []): void {
  const first = queryEntries(url).find(([name]) => !allowed.includes(name));
  if (first !== undefined) throw unknownArgument(first[0], first[1]);
}

/**
 * Parses a Neutron-style collection query: `<attr>=<value>` filters (typed; repeated
 * key = OR), `fields`, `limit` (1..1000), `marker`, `sort_key`/`sort_dir` pairs.
 * Anything else → 400 `Unknown argument: "<name>"`.
 */
export function parseListQuery(object: ObjectModel, url: string): ParsedListQuery {
  const attributes = new Map<string, AttributeModel>(object.attributes.map((a) => [a.name, a]));
  const filters: Record<string, unknown[]> = {};
  const fieldValues: string[] = [];
  const sortKeys: string[] = [];
  const sortDirs: SortDirection[] = [];
  let limit: number | undefined;
  let marker: string | undefined;

  for (const [name, value] of queryEntries(url)) {
    switch (name) {
      case 'fields':
        fieldValues.push(value);
        break;
      case 'limit': {
        const number = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN;
        if (!(number >= 1 && number <= MAX_LIMIT)) {
          throw badParameter({ name: 'limit', value, rule: 'range' }, `Value should be an integer from 1 to ${MAX_LIMIT}`);
        }
        limit = number;
        break;
      }
      case 'marker': {
        const pk = attributes.get(object.primaryKey);
        const typed = pk === undefined ? { ok: true as const, value } : readTypedText(pk, value);
        if (!typed.ok) throw badParameter({ name: 'marker', value, rule: typed.rule }, typed.message);
        marker = value;
        break;
      }
      case 'sort_key':
        if (!attributes.has(value) && !(META_FIELDS as readonly string[]).includes(value)) {
          const allowed = [...attributes.keys(), ...META_FIELDS];
          throw badParameter({ name: 'sort_key', value, rule: 'enum' }, `Value should be one of: ${allowed.join(', ')}`, allowed);
        }
        sortKeys.push(value);
        break;
      case 'sort_dir':
        if (value !== 'asc' && value !== 'desc') throw badParameter({ name: 'sort_dir', value, rule: 'enum' }, 'Value should be one of: asc, desc', ['asc', 'desc']);
        sortDirs.push(value);
        break;
      default: {
        const attribute = attributes.get(name);
        if (attribute === undefined) throw unknownArgument(name, value);
        const typed = readTypedText(attribute, value);
        if (!typed.ok) throw badParameter({ name, value, rule: typed.rule }, typed.message, typed.allowed);
        (filters[name] ??= []).push(typed.value);
      }
    }
  }

  if (sortDirs.length > 0 && sortDirs.length !== sortKeys.length) {
    throw badParameter({ name: 'sort_dir', value: sortDirs.join(','), rule: 'pairs' }, `sort_key and sort_dir must come in pairs (got ${sortKeys.length} sort_key, ${sortDirs.length} sort_dir)`);
  }
  const sort = sortKeys.map((key, i) => ({ key, dir: sortDirs[i] ?? ('asc' as const) }));
  const query: ListQuery = {
    ...(Object.keys(filters).length > 0 ? { filters } : {}),
    ...(limit === undefined ? {} : { limit }),
    ...(marker === undefined ? {} : { marker }),
    ...(sort.length > 0 ? { sort } : {}),
  };
  return fieldValues.length > 0 ? { query, fields: parseFields(object, fieldValues) } : { query };
}

/** Keeps only the named fields of an object. */
export function pickFields(item: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = item[field] ?? null;
  return out;
}
