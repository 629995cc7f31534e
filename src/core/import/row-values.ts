import type { AttributeModel, ObjectModel } from '../model/index.js';
import type { ErrorDetail } from '../errors/index.js';
import type { SourceRow } from './source.js';

/** Columns every original table has that are not attributes (`oslo_db`'s TimestampMixin). */
export const ORIGINAL_TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'updated_at']);

/** What one original row becomes: the create body for our store, and what could not be carried over. */
export interface MappedRow {
  /** Attribute → value, typed as our API expects; attributes the original left NULL are absent. */
  readonly body: Record<string, unknown>;
  /** The original's `created_at`/`updated_at`, when both are readable. */
  readonly timestamps?: { readonly createdAt: Date; readonly updatedAt: Date };
  /** Columns of the original that our model does not have but that hold a value. */
  readonly problems: readonly ErrorDetail[];
}

function text(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return value;
}

/**
 * One stored value of the original as our API type: booleans are 0/1 in SQLite and
 * `tinyint(1)` in MariaDB; numbers may come back as numeric strings (BIGINT, DECIMAL);
 * strings may come back as buffers. Anything else is passed on unchanged, and our
 * validation says what is wrong with it.
 */
export function toApiValue(attr: AttributeModel, raw: unknown): unknown {
  const value = text(raw);
  switch (attr.type) {
    case 'boolean':
      if (value === 0 || value === 1) return value === 1;
      if (typeof value === 'bigint') return value !== 0n;
      return value;
    case 'integer':
    case 'number':
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      return value;
    default:
      if (value instanceof Date) return value.toISOString();
      return value;
  }
}

/**
 * A timestamp of the original: a driver `Date` (MySQL, read as UTC), or SQLite's text
 * `YYYY-MM-DD HH:MM:SS[.ffffff]`, a naive time the original wrote in the server's local
 * zone, read as UTC (the original's hosts ran in UTC; digits past milliseconds are dropped).
 */
export function originalTimestamp(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (m === null) return undefined;
  const date = new Date(`${m[1]}T${m[2]}.${((m[3] ?? '') + '000').slice(0, 3)}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Maps one row of the original's table to a create body of `object`: each attribute
 * from the column of the same name. A column the model does not know that holds a value
 * is a problem (rule `unknown`): importing without it would drop data silently.
 */
export function mapRow(object: ObjectModel, columns: readonly string[], row: SourceRow): MappedRow {
  const body: Record<string, unknown> = {};
  for (const attr of object.attributes) {
    const raw = row[attr.name];
    if (raw === null || raw === undefined) continue;
    body[attr.name] = toApiValue(attr, raw);
  }
  const known = new Set(object.attributes.map((a) => a.name));
  const problems: ErrorDetail[] = [];
  for (const column of columns) {
    if (known.has(column) || ORIGINAL_TIMESTAMP_COLUMNS.has(column)) continue;
    const value = text(row[column]);
    if (value === null || value === undefined) continue;
    problems.push({
      field: column,
      rule: 'unknown',
      value,
      message: `The original's column "${column}" holds a value, but ${object.name} has no attribute "${column}" in the loaded model.`,
    });
  }
  const createdAt = originalTimestamp(text(row['created_at']));
  const updatedAt = originalTimestamp(text(row['updated_at'])) ?? createdAt;
  return createdAt === undefined || updatedAt === undefined ? { body, problems } : { body, problems, timestamps: { createdAt, updatedAt } };
}
