/**
 * The seeded fault schedule: the same seed and duration give the same faults at the
 * same offsets. Faults never overlap on one target, and at most one etcd member is
 * down at a time (so the cluster keeps its quorum: the run tests recovery, not an outage
 * of the whole cluster), likewise one server and one shim.
 */

/** What a fault does. */
export type FaultKind = 'kill' | 'stop' | 'compact';

/** Who it hits: an etcd member, a Proton server, a shim, or etcd's history. */
export type FaultGroup = 'etcd' | 'server' | 'shim' | 'history';

/** One planned fault. */
export interface Fault {
  /** Offset from the start of the fault phase, ms. */
  readonly at: number;
  readonly group: FaultGroup;
  /**
   * `etcd-leader` (whichever member leads when the fault fires), `etcd-m0`…,
   * `server-a`/`server-b`, `shim-1`/`shim-2`, or `etcd` for a compaction.
   */
  readonly target: string;
  readonly kind: FaultKind;
  /** How long the target stays killed (until restart) or stopped (until SIGCONT), ms; 0 for a compaction. */
  readonly durationMs: number;
}

/** A small seeded PRNG (mulberry32): deterministic, good enough for schedules and loads. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link makeSchedule}. */
export interface ScheduleOptions {
  readonly seed: number;
  /** Length of the fault phase, ms. */
  readonly durationMs: number;
  /** Mean gap between two faults, ms (default 2,500, or duration / 12 when shorter). */
  readonly meanGapMs?: number;
  /** Longest fault, ms (default 6,000). */
  readonly maxFaultMs?: number;
}

const TARGETS: Record<Exclude<FaultGroup, 'history'>, readonly string[]> = {
  etcd: ['etcd-leader', 'etcd-leader', 'etcd-m0', 'etcd-m1', 'etcd-m2'],
  server: ['server-a', 'server-b'],
  shim: ['shim-1', 'shim-2'],
};

/**
 * Plans the faults of one run. Every group is hit, and the leader of etcd is hit by
 * both a kill and a stop, whatever the seed (the first four faults are fixed in kind,
 * their offsets and durations are not).
 */
export function makeSchedule(options: ScheduleOptions): Fault[] {
  const rnd = seededRandom(options.seed);
  const meanGap = options.meanGapMs ?? Math.min(2500, options.durationMs / 12);
  const maxFault = options.maxFaultMs ?? 6000;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const busyUntil: Record<FaultGroup, number> = { etcd: 0, server: 0, shim: 0, history: 0 };
  const forced: Array<Pick<Fault, 'group' | 'target' | 'kind'>> = [
    { group: 'etcd', target: 'etcd-leader', kind: 'kill' },
    { group: 'server', target: pick(TARGETS.server), kind: 'kill' },
    { group: 'history', target: 'etcd', kind: 'compact' },
    { group: 'shim', target: pick(TARGETS.shim), kind: 'kill' },
    { group: 'etcd', target: 'etcd-leader', kind: 'stop' },
  ];
  const out: Fault[] = [];
  // leave the end (a quarter, 3 to 15 s) without new faults: the load runs on and heals
  const lastStart = options.durationMs - Math.min(15_000, Math.max(3000, options.durationMs / 4));
  for (let at = 500 + rnd() * meanGap; at < lastStart; at += meanGap / 2 + rnd() * meanGap) {
    const next = forced.shift();
    const group: FaultGroup = next?.group ?? pick<FaultGroup>(['etcd', 'etcd', 'server', 'shim', 'history']);
    const kind: FaultKind = next?.kind ?? (group === 'history' ? 'compact' : pick<FaultKind>(['kill', 'stop']));
    const target = next?.target ?? (group === 'history' ? 'etcd' : pick(TARGETS[group]));
    const start = Math.max(at, busyUntil[group]);
    if (start >= lastStart) continue;
    const durationMs = kind === 'compact' ? 0 : Math.round(1000 + rnd() * (maxFault - 1000));
    out.push({ at: Math.round(start), group, target, kind, durationMs });
    busyUntil[group] = start + durationMs + 500;
  }
  return out.sort((x, y) => x.at - y.at);
}

/** The schedule as printable lines. */
export function formatSchedule(faults: readonly Fault[]): string[] {
  return faults.map((f) => {
    const t = `t+${(f.at / 1000).toFixed(1).padStart(6)} s`;
    return f.kind === 'compact' ? `${t}  compact etcd history` : `${t}  ${f.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP'} ${f.target} for ${(f.durationMs / 1000).toFixed(1)} s`;
  });
}
