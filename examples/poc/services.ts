/**
 * The control plane of the PoC, each a separate process of the run: a private etcd, a real
 * neutron-server (the test suite's recipe, `test/openstack/start_neutron.sh`), a Proton
 * server (`gluon serve`) and the Neutron facade (`gluon arbiter`) in front of Neutron.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNeutronInstalled } from '../../test/setup/neutron.js';
import { freePort, runStartScript } from '../../test/setup/service-process.js';
import { requestJson } from './http-json.js';
import { readLog, startProcess, waitReady, type RunProcess } from './processes.js';
import { RUN_ENV, saveState, type PocState } from './state.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI. */
export const GLUON_BIN = join(REPO, 'bin', 'gluon.js');
/** How long a bind waits for a shim before the server answers `binding_failed` (`timeout`). */
export const BIND_TIMEOUT_MS = 10_000;

function record(state: PocState, proc: RunProcess): RunProcess {
  state.processes.push(proc);
  saveState(state);
  return proc;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await requestJson(url)).status < 500;
  } catch {
    return false;
  }
}

/** Starts etcd on free ports of 127.0.0.1. */
export async function startEtcd(state: PocState): Promise<void> {
  const client = await freePort();
  const peer = await freePort();
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const proc = record(state, startProcess({
    role: 'etcd', dir: state.dir, runId: state.runId,
    command: ['/usr/bin/etcd', '--name', 'poc', '--data-dir', join(state.dir, 'etcd'), '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `poc=${peerUrl}`, '--log-level', 'warn'],
  }));
  await waitReady(proc, () => answers(`${url}/health`));
  state.etcdUrl = url;
  saveState(state);
}

/** Starts neutron-server (noauth, SQLite, in the run directory) with GluonNetwork and GluonSubnet. */
export async function startNeutron(state: PocState): Promise<void> {
  ensureNeutronInstalled();
  const port = await freePort();
  const dir = join(state.dir, 'neutron');
  const pid = await runStartScript('start_neutron.sh', {
    env: { N_DIR: dir, N_PORT: String(port), NEUTRON_AUTH: 'noauth', [RUN_ENV]: state.runId },
    logFile: join(dir, 'neutron-server.log'),
  });
  const seed = readFileSync(join(dir, 'seed.txt'), 'utf8');
  const networkId = /network=(\S+)/.exec(seed)?.[1];
  const subnetId = /subnet=(\S+)/.exec(seed)?.[1];
  state.neutron = { url: `http://127.0.0.1:${port}`, pid, dir, networkId: networkId ?? '', subnetId: subnetId ?? '' };
  saveState(state);
  if (networkId === undefined || subnetId === undefined) throw new Error(`start_neutron.sh did not report GluonNetwork/GluonSubnet: ${seed}`);
}

/** Starts the Proton server on etcd, with a short bind deadline. */
export async function startProton(state: PocState): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = record(state, startProcess({
    role: 'proton', dir: state.dir, runId: state.runId,
    command: [process.execPath, GLUON_BIN, 'serve', '--db', `sqlite:${join(state.dir, 'gluon.db')}`, '--port', String(port), '--etcd', String(state.etcdUrl),
      '--auth-strategy', 'noauth', '--bind-timeout-ms', String(BIND_TIMEOUT_MS)],
  }));
  await waitReady(proc, async () => (await answers(`${url}/proton`)) && (await requestJson(`${url}/proton`)).status === 200);
  state.protonUrl = url;
  saveState(state);
}

/** Starts the Neutron facade in front of the run's Neutron. */
export async function startFacade(state: PocState): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const neutron = state.neutron;
  if (neutron === undefined) throw new Error('the facade needs Neutron: start it first');
  const proc = record(state, startProcess({
    role: 'facade', dir: state.dir, runId: state.runId,
    command: [process.execPath, GLUON_BIN, 'arbiter', '--neutron-url', neutron.url, '--port', String(port), '--etcd', String(state.etcdUrl),
      '--auth-strategy', 'noauth', '--gluon-network-id', neutron.networkId, '--gluon-subnet-id', neutron.subnetId],
  }));
  await waitReady(proc, async () => (await answers(`${url}/v2.0/networks`)) && (await requestJson(`${url}/v2.0/networks`)).status === 200);
  state.facadeUrl = url;
  saveState(state);
}

/** Checks what the PoC needs before it makes anything; throws naming what is missing. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) missing.push('root (network namespaces, bridges and VXLAN need CAP_NET_ADMIN: run as root)');
  for (const file of ['/usr/sbin/ip', '/usr/sbin/bridge', '/usr/bin/etcd']) if (!existsSync(file)) missing.push(`${file} (Debian packages iproute2, etcd-server)`);
  if (!existsSync(join(REPO, 'dist', 'cli.js'))) missing.push('the built CLI dist/cli.js (run npm run build)');
  if (missing.length > 0) throw new Error(`the PoC cannot run here; missing: ${missing.join('; ')}`);
}

/** The last lines of a run process's log, for error messages. */
export function tailOf(proc: RunProcess): string {
  return readLog(proc.log).slice(-1500);
}
