import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DbKind } from './types.js';

/** Where the benchmark's MariaDB server listens (root, empty password). */
export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root' } as const;

/** A fresh, empty database for one server process, and how to throw it away. */
export interface BenchDatabase {
  readonly kind: DbKind;
  /** URL in the reference server's `db` syntax. */
  readonly url: string;
  /** Removes the file or drops the database (idempotent). */
  drop(): Promise<void>;
}

/** A new SQLite file in its own temporary directory. */
function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'bench.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A new, uniquely named MariaDB database (`gluon_bench_<pid>_<random>`). */
async function mariadbDatabase(): Promise<BenchDatabase> {
  const name = `gluon_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const connection = await createConnection({ ...MARIADB });
  try {
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await connection.end();
  }
  let dropped = false;
  return {
    kind: 'mariadb',
    url: `mysql://${MARIADB.user}@${MARIADB.host}:${MARIADB.port}/${name}`,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      const admin = await createConnection({ ...MARIADB });
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Creates a fresh database of this kind. */
export async function createBenchDatabase(kind: DbKind): Promise<BenchDatabase> {
  return kind === 'sqlite' ? sqliteDatabase() : mariadbDatabase();
}
