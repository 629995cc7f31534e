/**
 * The gluon reference server (`createProtonServer`) as the benchmark runs it, in its own
 * process: the bundled models, the database the harness created, loopback, an ephemeral
 * port, logging off (the baseline logs nothing either).
 *
 * It loads the TypeScript sources through tsx (esbuild, the same transform tsup bundles
 * with) by default, so a concurrent `npm run build` (which wipes `dist/`) cannot pull the
 * package out from under a run; `BENCH_GLUON_FROM=dist` loads the built `dist/index.js`.
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
  if (process.env['BENCH_GLUON_FROM'] === 'dist') {
    if (!existsSync(fileURLToPath(dist))) throw new Error('bench: BENCH_GLUON_FROM=dist but dist/index.js is missing; run npm run build');
    return (await import(dist.href)) as GluonModule;
  }
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
