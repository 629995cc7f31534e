/**
 * The record of one PoC run, `<root>/<run id>/state.json`: written after every step, so
 * that `down` finds everything a run made even when `up` crashed half-way. Every name
 * the run gives (namespaces, directories) carries the run id, and every process it
 * starts carries `GLUON_POC_RUN=<run id>` in its environment.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunProcess } from './processes.js';

/** The environment variable that marks the run's processes. */
export const RUN_ENV = 'GLUON_POC_RUN';

/** Where runs keep their files (`GLUON_POC_DIR`, default `<tmp>/gluon-poc`). */
export function runsRoot(): string {
  return process.env['GLUON_POC_DIR'] ?? join(tmpdir(), 'gluon-poc');
}

/** A compute host of the run. */
export interface HostRecord {
  /** Host name (`compute-1`). */
  readonly name: string;
  /** Its network namespace. */
  readonly netns: string;
  /** Its underlay address (VTEP). */
  readonly vtep: string;
}

/** A VM of the run. */
export interface VmRecord {
  /** Instance name (`a1`). */
  readonly name: string;
  /** Its Gluon port. */
  readonly portId: string;
  /** Its MAC. */
  readonly mac: string;
  /** Its address. */
  readonly address: string;
  /** The compute host it runs on. */
  host: string;
  /** The VPN name it is bound into (null once its VpnBinding is deleted). */
  vpn: string | null;
  /** Whether it is booted and plugged. */
  plugged: boolean;
}

/** Everything a run made and where its services listen. */
export interface PocState {
  /** The run id (8 hex digits). */
  readonly runId: string;
  /** The run directory. */
  readonly dir: string;
  /** Prefix of every namespace of the run (`gpoc-<run id>-`). */
  readonly nsPrefix: string;
  /** Processes started, in order. */
  processes: RunProcess[];
  /** etcd client URL. */
  etcdUrl?: string;
  /** Neutron's URL, PID and directory. */
  neutron?: { url: string; pid: number; dir: string; networkId: string; subnetId: string };
  /** Proton server URL. */
  protonUrl?: string;
  /** Neutron facade URL. */
  facadeUrl?: string;
  /** The compute hosts. */
  hosts: HostRecord[];
  /** Agent URL per host. */
  agents: Record<string, string>;
  /** VPN id per VPN name. */
  vpns: Record<string, string>;
  /** The VMs. */
  vms: VmRecord[];
}

/** A new, empty state for a run (creates its directory). */
export function newState(runId: string): PocState {
  const dir = join(runsRoot(), runId);
  mkdirSync(dir, { recursive: true });
  const state: PocState = { runId, dir, nsPrefix: `gpoc-${runId}-`, processes: [], hosts: [], agents: {}, vpns: {}, vms: [] };
  saveState(state);
  return state;
}

/** Writes the state atomically. */
export function saveState(state: PocState): void {
  const file = join(state.dir, 'state.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Reads the state of a run; throws naming the run when it has none. */
export function loadState(runId: string): PocState {
  const file = join(runsRoot(), runId, 'state.json');
  if (!existsSync(file)) throw new Error(`no PoC run ${runId} (no ${file}); see the runs with: ls ${runsRoot()}`);
  return JSON.parse(readFileSync(file, 'utf8')) as PocState;
}

/** The run ids that have a directory under the root. */
export function listRuns(): string[] {
  const root = runsRoot();
  return existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{8}$/.test(n)) : [];
}
