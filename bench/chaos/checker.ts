/**
 * The chaos checker: pure functions from what the run recorded (the client's history,
 * the faults as carried out, the shims' effect logs and cache dumps, and the final
 * content of SQL and etcd) to a list of violations. Unknown outcomes are never taken as
 * acknowledged: an object whose last request's answer was lost may hold either state.
 */
import type { CacheDump, Effect, FaultEvent, ObjectState, Operation } from './history.js';

/** One broken promise, readable on its own. */
export interface Violation {
  /** Which property: `acknowledged-write`, `bind-answer`, `shim-cache`, `duplicate-effect`, `mirror`. */
  readonly rule: string;
  readonly message: string;
}

function describe(state: ObjectState | undefined): string {
  if (state === undefined || !state.exists) return 'absent';
  return state.name === undefined ? 'present' : `present (name ${JSON.stringify(state.name)})`;
}

function same(a: ObjectState, b: ObjectState | undefined): boolean {
  const exists = b?.exists ?? false;
  if (a.exists !== exists) return false;
  return !a.exists || a.name === undefined || a.name === b?.name;
}

/**
 * The states an object may end in: the state its last acknowledged request left (absent
 * when none was), and the state of a later request whose outcome is unknown.
 */
export function acceptableStates(ops: readonly Operation[]): ObjectState[] {
  const sorted = [...ops].sort((a, b) => a.seq - b.seq);
  let lastOk: ObjectState = { exists: false };
  const unknown: ObjectState[] = [];
  for (const op of sorted) {
    if (op.outcome === 'ok') {
      lastOk = op.after;
      unknown.length = 0;
    } else if (op.outcome === 'unknown') unknown.push(op.after);
  }
  return [lastOk, ...unknown];
}

/** Groups the history by object key. */
export function byKey(history: readonly Operation[]): Map<string, Operation[]> {
  const out = new Map<string, Operation[]>();
  for (const op of history) {
    const list = out.get(op.key) ?? [];
    list.push(op);
    out.set(op.key, list);
  }
  return out;
}

/**
 * Every object the load wrote is, in `store` (`sql` or `etcd`), in a state its history
 * allows. `content` maps keys to the objects found there (absent keys are absent).
 */
export function checkAcknowledgedWrites(history: readonly Operation[], content: ReadonlyMap<string, ObjectState>, store: string): Violation[] {
  const out: Violation[] = [];
  for (const [key, ops] of byKey(history)) {
    const allowed = acceptableStates(ops);
    const found = content.get(key);
    if (!allowed.some((s) => same(s, found))) {
      out.push({
        rule: 'acknowledged-write',
        message: `${store}: ${key} is ${describe(found)}; its history allows ${allowed.map(describe).join(' or ')} (last requests: ${ops.slice(-3).map((o) => `#${o.seq} ${o.kind} ${o.outcome}${o.status === undefined ? '' : ` ${o.status}`}`).join(', ')})`,
      });
    }
  }
  return out;
}

/** The part of a request's window a fault overlapped, summed over faults (ms). */
export function faultTimeDuring(start: number, end: number, faults: readonly FaultEvent[]): number {
  let total = 0;
  for (const f of faults) {
    if (f.kind === 'compact') continue;
    const lo = Math.max(start, f.start);
    const hi = Math.min(end, f.end);
    if (hi >= lo) total += f.end - f.start;
  }
  return total;
}

/** Whether the server a request went to was killed (or down) while it was in flight. */
function serverKilledDuring(op: Operation, faults: readonly FaultEvent[]): boolean {
  return faults.some((f) => f.kind === 'kill' && f.resolved === op.server && f.start <= op.end && f.end >= op.start);
}

/** Counts of the bind check. */
export interface BindCounts {
  readonly active: number;
  readonly failed: number;
  /** Binds whose answer was lost because their server was killed (unknown, not a violation). */
  readonly lostWithServer: number;
  /** Binds refused before reaching a server (connection refused: it was down; nothing was sent). */
  readonly refused: number;
  /** `binding_failed` answers by reason. */
  readonly reasons: Readonly<Record<string, number>>;
}

/**
 * Every bind was answered — a 200 with `status` ACTIVE and a VIF, or `binding_failed`
 * with a reason — within its deadline plus the time faults overlapping it lasted plus
 * `slackMs` (the machine's own delays). A bind whose server was killed while it was in
 * flight has no answer to check (unknown).
 */
export function checkBinds(history: readonly Operation[], faults: readonly FaultEvent[], slackMs: number): { violations: Violation[]; counts: BindCounts } {
  const violations: Violation[] = [];
  let active = 0;
  let failed = 0;
  let lostWithServer = 0;
  let refused = 0;
  const reasons: Record<string, number> = {};
  for (const op of history) {
    if (op.kind !== 'bind') continue;
    const where = `bind #${op.seq} of ${op.key} on ${op.server}`;
    if (op.bind === undefined && op.error === 'ECONNREFUSED') {
      refused++;
      continue;
    }
    if (op.bind === undefined) {
      if (serverKilledDuring(op, faults)) {
        lostWithServer++;
        continue;
      }
      violations.push({ rule: 'bind-answer', message: `${where}: no bind answer (${op.status === undefined ? op.error ?? 'no response' : `HTTP ${op.status}: ${op.error ?? ''}`}) after ${op.end - op.start} ms, and its server was not killed` });
      continue;
    }
    const isActive = op.bind.vifType !== 'binding_failed' && typeof op.bind.vifType === 'string' && op.bind.portStatus === 'ACTIVE';
    const isFailed = op.bind.vifType === 'binding_failed' && op.bind.reason !== undefined;
    if (isActive) active++;
    else if (isFailed) {
      failed++;
      const reason = op.bind.reason ?? '';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    else violations.push({ rule: 'bind-answer', message: `${where}: answered vif_type ${JSON.stringify(op.bind.vifType)}, status ${JSON.stringify(op.bind.portStatus)}: neither ACTIVE nor binding_failed with a reason` });
    const allowed = (op.bindTimeoutMs ?? 0) + faultTimeDuring(op.start, op.end, faults) + slackMs;
    if (op.end - op.start > allowed) {
      violations.push({ rule: 'bind-answer', message: `${where}: answered after ${op.end - op.start} ms; allowed ${allowed} ms (deadline ${op.bindTimeoutMs ?? 0} + faults during it + slack ${slackMs})` });
    }
  }
  return { violations, counts: { active, failed, lostWithServer, refused, reasons } };
}

/** Counts of the effect check. */
export interface EffectCounts {
  readonly binds: number;
  readonly unbinds: number;
  /** The same bind applied again by another shim after a failover (allowed; see docs/reliability.md). */
  readonly reappliedAfterFailover: number;
}

/**
 * How long after a fault ended a leadership change it caused may still happen: the lease
 * keepalives resume, fail or time out (a few TTLs of 2 s) on a loaded machine.
 */
export const FAILOVER_GRACE_MS = 10_000;

/**
 * No handler effect applied twice for one revision: a bind of one port at one
 * `revision_number` (and device) runs once per shim process. A second run by ANOTHER
 * process is a takeover of unfinished work (leases expire on the server by its clock, and
 * a handler's effect on a controller cannot be fenced), allowed only when something could
 * have moved the leadership between the two runs: the first process was killed or
 * stopped, or an etcd member was, ending at most {@link FAILOVER_GRACE_MS} before the
 * first run. Otherwise it is a violation too.
 */
export function checkEffects(effects: readonly Effect[], faults: readonly FaultEvent[]): { violations: Violation[]; counts: EffectCounts } {
  const violations: Violation[] = [];
  const seen = new Map<string, Effect>();
  let reapplied = 0;
  for (const e of [...effects].sort((a, b) => a.at - b.at)) {
    if (e.kind !== 'bind') continue;
    const id = `${e.port}@${String(e.revision)}/${String(e.device)}`;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, e);
      continue;
    }
    if (first.pid === e.pid) {
      violations.push({ rule: 'duplicate-effect', message: `shim pid ${e.pid} applied bind of port ${e.port} revision ${String(e.revision)} twice (at ${first.at} and ${e.at})` });
      continue;
    }
    const explained = faults.some(
      (f) => f.kind !== 'compact' && f.start <= e.at && f.end >= first.at - FAILOVER_GRACE_MS && (f.pid === first.pid || f.resolved.startsWith('m')),
    );
    if (explained) reapplied++;
    else violations.push({ rule: 'duplicate-effect', message: `bind of port ${e.port} revision ${String(e.revision)} applied by pid ${first.pid} and again by pid ${e.pid} with no fault between them` });
  }
  return {
    violations,
    counts: { binds: effects.filter((e) => e.kind === 'bind').length, unbinds: effects.filter((e) => e.kind === 'unbind').length, reappliedAfterFailover: reapplied },
  };
}

function mapDiff(what: string, expected: ReadonlyMap<string, number>, actual: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [k, rev] of expected) {
    const got = actual.get(k);
    if (got === undefined) out.push(`${what} lacks ${k}`);
    else if (got !== rev) out.push(`${what} holds ${k} at revision ${got}, etcd at ${rev}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) out.push(`${what} holds ${k}, which etcd does not`);
  return out;
}

/** The differences between a shim's caches and etcd (key → modRevision); empty when equal. */
export function cacheDifferences(dump: CacheDump, etcdObjects: ReadonlyMap<string, number>, etcdResults: ReadonlyMap<string, number>): string[] {
  return [...mapDiff(`${dump.shim} (pid ${dump.pid}) objects`, etcdObjects, dump.objects), ...mapDiff(`${dump.shim} (pid ${dump.pid}) results`, etcdResults, dump.results)];
}

/** The violations for caches that still differ from etcd (the caller retried until its deadline). */
export function checkCaches(dumps: readonly CacheDump[], etcdObjects: ReadonlyMap<string, number>, etcdResults: ReadonlyMap<string, number>): Violation[] {
  return dumps.flatMap((d) => {
    const diff = cacheDifferences(d, etcdObjects, etcdResults);
    return diff.length === 0 ? [] : [{ rule: 'shim-cache', message: `${diff.length} difference(s): ${diff.slice(0, 5).join('; ')}` }];
  });
}
