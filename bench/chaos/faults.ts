/** Carries out a fault schedule against the running system and records what was done. */
import type { FaultEvent } from './history.js';
import type { Fault } from './schedule.js';
import type { World } from './world.js';

/** A running fault phase. */
export interface FaultRun {
  readonly events: readonly FaultEvent[];
  /** Resolves once every fault fired and every target was healed. */
  readonly done: Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fire(world: World, fault: Fault, log: (line: string) => void): Promise<FaultEvent> {
  const start = Date.now();
  if (fault.kind === 'compact') {
    try {
      const revision = await world.kv.currentRevision();
      await world.kv.compact(revision);
      log(`compacted etcd to revision ${revision}`);
      return { target: fault.target, resolved: 'etcd', kind: 'compact', start, end: Date.now(), pid: 0, note: `revision ${revision}` };
    } catch (err) {
      log(`compaction skipped: ${(err as Error).message}`);
      return { target: fault.target, resolved: 'etcd', kind: 'compact', start, end: Date.now(), pid: 0, note: `skipped: ${(err as Error).message}` };
    }
  }
  const signal = fault.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP';
  if (fault.group === 'etcd') {
    const name = fault.target === 'etcd-leader' ? (await world.etcd.leader()) ?? 'm0' : fault.target.slice('etcd-'.length);
    const member = world.etcd.members.find((m) => m.name === name);
    const pid = member?.pid ?? -1;
    world.etcd.signal(name, signal);
    log(`${signal} etcd ${name}${fault.target === 'etcd-leader' ? ' (the leader)' : ''} for ${fault.durationMs} ms`);
    await sleep(fault.durationMs);
    if (fault.kind === 'kill') world.etcd.restart(name);
    else world.etcd.signal(name, 'SIGCONT');
    return { target: fault.target, resolved: name, kind: fault.kind, start, end: Date.now(), pid };
  }
  const proc = world.servers.get(fault.target) ?? world.shims.get(fault.target);
  if (proc === undefined) throw new Error(`chaos: unknown fault target ${fault.target}`);
  const pid = proc.pid;
  proc.signal(signal);
  log(`${signal} ${fault.target} (pid ${pid}) for ${fault.durationMs} ms`);
  await sleep(fault.durationMs);
  if (fault.kind === 'kill') proc.restart();
  else proc.signal('SIGCONT');
  return { target: fault.target, resolved: fault.target, kind: fault.kind, start, end: Date.now(), pid };
}

/** Fires each fault at its offset from now; faults of different targets overlap freely. */
export function runFaults(world: World, schedule: readonly Fault[], log: (line: string) => void): FaultRun {
  const events: FaultEvent[] = [];
  const t0 = Date.now();
  const done = Promise.all(
    schedule.map(async (fault) => {
      await sleep(Math.max(0, t0 + fault.at - Date.now()));
      events.push(await fire(world, fault, (line) => log(`t+${((Date.now() - t0) / 1000).toFixed(1)} s  ${line}`)));
    }),
  ).then(() => undefined);
  return { events, done };
}
