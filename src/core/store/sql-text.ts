/** SQL text helpers shared by both dialects (SQLite accepts MySQL's backtick quoting). */

/** The SQL dialects the store speaks. */
export type Dialect = 'sqlite' | 'mysql';

/** Quotes an identifier with backticks (valid in MySQL and SQLite). */
export function q(identifier: string): string {
  return '`' + identifier.replaceAll('`', '``') + '`';
}

/** A `(?, ?, …)` group of `n` placeholders. */
export function placeholders(n: number): string {
  return '(' + new Array<string>(n).fill('?').join(', ') + ')';
}

/** Formats an instant as the stored UTC text `YYYY-MM-DD HH:MM:SS.mmm` (both dialects). */
export function toSqlDate(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 23);
}

/** Turns a stored datetime (text or a driver Date) into ISO-8601 UTC with `Z`. */
export function fromSqlDate(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(text);
  if (m === null) return text;
  const frac = ((m[3] ?? '.000') + '000').slice(0, 4);
  return `${m[1]}T${m[2]}${frac}Z`;
}
