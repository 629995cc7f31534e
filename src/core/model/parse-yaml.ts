import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { IssueList, Loc } from './issues.js';

/** One model file parsed to a YAML document, with what is needed to locate its nodes. */
export interface YamlFile {
  /** The file path as given. */
  readonly path: string;
  /** The file text. */
  readonly text: string;
  /** The parsed document (syntax errors already reported). */
  readonly doc: Document.Parsed;
  /** Maps offsets to lines and columns. */
  readonly lines: LineCounter;
}

/**
 * Parses one model file. YAML syntax errors are recorded as `GLUON_ERR_MODEL_YAML_SYNTAX`
 * issues with their position, and the file is then left out (`undefined`).
 */
export function parseYamlFile(path: string, text: string, issues: IssueList): YamlFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const at = err.linePos?.[0];
      const message = err.message.split('\n')[0] ?? err.message;
      issues.add('GLUON_ERR_MODEL_YAML_SYNTAX', { file: path, ...(at ? { line: at.line, column: at.col } : {}), path: '(document)' }, { rule: 'yaml-syntax', message: `YAML syntax error (${err.code}): ${message.replace(/ at line \d+, column \d+:?$/, '')}` });
    }
    return undefined;
  }
  return { path, text, doc, lines };
}

/** Follows an alias to the node it names (one hop; anchors are never on aliases). */
export function deref(file: YamlFile, node: unknown): unknown {
  if (isAlias(node)) {
    try {
      return node.resolve(file.doc);
    } catch {
      return undefined;
    }
  }
  return node;
}

/** The location of a node (its first character) under a dotted path. */
export function locOf(file: YamlFile, node: unknown, path: string): Loc {
  const range = (node as Node | null | undefined)?.range;
  if (range === undefined || range === null) return { file: file.path, path };
  const pos = file.lines.linePos(range[0]);
  return { file: file.path, line: pos.line, column: pos.col, path };
}

/** The source text of a node, exactly as written (used to keep `1.0` as "1.0"). */
export function sourceOf(file: YamlFile, node: unknown): string | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (range === undefined || range === null) return undefined;
  return file.text.slice(range[0], range[1]).trim();
}

/** Names the YAML kind of a node for messages: `a mapping`, `a list`, `a string`… */
export function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'nothing (null)';
    if (typeof v === 'string') return 'a string';
    if (typeof v === 'number') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    return `a ${typeof v}`;
  }
  if (node === null || node === undefined) return 'nothing (null)';
  return 'an unsupported YAML node';
}

/** The plain JS value of a scalar node (undefined for collections). */
export function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** A mapping entry with its key as text. */
export interface Entry {
  /** The key, as a string. */
  readonly key: string;
  /** The key node (for positions). */
  readonly keyNode: unknown;
  /** The value node (aliases resolved). */
  readonly value: unknown;
}

/**
 * The entries of a mapping node. Reports `GLUON_ERR_MODEL_WRONG_TYPE` (and returns
 * `undefined`) when the node is not a mapping, and for keys that are not plain scalars.
 */
export function entriesOf(file: YamlFile, mapping: { node: unknown; loc: Loc; what: string }, issues: IssueList): Entry[] | undefined {
  const { node, loc, what } = mapping;
  if (!isMap(node)) {
    issues.add('GLUON_ERR_MODEL_WRONG_TYPE', loc, { rule: 'type', message: `${what} must be a mapping, found ${kindOf(node)}`, value: toPlain(node),
      allowed: ['mapping'] });
    return undefined;
  }
  const out: Entry[] = [];
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    const keyNode = deref(file, pair.key);
    const key = scalarValue(keyNode);
    if (!isScalar(keyNode) || key === null || key === undefined || typeof key === 'object') {
      issues.add('GLUON_ERR_MODEL_WRONG_TYPE', locOf(file, pair.key, loc.path), { rule: 'key-type', message: `keys in ${what} must be plain names, found ${kindOf(keyNode)}`, value: toPlain(keyNode), allowed: ['name'] });
      continue;
    }
    out.push({ key: String(key), keyNode: pair.key, value: deref(file, pair.value) });
  }
  return out;
}

/** A short plain-JS rendering of a node for `value` fields (depth-limited, never throws). */
export function toPlain(node: unknown, depth = 0): unknown {
  if (isScalar(node)) return node.value;
  if (depth > 2) return '…';
  if (isSeq(node)) return node.items.slice(0, 10).map((item) => toPlain(item, depth + 1));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of (node.items as Pair<unknown, unknown>[]).slice(0, 10)) {
      out[String(toPlain(pair.key, depth + 1))] = toPlain(pair.value, depth + 1);
    }
    return out;
  }
  if (isAlias(node)) return `*${node.source}`;
  return node === undefined ? null : node;
}
