import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ERROR_CODES, isGluonError, ModelError } from '../../src/core/errors/index.js';
import { compileModels, type ModelSource } from '../../src/core/model/index.js';

const ROOT = CONFORMANCE_MODELS;
const BASE = readFileSync(`${ROOT}/base/base.yaml`, 'utf8');
const SERVICES = ['net-l3vpn', 'ietf-sfc', 'test'].map((s) => readFileSync(`${ROOT}/${s}/api.yaml`, 'utf8'));

/** Runs the compiler and checks that only coded model errors come out. */
const KNOWN = new Set(Object.keys(ERROR_CODES));

function check(files: readonly ModelSource[]): void {
  try {
    compileModels(files);
  } catch (err) {
    if (!isGluonError(err) || !(err instanceof ModelError)) throw new Error(`not a ModelError: ${String(err)}`, { cause: err });
    if (err.issues.length === 0) throw new Error('ModelError without issues');
    for (const issue of err.issues) {
      if (!KNOWN.has(issue.code) || !issue.code.startsWith('GLUON_ERR_MODEL_')) throw new Error(`unknown code ${issue.code}`);
      if (typeof issue.message !== 'string' || typeof issue.path !== 'string') throw new Error('malformed issue');
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path (list of keys/indexes) of a JS tree. */
function paths(node: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) paths(v, [...prefix, k], out);
  return out;
}

function getAt(node: Json, path: readonly (string | number)[]): Json {
  let cur: Json = node;
  for (const k of path) cur = (cur as Record<string, Json>)[k as string] ?? null;
  return cur;
}

function setAt(node: Json, path: readonly (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const parent = getAt(node, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(key as number, 1);
    else parent[key as number] = value;
  } else if (parent !== null && typeof parent === 'object') {
    if (value === undefined) delete parent[key as string];
    else parent[key as string] = value;
  }
  return node;
}

const word = fc.constantFrom('type', 'primary', 'api', 'extends', 'attributes', 'policies', 'Port', 'BaseObject', 'uuid', 'string', 'enum', 'int32', 'role', 'name', 'parent', 'parent_key', 'values', 'x', '');
const leaf: fc.Arbitrary<Json> = fc.oneof(fc.string(), word, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.oneof(word, fc.string()), tie('v'), { maxKeys: 3 })),
})).v;

const mutation = fc.record({
  op: fc.constantFrom('delete', 'replace', 'swap', 'insert', 'rename'),
  at: fc.nat(),
  other: fc.nat(),
  value,
  key: fc.oneof(word, fc.string()),
});

function mutate(text: string, steps: readonly { op: string; at: number; other: number; value: Json; key: string }[]): string {
  let tree = parse(text) as Json;
  for (const step of steps) {
    const all = paths(tree);
    const path = all[step.at % all.length] ?? [];
    const target = getAt(tree, path);
    switch (step.op) {
      case 'delete':
        tree = setAt(tree, path, undefined);
        break;
      case 'replace':
        tree = setAt(tree, path, step.value);
        break;
      case 'swap': {
        const otherPath = all[step.other % all.length] ?? [];
        const other = getAt(tree, otherPath);
        if (otherPath.join('.').startsWith(path.join('.')) || path.join('.').startsWith(otherPath.join('.'))) break;
        tree = setAt(tree, path, structuredClone(other));
        tree = setAt(tree, otherPath, structuredClone(target));
        break;
      }
      case 'insert':
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[step.key] = step.value;
        break;
      case 'rename':
        if (path.length > 0 && typeof path[path.length - 1] === 'string') {
          tree = setAt(tree, path, undefined);
          tree = setAt(tree, [...path.slice(0, -1), step.key], target);
        }
        break;
    }
  }
  return stringify(tree);
}

describe('the compiler never crashes on untrusted specs', () => {
  it('mutated real models give only coded model errors', () => {
    fc.assert(
      fc.property(
        fc.nat(SERVICES.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(mutation, { maxLength: 2 }),
        (service, steps, baseSteps) => {
          const svc = mutate(SERVICES[service] ?? '', steps);
          const base = baseSteps.length > 0 ? mutate(BASE, baseSteps) : BASE;
          check([
            { path: 'models/base/base.yaml', text: base },
            { path: 'models/svc/api.yaml', text: svc, unit: 'svc' },
          ]);
        },
      ),
      { numRuns: 1500 },
    );
  }, 180_000);

  it('random text and random YAML trees give only coded model errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), value.map((v) => stringify(v)), fc.constantFrom('{', ': :', '&a [*a]', 'objects: &a {X: *a}', 'x: !!binary AAA', '---\n---')), (text) => {
        check([{ path: 'm/x.yaml', text }]);
      }),
      { numRuns: 700 },
    );
  }, 180_000);
});
