import { stringify as toYaml } from 'yaml';
import { GluonError } from '../../core/errors/index.js';

/** Output formats, as cliff names them. */
export const FORMATS = ['table', 'json', 'yaml', 'value', 'csv'] as const;
/** One output format. */
export type OutputFormat = (typeof FORMATS)[number];

/** How a command prints: `-f` and the `-c` columns (all when empty). */
export interface OutputOptions {
  readonly format: OutputFormat;
  readonly columns: readonly string[];
}

type Row = Readonly<Record<string, unknown>>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function pick(row: Row, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
}

function chosenColumns(rows: readonly Row[], wanted: readonly string[], known: readonly string[]): string[] {
  const all = known.length > 0 ? [...known] : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  for (const extra of rows.flatMap((r) => Object.keys(r))) if (!all.includes(extra)) all.push(extra);
  if (wanted.length === 0) return all;
  const unknown = wanted.filter((c) => !all.includes(c));
  if (unknown.length > 0) {
    throw new GluonError('GLUON_ERR_CLI_USAGE', `Unknown column ${unknown.map((c) => `"${c}"`).join(', ')} for -c; the columns are: ${all.join(', ')}.`, {
      details: unknown.map((c) => ({ field: 'column', rule: 'enum', value: c, message: `not a column`, allowed: all })),
    });
  }
  return [...wanted];
}

/** A cliff-style ASCII table. */
export function asciiTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.max(...(r[i] ?? '').split('\n').map((l) => l.length)))));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [rule, line(header), rule, ...rows.map(line), rule].join('\n');
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) || text === '' ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Prints a list of objects (`list`) in the chosen format; returns the text. */
export function formatList(rows: readonly Row[], options: OutputOptions, known: readonly string[] = []): string {
  const columns = chosenColumns(rows, options.columns, known);
  const picked = rows.map((r) => pick(r, columns));
  switch (options.format) {
    case 'json':
      return JSON.stringify(picked, null, 2);
    case 'yaml':
      return picked.length === 0 ? '[]' : toYaml(picked).trimEnd();
    case 'value':
      return picked.map((r) => columns.map((c) => cell(r[c])).join(' ')).join('\n');
    case 'csv':
      return [columns.map(csvField).join(','), ...picked.map((r) => columns.map((c) => csvField(cell(r[c]))).join(','))].join('\n');
    case 'table':
      return rows.length === 0 && options.columns.length === 0 && known.length === 0 ? '' : asciiTable(columns, picked.map((r) => columns.map((c) => cell(r[c]))));
  }
}

/** Prints one object (`show`, `create`, `set`) in the chosen format; returns the text. */
export function formatOne(row: Row, options: OutputOptions, known: readonly string[] = []): string {
  const columns = chosenColumns([row], options.columns, known);
  const picked = pick(row, columns);
  switch (options.format) {
    case 'json':
      return JSON.stringify(picked, null, 2);
    case 'yaml':
      return toYaml(picked).trimEnd();
    case 'value':
      return columns.map((c) => cell(picked[c])).join('\n');
    case 'csv':
      return [columns.map(csvField).join(','), columns.map((c) => csvField(cell(picked[c]))).join(',')].join('\n');
    case 'table':
      return asciiTable(['Field', 'Value'], columns.map((c) => [c, cell(picked[c])]));
  }
}
