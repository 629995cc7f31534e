/**
 * The gluon reference server (`createProtonServer`) as the benchmark runs it, in its own
 * process: the bundled models, the database the harness created, loopback, an ephemeral
 * port, logging off (the baseline logs nothing either).
 *
 * It loads the built package (`dist/index.js`, what `npm run bench` builds first) when
 * present, else the TypeScript sources; `BENCH_GLUON_FROM=src|dist` forces one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Gluon from '../src/index.js';
import { MODELS_DIR } from './port-model.js';
import { announceReady, closeOnSignal, disableSourceMaps, failStartup, readServerConfig } from './server-runtime.js';

type GluonModule = typeof Gluon;

/** Where the net-l3vpn port collection lives in gluon's URL tree. */
const PORTS_PATH = '/proton/net-l3vpn/v1.0/ports';

async function loadGluon(): Promise<GluonModule> {
  const dist = new URL('../dist/index.js', import.meta.url);
  const from = process.env['BENCH_GLUON_FROM'] ?? (existsSync(fileURLToPath(dist)) ? 'dist' : 'src');
  if (from === 'dist') return (await import(dist.href)) as GluonModule;
  return import('../src/index.js');
}

async function main(): Promise<void> {
  disableSourceMaps();
  const config = readServerConfig();
  const { createProtonServer } = await loadGluon();
  const server = await createProtonServer({ models: MODELS_DIR, db: config.db, host: config.host, port: 0, logger: { level: 'silent' } });
  await server.listen();
  closeOnSignal(() => server.close());
  announceReady({ url: server.url, portsPath: PORTS_PATH });
}

main().catch(failStartup);
