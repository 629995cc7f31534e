import type { GluonErrorCode, ModelIssue } from '../errors/index.js';

/** Where a model node is: file, 1-based position and dotted path inside the document. */
export interface Loc {
  /** The model file. */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** Dotted path inside the document, e.g. `objects.Port.attributes.mac_address.format`. */
  readonly path: string;
}

/** Extra facts about one problem. */
export interface IssueExtra {
  /** The value found. */
  readonly value?: unknown;
  /** The allowed values. */
  readonly allowed?: readonly unknown[];
}

/** One problem as {@link IssueList.add} records it. */
export interface IssueProblem extends IssueExtra {
  /** The rule broken (`type`, `unknown-key`). */
  readonly rule: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * Collects every problem found while compiling models. Identical problems (same code,
 * position and message — e.g. one base-object mistake seen through many APIs) are kept once.
 */
export class IssueList {
  private readonly items: ModelIssue[] = [];
  private readonly seen = new Set<string>();

  /** Records one problem: the rule it breaks, the message, and the value and allowed values when known. */
  add(code: GluonErrorCode, loc: Loc, problem: IssueProblem): void {
    const { rule, message, ...extra } = problem;
    const key = `${code}\u0000${loc.file}\u0000${loc.line ?? ''}\u0000${loc.column ?? ''}\u0000${loc.path}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const issue: ModelIssue = {
      code,
      file: loc.file,
      path: loc.path,
      field: loc.path,
      rule,
      message,
      ...(loc.line === undefined ? {} : { line: loc.line }),
      ...(loc.column === undefined ? {} : { column: loc.column }),
      ...('value' in extra ? { value: extra.value } : {}),
      ...(extra.allowed === undefined ? {} : { allowed: extra.allowed }),
    };
    this.items.push(issue);
  }

  /** True when at least one problem was recorded. */
  get size(): number {
    return this.items.length;
  }

  /** Every problem, sorted by file, line and column (stable for equal positions). */
  sorted(): ModelIssue[] {
    return this.items
      .map((issue, index) => ({ issue, index }))
      .sort(
        (a, b) =>
          (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : 0) ||
          (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
          (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
          a.index - b.index,
      )
      .map((entry) => entry.issue);
  }
}

/** Renders a value for a message: strings quoted, others as JSON (shortened). */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'nothing';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Joins allowed values for a message: `a, b or c`. */
export function oneOf(values: readonly string[]): string {
  if (values.length === 0) return '(none)';
  if (values.length === 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1] ?? ''}`;
}
