/**
 * `up` and `down` of a PoC run. `up` records every step in the run's state before it
 * takes it; `down` undoes whatever the record (and the run id in names and process
 * environments) shows, so it also cleans up after a crash, and reports anything left.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { stopPid } from '../../test/setup/service-process.js';
import { deleteNamespace, namespacesWithPrefix } from './netns.js';
import { stopProcess } from './processes.js';
import { processesOfRun } from './run-marker.js';
import { checkPrerequisites, startEtcd, startFacade, startNeutron, startProton } from './services.js';
import { createHosts, startAgent, startShim } from './hosts.js';
import { listRuns, loadState, newState, runsRoot, type PocState } from './state.js';

/** Brings a whole PoC up: services, hosts, shims, agents. On failure, tears down what it made and rethrows. */
export async function up(runId: string = randomBytes(4).toString('hex')): Promise<PocState> {
  checkPrerequisites();
  const state = newState(runId);
  try {
    // the two slow starts overlap; both settle before a failure tears down
    const started = await Promise.allSettled([startEtcd(state), startNeutron(state)]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await startProton(state);
    await startFacade(state);
    await createHosts(state);
    for (const host of state.hosts) {
      await startShim(state, host);
      await startAgent(state, host);
    }
    return state;
  } catch (err) {
    await down(runId);
    throw err;
  }
}

/** What `down` found still there after cleaning up (all empty when it left nothing). */
export interface Leftovers {
  /** Namespaces of the run. */
  readonly namespaces: string[];
  /** Processes carrying the run's marker. */
  readonly processes: number[];
  /** The run directory, when it still exists. */
  readonly files: string[];
}

async function stopAll(runId: string, state: PocState | undefined): Promise<void> {
  for (const proc of [...(state?.processes ?? [])].reverse()) await stopProcess(proc.pid, runId);
  if (state?.neutron !== undefined) await stopPid(state.neutron.pid, { cmdlineIncludes: state.neutron.dir });
  // anything started but not recorded (a crash between spawn and record), guests included
  for (const pid of processesOfRun(runId)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Tears a run down: processes, namespaces (with their links), files. Returns what is left. */
export async function down(runId: string): Promise<Leftovers> {
  let state: PocState | undefined;
  try {
    state = loadState(runId);
  } catch {
    state = undefined;
  }
  await stopAll(runId, state);
  const prefix = `gpoc-${runId}-`;
  for (const ns of await namespacesWithPrefix(prefix)) await deleteNamespace(ns);
  const dir = `${runsRoot()}/${runId}`;
  rmSync(dir, { recursive: true, force: true });
  const alive = processesOfRun(runId);
  return { namespaces: await namespacesWithPrefix(prefix), processes: alive, files: existsSync(dir) ? [dir] : [] };
}

/** The runs on this machine: a directory under the runs root or a `gpoc-<run id>-` namespace. */
export async function findRuns(): Promise<string[]> {
  const fromNamespaces = (await namespacesWithPrefix('gpoc-')).map((n) => /^gpoc-([0-9a-f]{8})-/.exec(n)?.[1]).filter((id): id is string => id !== undefined);
  return [...new Set([...listRuns(), ...fromNamespaces])];
}

/** Tears down every run found by {@link findRuns}. */
export async function downAll(): Promise<Map<string, Leftovers>> {
  const results = new Map<string, Leftovers>();
  for (const runId of await findRuns()) results.set(runId, await down(runId));
  return results;
}
