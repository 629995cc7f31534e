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
