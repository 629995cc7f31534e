import { readFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, isGluonError, type ModelIssue } from '../errors/index.js';
import type { ApiModel } from './types.js';
import { compileModels, type ModelSource } from './compile-models.js';

/** Options of {@link loadModels}. */
export interface LoadModelsOptions {
  /**
   * Models root that `imports` paths are relative to, for explicit files. Default: the
   * directory given (for a directory), or the parent of the file's directory.
   */
  readonly root?: string;
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * Loads and compiles Gluon API specs from disk. `source` is one path or several, each:
 * - a directory in the original layout, `<root>/<service>/*.yaml` (all files of one
 *   service directory form one API; `base/` is not a service, it is imported);
 * - a flat directory of `*.yaml` files (each file one API, importing siblings);
 * - or a model file.
 * `imports` is resolved relative to the models root, then relative to the importing file.
 *
 * @returns deeply frozen models, one per API and version.
 * @throws ModelError with every problem found (unreadable paths, YAML syntax, spec errors).
 */
export async function loadModels(source: string | readonly string[], options: LoadModelsOptions = {}): Promise<readonly ApiModel[]> {
  const paths = typeof source === 'string' ? [source] : source;
  const issues: ModelIssue[] = [];
  const sources: ModelSource[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        const found = await scanDirectory(path);
        if (found.length === 0) issues.push(unreadable(path, `no model files (*.yaml) in directory ${path} or its service directories`));
        for (const file of found) sources.push({ ...file, text: await readFile(file.path, 'utf8') });
      } else {
        sources.push({ path, text: await readFile(path, 'utf8'), ...(options.root === undefined ? {} : { root: options.root }) });
      }
    } catch (err) {
      issues.push(unreadable(path, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
    }
  }
  let models: readonly ApiModel[] = [];
  try {
    models = compileModels(sources, {
      ...(options.root === undefined ? {} : { root: options.root }),
      readFile: (file) => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return undefined;
        }
      },
    });
  } catch (err) {
    if (!(err instanceof ModelError) && !(isGluonError(err) && err.code === 'GLUON_ERR_MODEL_INVALID')) throw err;
    issues.push(...(err as ModelError).issues);
  }
  if (issues.length > 0) throw new ModelError(issues);
  return models;
}

async function scanDirectory(dir: string): Promise<{ path: string; unit: string; root: string }[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { path: string; unit: string; root: string }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isFile() && YAML_FILE.test(entry.name)) out.push({ path: full, unit: full, root: dir });
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'base') continue;
    const serviceDir = join(dir, entry.name);
    const files = (await readdir(serviceDir, { withFileTypes: true }))
      .filter((f) => f.isFile() && YAML_FILE.test(f.name))
      .map((f) => f.name)
      .sort();
    for (const name of files) out.push({ path: join(serviceDir, name), unit: serviceDir, root: dir });
  }
  return out;
}

function unreadable(path: string, message: string): ModelIssue {
  return { code: 'GLUON_ERR_MODEL_FILE_UNREADABLE', file: path, path: '(file)', field: '(file)', rule: 'readable', message, value: path };
}
