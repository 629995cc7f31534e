import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { createStore } from '../../src/core/store/index.js';
import { describeStoreConformance } from './store-conformance.js';

const HOST = '127.0.0.1';
const PORT = 3306;

async function admin(): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ host: HOST, port: PORT, user: 'root', password: '' });
  } catch (err) {
    throw new Error(
      `MariaDB is not reachable at ${HOST}:${PORT} as root with an empty password (${String(err)}). ` +
        'Start MariaDB (e.g. `service mariadb start`) before running the store suite.',
      { cause: err },
    );
  }
}

describeStoreConformance('MariaDB', async () => {
  const database = `gluon_test_${randomBytes(6).toString('hex')}`;
  const conn = await admin();
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  const url = `mysql://root@${HOST}:${PORT}/${database}`;
  return {
    open: (options = {}) => createStore({ url, advertisedUrl: 'http://10.1.2.3:2705', ...options }),
    teardown: async () => {
      const c = await admin();
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
});
