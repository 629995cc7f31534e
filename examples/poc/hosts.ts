/**
 * The compute hosts of the PoC: one network namespace each, joined by an underlay veth
 * pair (10.99.0.0/24), with one linuxbridge shim (`gluon shim run`, `--hosts` = that
 * host) and one agent per host.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ipIn, sh } from './netns.js';
import { startProcess, readLog, waitReady, type RunProcess } from './processes.js';
import { GLUON_BIN, REPO } from './services.js';
import { saveState, type HostRecord, type PocState } from './state.js';

/** The hosts of the PoC. */
export const HOST_NAMES = ['compute-1', 'compute-2'] as const;

/** Creates the host namespaces and the underlay link between them. */
export async function createHosts(state: PocState): Promise<void> {
  const hosts: HostRecord[] = HOST_NAMES.map((name, i) => ({ name, netns: `${state.nsPrefix}${name}`, vtep: `10.99.0.${i + 1}` }));
  state.hosts = hosts;
  saveState(state);
  for (const host of hosts) {
    await sh('ip', ['netns', 'add', host.netns]);
    await ipIn(host.netns, ['link', 'set', 'lo', 'up']);
  }
  const [one, two] = hosts;
  if (one === undefined || two === undefined) return;
  await ipIn(one.netns, ['link', 'add', 'underlay', 'type', 'veth', 'peer', 'name', 'underlay', 'netns', two.netns]);
  for (const host of hosts) {
    await ipIn(host.netns, ['addr', 'add', `${host.vtep}/24`, 'dev', 'underlay']);
    await ipIn(host.netns, ['link', 'set', 'underlay', 'up']);
  }
}

function vtepList(state: PocState): string {
  return state.hosts.map((h) => `${h.name}=${h.vtep}`).join(',');
}

/** The shim process of a host (its role name). */
export function shimRole(host: string): string {
  return `shim-${host}`;
}

/** Starts the linuxbridge shim of one host and waits until it runs. */
export async function startShim(state: PocState, host: HostRecord): Promise<RunProcess> {
  const proc = startProcess({
    role: shimRole(host.name), dir: state.dir, runId: state.runId,
    command: [process.execPath, GLUON_BIN, 'shim', 'run', join(REPO, 'examples', 'linuxbridge-shim'), '--etcd', String(state.etcdUrl), '--hosts', host.name, '--name', `linuxbridge-${host.name}`],
    env: { LB_SHIM_HOST: host.name, LB_SHIM_NETNS: host.netns, LB_SHIM_VTEPS: vtepList(state) },
  });
  state.processes.push(proc);
  saveState(state);
  const before = readLog(proc.log).split('shim running').length;
  await waitReady(proc, () => readLog(proc.log).split('shim running').length > before);
  return proc;
}

/** Starts the agent of one host and waits for its URL. */
export async function startAgent(state: PocState, host: HostRecord): Promise<void> {
  const urlFile = join(state.dir, `agent-${host.name}.url`);
  const proc = startProcess({
    role: `agent-${host.name}`, dir: state.dir, runId: state.runId, cwd: REPO,
    command: [process.execPath, '--import', 'tsx', join(REPO, 'examples', 'poc', 'agent.ts'), '--host', host.name, '--netns', host.netns, '--vm-prefix', `${state.nsPrefix}vm-`, '--dir', state.dir],
  });
  state.processes.push(proc);
  saveState(state);
  await waitReady(proc, () => existsSync(urlFile));
  state.agents[host.name] = readLog(urlFile).trim();
  saveState(state);
}
