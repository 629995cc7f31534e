import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';

/** The two databases every migration test runs on. */
export const DIALECTS = ['sqlite', 'mariadb'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** A fresh, empty database of one kind, and how to remove it. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin(): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
}

/** Creates an empty SQLite file or MariaDB database with a unique name. */
export async function freshDatabase(dialect: TestDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-migrate-'));
    return { url: `sqlite:${join(dir, 'gluon.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `gluon_migrate_${randomBytes(6).toString('hex')}`;
  const conn = await admin();
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return {
    url: `mysql://root@127.0.0.1:3306/${name}`,
    drop: async () => {
      const c = await admin();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

const BUNDLED = join(import.meta.dirname, '../../models');

/**
 * A copy of the bundled models with `net-l3vpn.yaml` edited: `objects` maps an object name
 * to YAML lines inserted right under its `attributes:` key (or, for an object without
 * own attributes, a new `attributes:` block), `replace` edits the text afterwards.
 */
export function editedModels(edit: { readonly attributes?: Readonly<Record<string, string>>; readonly replace?: (text: string) => string }): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-models-'));
  cpSync(BUNDLED, dir, { recursive: true });
  const file = join(dir, 'net-l3vpn.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [object, lines] of Object.entries(edit.attributes ?? {})) {
    const block = lines
      .trim()
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n');
    const at = text.indexOf(`\n  ${object}:\n`);
    if (at < 0) throw new Error(`no object ${object} in net-l3vpn.yaml`);
    const end = nextObject(text, at);
    const section = text.slice(at, end);
    const withAttrs = section.includes('\n    attributes:\n')
      ? section.replace('\n    attributes:\n', `\n    attributes:\n${block}\n`)
      : `${section.replace(/\n*$/, '')}\n    attributes:\n${block}\n\n`;
    text = text.slice(0, at) + withAttrs + text.slice(end);
  }
  if (edit.replace !== undefined) text = edit.replace(text);
  writeFileSync(file, text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where the object section starting at `at` ends (the next `\n  Name:` line or the end). */
function nextObject(text: string, at: number): number {
  const re = /\n {2}[A-Za-z_][A-Za-z0-9_]*:\n/g;
  re.lastIndex = at + 1;
  const m = re.exec(text);
  return m === null ? text.length : m.index;
}

/** Loads a models directory. */
export function modelsOf(dir: string): Promise<readonly ApiModel[]> {
  return loadModels([dir]);
}

/** The bundled models directory. */
export const BUNDLED_MODELS = BUNDLED;

/** Runs one statement on its own connection, outside the store (a step that reached the database before a crash). */
export async function execRaw(url: string, sql: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const { default: Database } = await import('better-sqlite3');
    const conn = new Database(url.slice('sqlite:'.length));
    try {
      conn.exec(sql);
    } finally {
      conn.close();
    }
    return;
  }
  const conn = await mysql.createConnection(url);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
