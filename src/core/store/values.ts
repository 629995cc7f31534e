import type { ColumnDescription } from '../model/index.js';
import { ValidationError, type ErrorDetail } from '../errors/index.js';
import type { StoredObject } from './types.js';
import type { TableInfo } from './table-info.js';
import { fromSqlDate, toSqlDate } from './sql-text.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 80 ? text.slice(0, 80) + '…' : text;
  } catch {
    return typeof value;
  }
}

/** The field, the rule and the value received, as every validation error names them. */
interface Offence {
  readonly field: string;
  readonly rule: string;
  readonly value: unknown;
}

function invalid({ field, rule, value }: Offence, expected: string, allowed?: readonly unknown[]): ValidationError {
  const message = `Invalid value for "${field}": expected ${expected}, received ${describe(value)}.`;
  const detail: ErrorDetail = allowed === undefined ? { field, rule, value, message } : { field, rule, value, message, allowed };
  return new ValidationError(message, [detail]);
}

/** The character count MySQL applies to VARCHAR(n): code points. */
function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Checks a typed API value against its column and returns what is bound in SQL.
 * Throws a ValidationError naming `field`, the rule and the value received.
 * @internal
 */
export function toDbValue(column: ColumnDescription, value: unknown, field: string = column.name): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'string': {
      if (typeof value !== 'string') return bad({ field, rule: 'type', value }, 'a string');
      const max = column.length;
      if (max !== undefined && value.length > max && charLength(value) > max) {
        throw invalid({ field, rule: 'maxLength', value }, `at most ${max} characters`);
      }
      return value;
    }
    case 'text':
      return typeof value === 'string' ? value : bad({ field, rule: 'type', value }, 'a string');
    case 'enum': {
      const values = column.values ?? [];
      if (typeof value !== 'string' || !values.includes(value)) {
        throw invalid({ field, rule: 'enum', value }, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, values);
      }
      return value;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        return bad({ field, rule: 'type', value }, `an integer between ${INT32_MIN} and ${INT32_MAX}`);
      }
      return value;
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return bad({ field, rule: 'type', value }, 'a safe integer');
      return value;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad({ field, rule: 'type', value }, 'a finite number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return bad({ field, rule: 'type', value }, 'a boolean');
      return value ? 1 : 0;
    case 'datetime': {
      const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
      if (date === undefined || Number.isNaN(date.getTime())) return bad({ field, rule: 'format', value }, 'an ISO-8601 date-time');
      return toSqlDate(date);
    }
  }
  return bad({ field, rule: 'type', value }, `a ${String(column.type)}`);
}

function bad(offence: Offence, expected: string): never {
  throw invalid(offence, expected);
}

/** Converts one stored value back to its API type. @internal */
export function fromDbValue(column: ColumnDescription, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'integer':
    case 'bigint':
    case 'float':
      return typeof value === 'number' ? value : Number(value);
    case 'datetime':
      return fromSqlDate(value);
    default:
      return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
}

/** Converts a raw row into the API object: every column, in table order. @internal */
export function fromDbRow(info: TableInfo, row: Readonly<Record<string, unknown>>): StoredObject {
  const out: Record<string, unknown> = {};
  for (const column of info.table.columns) out[column.name] = fromDbValue(column, row[column.name]);
  return out;
}
