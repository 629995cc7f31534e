import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import mysql from 'mysql2/promise';
import { registerImportGluonCommand } from '../../src/cli/commands/db-import-gluon.js';
import type { ImportReport } from '../../src/core/import/index.js';

/** The copy of the original Gluon's databases this repository keeps (see its README). */
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/gluon-original-db/', import.meta.url));
export const SQLITE_FIXTURE = join(FIXTURE_DIR, 'gluon.sqlite');

/** One listed object of the original's API. */
export type Listed = Record<string, unknown>;
/** `expected.json`: what the original's API listed, per back end, API and resource. */
export interface Expected {
  readonly tenants: Record<string, string>;
  readonly sqlite: Record<string, Record<string, Listed[]>>;
  readonly mariadb: Record<string, Record<string, Listed[]>>;
}

/** The original's listings (`expected.json`). */
export function expectedListings(): Expected {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'expected.json'), 'utf8')) as Expected;
}

async function admin(): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '', multipleStatements: true, charset: 'utf8mb4' });
  } catch (err) {
    throw new Error(`MariaDB is not reachable at 127.0.0.1:3306 as root with an empty password (${String(err)}).`, { cause: err });
  }
}

/** A database that goes away after the test. */
export interface TempDb {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named, empty MariaDB database. */
export async function freshMariadb(label: string): Promise<TempDb> {
  const database = `gluon_${label}_${randomBytes(5).toString('hex')}`;
  const conn = await admin();
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return {
    url: `mysql://root@127.0.0.1:3306/${database}`,
    drop: async () => {
      const c = await admin();
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
}

/**
 * The original's MariaDB database: the fixture's dump loaded into a fresh database. The
 * dump's first line (`/*M!999999\- enable the sandbox mode *\/`) is a command of MariaDB's
 * own client, not SQL, so it is left out.
 */
export async function loadMariadbFixture(): Promise<TempDb> {
  const db = await freshMariadb('orig');
  const dump = readFileSync(join(FIXTURE_DIR, 'gluon-mariadb.sql'), 'utf8');
  const body = dump.startsWith('/*M!999999') ? dump.slice(dump.indexOf('\n') + 1) : dump;
  const conn = await mysql.createConnection({ uri: db.url, multipleStatements: true, charset: 'utf8mb4' });
  await conn.query(body);
  await conn.end();
  return db;
}

/** A fresh SQLite file of ours. */
export async function freshSqlite(): Promise<TempDb> {
  const dir = await mkdtemp(join(tmpdir(), 'gluon-import-'));
  return { url: `sqlite:${join(dir, 'gluon.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** What one `gluon db import-gluon` run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
  /** The parsed report (with `--json`). */
  readonly report?: ImportReport;
}

/** Runs `gluon db import-gluon <args…>` in this process (the same commander command the binary registers). */
export async function runImportCli(args: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('gluon').exitOverride();
  registerImportGluonCommand(program, { out: (l) => out.push(l), err: (l) => err.push(l) });
  const before = process.exitCode;
  try {
    await program.parseAsync(['db', 'import-gluon', ...args], { from: 'user' });
    const code = Number(process.exitCode ?? 0);
    const report = args.includes('--json') && out.length > 0 ? (JSON.parse(out.join('\n')) as ImportReport) : undefined;
    return report === undefined ? { code, out, err } : { code, out, err, report };
  } finally {
    process.exitCode = before;
  }
}
