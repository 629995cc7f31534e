import { dirname, isAbsolute, join, normalize } from 'node:path';
import { ModelError } from '../errors/index.js';
import type { ApiModel } from './types.js';
import { IssueList } from './issues.js';
import { parseYamlFile } from './parse-yaml.js';
import { readSpec } from './read-spec.js';
import { compileApi } from './compile-api.js';
import { deepFreeze } from './freeze.js';
import { checkVersions } from './versions.js';
import type { RawFile } from './spec-types.js';

/** One model file given as text. */
export interface ModelSource {
  /** The file's path (used in messages and to resolve `imports`). */
  readonly path: string;
  /** The YAML text. */
  readonly text: string;
  /**
   * Files with the same `unit` form one API (the original layout: every file of
   * `<service>/`). Default: the file is its own unit.
   */
  readonly unit?: string;
  /**
   * The models root `imports` is relative to. Default: the parent of the file's
   * directory (the original `<root>/<service>/api.yaml` layout).
   */
  readonly root?: string;
}

/** Options of {@link compileModels}. */
export interface CompileModelsOptions {
  /** Models root for `imports` of every file that gives none. */
  readonly root?: string;
  /**
   * Reads a file named by `imports` that is not among the given sources; returns
   * `undefined` when it cannot. Without it, imports must be among the sources.
   */
  readonly readFile?: (path: string) => string | undefined;
}

/**
 * The paths an `imports` value may name, in the order tried: relative to the models
 * root, then relative to the importing file.
 */
export function importCandidates(file: string, imports: string, root?: string): string[] {
  if (isAbsolute(imports)) return [normalize(imports)];
  const fromRoot = normalize(join(root ?? dirname(dirname(file)), imports));
  const fromFile = normalize(join(dirname(file), imports));
  return fromRoot === fromFile ? [fromRoot] : [fromRoot, fromFile];
}

/**
 * Compiles model files (given as text) into deeply frozen {@link ApiModel}s, one per API
 * and version, in the order their files were given. Pure and synchronous (unless
 * `options.readFile` reads imports).
 *
 * A file is an API of its own (or part of its `unit`) unless another file imports it
 * and it has no `info` (like `base/base.yaml`).
 *
 * @throws ModelError with every problem found (`issues`), never only the first.
 */
export function compileModels(files: readonly ModelSource[], options: CompileModelsOptions = {}): readonly ApiModel[] {
  const issues = new IssueList();
  const raws = new Map<string, RawFile | null>();
  const sources = new Map<string, ModelSource>();

  const load = (path: string, text: string): RawFile | null => {
    const parsed = parseYamlFile(path, text, issues);
    const raw = parsed === undefined ? null : readSpec(parsed, issues);
    raws.set(normalize(path), raw);
    return raw;
  };
  for (const source of files) {
    const key = normalize(source.path);
    if (raws.has(key)) continue;
    sources.set(key, source);
    load(source.path, source.text);
  }

  // Resolve imports (reading more files through options.readFile when needed).
  const importTarget = new Map<string, string>();
  const queue = [...raws.keys()];
  const resolved = new Set<string>();
  while (queue.length > 0) {
    const key = queue.shift() ?? '';
    if (resolved.has(key)) continue;
    resolved.add(key);
    const raw = raws.get(key);
    if (raw === undefined || raw === null || raw.imports === undefined) continue;
    const source = sources.get(key);
    const candidates = importCandidates(raw.path, raw.imports.value, source?.root ?? options.root);
    let target = candidates.find((c) => raws.has(c));
    if (target === undefined && options.readFile !== undefined) {
      for (const candidate of candidates) {
        const text = options.readFile(candidate);
        if (text === undefined) continue;
        load(candidate, text);
        target = candidate;
        break;
      }
    }
    if (target === undefined) {
      issues.add('GLUON_ERR_MODEL_FILE_UNREADABLE', raw.imports.loc, { rule: 'imports', message: `imports "${raw.imports.value}" names no readable file (looked for ${candidates.join(' and ')})`, value: raw.imports.value, allowed: candidates });
      continue;
    }
    importTarget.set(key, target);
    queue.push(target);
  }
  const imported = new Set(importTarget.values());

  // Group the given files into APIs.
  const units = new Map<string, string[]>();
  for (const [key, source] of sources) {
    const unitKey = source.unit ?? key;
    const list = units.get(unitKey) ?? [];
    list.push(key);
    units.set(unitKey, list);
  }
  const models: ApiModel[] = [];
  const seenApis = new Map<string, string>();
  for (const keys of units.values()) {
    const members = keys.map((k) => raws.get(k)).filter((r): r is RawFile => r !== undefined && r !== null);
    const isLibrary = (r: RawFile): boolean => imported.has(normalize(r.path)) && r.info === undefined;
    if (members.length === 0 || members.every(isLibrary)) continue;
    const memberKeys = new Set(members.map((m) => normalize(m.path)));
    const importedFiles: RawFile[] = [];
    const pending = [...memberKeys];
    const visited = new Set<string>(memberKeys);
    while (pending.length > 0) {
      const target = importTarget.get(pending.shift() ?? '');
      if (target === undefined || visited.has(target)) continue;
      visited.add(target);
      const raw = raws.get(target);
      if (raw) importedFiles.push(raw);
      pending.push(target);
    }
    const model = compileApi({ members, imported: importedFiles }, issues);
    if (model === undefined) continue;
    const id = `${model.name}@${model.version}`;
    const prior = seenApis.get(id);
    if (prior !== undefined) {
      const info = members.find((m) => m.info?.name)?.info?.name;
      issues.add('GLUON_ERR_MODEL_DUPLICATE', info?.loc ?? { ...(members[0]?.loc ?? { file: '' }), path: 'info.name' }, { rule: 'api-unique', message: `API ${model.name} version ${model.version} is already defined by ${prior}`, value: id });
      continue;
    }
    seenApis.set(id, model.files[0] ?? '');
    models.push(model);
  }

  checkVersions(models, issues);
  if (issues.size > 0) throw new ModelError(issues.sorted());
  return deepFreeze(models);
}
