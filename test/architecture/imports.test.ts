import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The parts table of DESIGN.md ("what may import what"), as data. `core/errors` and
 * `core/log` are allowed everywhere and are not repeated below. `typeOnly` lists parts a part may use
 * for types only (erased at build time, so they cannot pull code into its bundle).
 * `packages` lists the npm packages a part may import (Node built-ins are always allowed).
 *
 * Deviations from the table in DESIGN.md, kept on purpose and explained here:
 * - `core/model` is allowed in every part above it. The table names only each part's
 *   direct neighbours, but the model is the single source of truth every part reads
 *   (binding, sync and http name ObjectModel/ApiModel in their own signatures).
 * - `cli` imports the core parts directly, not only server/drivers/shim-sdk: `gluon
 *   resync` drives store + sync + kv without a server, `gluon policy` and `gluon token`
 *   use auth, `gluon arbiter` runs the arbiter, `gluon models check` the model. The CLI
 *   is an edge, like the server, so the table's "server, drivers, shim SDK" is too narrow.
 * - `cli` may use `yaml` (not only commander and pino): the client commands read the
 *   openstack CLI's `clouds.yaml`; they speak HTTP to the Proton server and Keystone
 *   through `core/http-client`, like every other part.
 * - `testing` (the `gluon-net/testing` entry: the driver conformance suite) is not in
 *   the table; it may import drivers (types and code) and vitest.
 * - `core/store` runs SQLite on better-sqlite3 alone (synchronous statements, no
 *   thread-pool round trip each; the schema too), and keeps Sequelize for MySQL/MariaDB,
 *   imported on first use. DESIGN.md names only Sequelize.
 *   It also uses `cockatiel` (the project's one retry library) to run a MySQL write
 *   transaction again when the server picks it as a deadlock victim (writers on several
 *   servers sharing one database, e.g. drawing from one address pool).
 * - `index` is the package root `src/index.ts`: it re-exports the library parts, never
 *   the CLI.
 * - `core/wire` is not in the table: the etcd key layout and value formats shared by
 *   server, shims and arbiter (`/proton/<api>/<ObjectName>/<pk>` keys, `/gluon/port/<id>`
 *   registration keys, bind-result keys `/controller/<api>/Port/<id>` and their value:
 *   type, encode, parse). The shim SDK
 *   (writer) and binding (reader) both need ONE definition of that format, and the shim
 *   SDK may not import binding (it would pull the store into a shim's bundle), so it is
 *   a leaf like `core/errors`: it imports nothing, and the parts that speak to etcd
 *   (sync, binding, arbiter, shim-sdk), the store (which writes the outbox keys) and the
 *   edges (server, cli, index) may import it.
 * - `server` checks its settings with Ajv (each setting's JSON Schema, declared once in
 *   `server/config/`) and suggests the closest key for a misspelt `gluon.yaml` key with
 *   fastest-levenshtein.
 * - `core/import` is not in the table: `gluon db import-gluon`'s logic (read an original
 *   Gluon's database, map its rows, write them through the store) as a library the CLI
 *   calls. It reads the original's SQLite file with better-sqlite3 and its MySQL database
 *   through Sequelize, and checks rows with Ajv against the model's create schemas.
 * - `core/http` imports `core/kv` and `core/wire` for the watch stream (`?watch=true`):
 *   it lists and watches the objects' mirror (`/proton/<api>/<Object>/`) in the key/value
 *   store, so every server of an HA pair streams every change, not only its own writes.
 * - `core/log`, `core/retry` and `core/http-client` are not in the table: leaves that
 *   hold the one way to do a thing every part needs. `core/log` is the one logger type
 *   (the part of pino's `Logger` the library writes to) and its silent default; it
 *   imports nothing and every part may import it. `core/retry` is the one way to write a
 *   retry or backoff policy (cockatiel), for the parts that retry (kv, store, sync,
 *   binding, arbiter, shim SDK). `core/http-client` is the one HTTP client (undici and
 *   its retry interceptor), for the parts that speak HTTP to another service (the Proton
 *   driver, the arbiter's Neutron upstream, the Keystone authenticator); those parts no
 *   longer import undici themselves.
 * - The list-then-watch loop (`Reflector`) shared by the shim SDK's informer and the
 *   arbiter's port registry lives in `core/kv`, which both may import, for the same
 *   reason: the arbiter may not import the shim SDK.
 */
const RULES: Readonly<Record<string, { parts: readonly string[]; typeOnly?: readonly string[]; packages: readonly string[] }>> = {
  'core/errors': { parts: [], packages: [] },
  'core/log': { parts: [], packages: [] },
  'core/retry': { parts: [], packages: ['cockatiel'] },
  'core/http-client': { parts: [], packages: ['undici'] },
  'core/model': { parts: [], packages: ['yaml'] },
  'core/registry': { parts: ['core/model'], packages: [] },
  'core/store': { parts: ['core/model', 'core/wire', 'core/retry'], packages: ['mysql2', 'better-sqlite3'] },
  'core/kv': { parts: ['core/retry'], packages: ['etcd3', 'cockatiel'] },
  'core/wire': { parts: [], packages: [] },
  'core/sync': { parts: ['core/store', 'core/kv', 'core/wire', 'core/model', 'core/retry'], packages: ['cockatiel', 'prom-client'] },
  'core/binding': { parts: ['core/store', 'core/kv', 'core/wire', 'core/model', 'core/retry'], packages: [] },
  'core/http': {
    parts: ['core/registry', 'core/store', 'core/binding', 'core/auth', 'core/model', 'core/kv', 'core/wire'],
    packages: ['fastify', 'fastify-plugin', '@fastify/swagger', '@fastify/swagger-ui', 'ajv', 'ajv-formats'],
  },
  'core/auth': { parts: ['core/model', 'core/http-client'], packages: ['yaml'] },
  'core/import': { parts: ['core/model', 'core/registry', 'core/store'], packages: ['mysql2', 'better-sqlite3', 'ajv', 'ajv-formats'] },
  'core/arbiter': { parts: ['core/kv', 'core/wire', 'drivers', 'core/model', 'core/retry', 'core/http-client'], packages: ['fastify'] },
  drivers: { parts: ['core/http-client'], typeOnly: ['core/model'], packages: [] },
  'shim-sdk': { parts: ['core/kv', 'core/wire', 'core/retry'], typeOnly: ['core/model'], packages: [] },
  testing: { parts: ['drivers'], packages: ['vitest'] },
  server: {
    parts: ['core/model', 'core/registry', 'core/store', 'core/kv', 'core/wire', 'core/sync', 'core/binding', 'core/http', 'core/auth', 'core/arbiter', 'drivers', 'shim-sdk', 'core/retry', 'core/http-client'],
    packages: ['fastify', 'pino', 'prom-client', 'tsyringe', 'reflect-metadata', 'yaml', 'ajv', 'fastest-levenshtein'],
  },
  cli: {
    parts: ['server', 'drivers', 'shim-sdk', 'core/model', 'core/registry', 'core/store', 'core/kv', 'core/wire', 'core/sync', 'core/auth', 'core/arbiter', 'core/import', 'core/retry', 'core/http-client'],
    packages: ['commander', 'pino', 'yaml'],
  },
  index: {
    parts: ['core/model', 'core/registry', 'core/store', 'core/import', 'core/kv', 'core/wire', 'core/sync', 'core/binding', 'core/http', 'core/auth', 'core/arbiter', 'server'],
    packages: [],
  },
};

/** Leaves every part may import. */
const EVERYWHERE: ReadonlySet<string> = new Set(['core/errors', 'core/log']);

/** Part folders, longest first so nested names would win. */
const PARTS = Object.keys(RULES).filter((p) => p !== 'index');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The part a file under src/ belongs to (`index` for src/index.ts). */
function partOf(file: string): string | undefined {
  const rel = relative(SRC, file).split(sep).join('/');
  if (rel === 'index.ts') return 'index';
  return PARTS.find((p) => rel.startsWith(`${p}/`));
}

interface ImportRef {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly typeOnly: boolean;
}

interface FileFacts {
  readonly imports: ImportRef[];
  readonly exportStars: number[];
  readonly consoleCalls: number[];
}

/** Reads a file's imports (static, re-exports, dynamic with a literal), `export *` and `console.*` uses, from its syntax tree. */
function factsOf(file: string): FileFacts {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const facts: FileFacts = { imports: [], exportStars: [], consoleCalls: [] };
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean): void => {
    if (spec !== undefined && ts.isStringLiteral(spec)) facts.imports.push({ file, line: lineOf(node), specifier: spec.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes = named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && allNamedTypes));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      if (node.exportClause === undefined) facts.exportStars.push(lineOf(node));
      const clause = node.exportClause;
      const allTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypes);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'console') {
      facts.consoleCalls.push(lineOf(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return facts;
}

/** `node:fs` → undefined (built-in); `@fastify/swagger/x` → `@fastify/swagger`; `yaml` → `yaml`. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const files = sourceFiles(SRC);
const facts = new Map(files.map((f) => [f, factsOf(f)]));
const where = (ref: { file: string; line: number }): string => `${relative(ROOT, ref.file)}:${ref.line}`;

describe('architecture (DESIGN.md "parts and what each owns")', () => {
  it('finds the source tree and its imports', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.every((f) => partOf(f) !== undefined), `files outside any part: ${files.filter((f) => partOf(f) === undefined).join(', ')}`).toBe(true);
    const all = [...facts.values()].flatMap((f) => f.imports);
    expect(all.some((r) => r.specifier === '../core/model/index.js' && r.typeOnly)).toBe(true);
  });

  it('each part imports only the parts and packages the table allows', () => {
    const violations: string[] = [];
    for (const [file, { imports }] of facts) {
      const from = partOf(file);
      if (from === undefined) continue;
      const rule = RULES[from];
      if (rule === undefined) continue;
      for (const ref of imports) {
        if (ref.specifier.startsWith('.')) {
          const to = partOf(resolve(dirname(file), ref.specifier));
          if (to === undefined || to === from || EVERYWHERE.has(to)) continue;
          if (rule.parts.includes(to)) continue;
          if (ref.typeOnly && rule.typeOnly?.includes(to) === true) continue;
          const typeNote = rule.typeOnly?.includes(to) === true ? ' (allowed for types only: use `import type`)' : '';
          violations.push(`${where(ref)}: ${from} imports ${to}${typeNote}`);
        } else {
          const pkg = packageName(ref.specifier);
          if (pkg === undefined || rule.packages.includes(pkg)) continue;
          violations.push(`${where(ref)}: ${from} imports the package ${pkg}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('another part is imported only through its index.ts', () => {
    const violations: string[] = [];
    for (const [file, { imports }] of facts) {
      const from = partOf(file);
      for (const ref of imports) {
        if (!ref.specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), ref.specifier);
        const to = partOf(target);
        if (to === undefined || to === from) continue;
        const door = join(SRC, ...to.split('/'), 'index.js');
        if (target !== door) violations.push(`${where(ref)}: ${ref.specifier} reaches into ${to} (import ${relative(dirname(file), door).split(sep).join('/')})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no `export *` anywhere in src/', () => {
    const found = [...facts].flatMap(([file, f]) => f.exportStars.map((line) => where({ file, line })));
    expect(found).toEqual([]);
  });

  it('no console in src/ outside src/cli/ (library code logs through the injected logger)', () => {
    const found = [...facts]
      .filter(([file]) => partOf(file) !== 'cli')
      .flatMap(([file, f]) => f.consoleCalls.map((line) => where({ file, line })));
    expect(found).toEqual([]);
  });
});
