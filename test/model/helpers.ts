import { ModelError, type ModelIssue } from '../../src/core/errors/index.js';
import { compileModels, type ApiModel, type ModelSource } from '../../src/core/model/index.js';

/** A minimal valid header; `objects` is appended verbatim (indent 2). */
export function doc(objects: string, head = 'file_version: "1.0"\ninfo:\n  name: t\n  version: 1.0\n'): string {
  return `${head}objects:\n${objects}`;
}

/** Compiles one in-memory file. */
export function compileOne(text: string, path = 'm/t.yaml'): readonly ApiModel[] {
  return compileModels([{ path, text }]);
}

/** The issues of compiling `files` ([] when they compile). */
export function issuesOf(files: readonly ModelSource[] | string): readonly ModelIssue[] {
  const list = typeof files === 'string' ? [{ path: 'm/t.yaml', text: files }] : files;
  try {
    compileModels(list);
    return [];
  } catch (err) {
    if (err instanceof ModelError) return err.issues;
    throw err;
  }
}

/**
 * A spec with two mistakes: an unknown type `strin` (line 8, column 20, at
 * `objects.Thing.attributes.size.type`) and a parent `Nope` that is no API object
 * (line 10, column 30, at `objects.Kid.api.parent`).
 */
export const TWO_MISTAKES_SPEC = [
  'file_version: "1.0"',
  'info: {name: t, version: 1.0}',
  'objects:',
  '  Thing:',
  '    api: {name: thing}',
  '    attributes:',
  '      id: {type: uuid, primary: true}',
  '      size: {type: strin}',
  '  Kid:',
  '    api: {name: kid, parent: Nope, parent_key: t}',
  '    attributes:',
  '      id: {type: uuid, primary: true}',
  '      t: {type: Thing}',
  '',
].join('\n');
