import { describe, expect, it } from 'vitest';
import { acceptableStates, checkAcknowledgedWrites, checkBinds, checkCaches, checkEffects } from '../../bench/chaos/checker.js';
import type { Effect, FaultEvent, ObjectState, Operation } from '../../bench/chaos/history.js';
import { makeSchedule } from '../../bench/chaos/schedule.js';

const KEY = '/proton/net-l3vpn/Port/p1';
let seq = 0;

function op(kind: Operation['kind'], outcome: Operation['outcome'], after: ObjectState, extra: Partial<Operation> = {}): Operation {
  const start = 1000 + seq * 10;
  return { seq: seq++, worker: 0, kind, object: 'Port', key: KEY, server: 'server-a', start, end: start + 5, outcome, after, ...extra };
}

describe('chaos checker: acknowledged writes', () => {
  it('an acknowledged update must be found; an older state is a violation', () => {
    const history = [op('create', 'ok', { exists: true, name: 'a' }), op('update', 'ok', { exists: true, name: 'b' })];
    expect(checkAcknowledgedWrites(history, new Map([[KEY, { exists: true, name: 'b' }]]), 'SQL')).toEqual([]);
    const lost = checkAcknowledgedWrites(history, new Map([[KEY, { exists: true, name: 'a' }]]), 'SQL');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toContain('name "a"');
  });

  it('an unknown outcome allows either state, and is never taken as acknowledged', () => {
    const history = [op('create', 'ok', { exists: true, name: 'a' }), op('delete', 'unknown', { exists: false })];
    expect(acceptableStates(history)).toEqual([{ exists: true, name: 'a' }, { exists: false }]);
    expect(checkAcknowledgedWrites(history, new Map(), 'etcd')).toEqual([]);
    expect(checkAcknowledgedWrites(history, new Map([[KEY, { exists: true, name: 'a' }]]), 'etcd')).toEqual([]);
    // an unknown create alone may be absent, but never something else
    const created = [op('create', 'unknown', { exists: true, name: 'x' })];
    expect(checkAcknowledgedWrites(created, new Map(), 'SQL')).toEqual([]);
    expect(checkAcknowledgedWrites(created, new Map([[KEY, { exists: true, name: 'y' }]]), 'SQL')).toHaveLength(1);
  });

  it('an acknowledged delete that came back is a violation; a refused request changes nothing', () => {
    const history = [op('create', 'ok', { exists: true, name: 'a' }), op('delete', 'ok', { exists: false }), op('create', 'fail', { exists: true, name: 'z' })];
    expect(checkAcknowledgedWrites(history, new Map([[KEY, { exists: true, name: 'a' }]]), 'SQL')).toHaveLength(1);
    expect(checkAcknowledgedWrites(history, new Map(), 'SQL')).toEqual([]);
  });
});

describe('chaos checker: binds', () => {
  const fault: FaultEvent = { target: 'etcd-leader', resolved: 'm1', kind: 'stop', start: 10_000, end: 14_000, pid: 1 };

  it('accepts ACTIVE and binding_failed with a reason within deadline + fault time + slack', () => {
    const history = [
      op('bind', 'ok', { exists: true }, { start: 9_000, end: 15_000, bindTimeoutMs: 3000, bind: { status: 200, vifType: 'ovs', portStatus: 'ACTIVE' } }),
      op('bind', 'ok', { exists: true }, { start: 20_000, end: 23_100, bindTimeoutMs: 3000, bind: { status: 200, vifType: 'binding_failed', portStatus: 'DOWN', reason: 'timeout' } }),
    ];
    const { violations, counts } = checkBinds(history, [fault], 500);
    expect(violations).toEqual([]);
    expect(counts).toMatchObject({ active: 1, failed: 1, reasons: { timeout: 1 } });
  });

  it('flags a late answer, an answer without a result, and a bind left unanswered by a live server', () => {
    const history = [
      op('bind', 'ok', { exists: true }, { start: 20_000, end: 30_000, bindTimeoutMs: 3000, bind: { status: 200, vifType: 'ovs', portStatus: 'ACTIVE' } }),
      op('bind', 'ok', { exists: true }, { start: 40_000, end: 40_100, bindTimeoutMs: 3000, bind: { status: 200, vifType: 'binding_failed', portStatus: 'DOWN' } }),
      op('bind', 'unknown', { exists: true }, { start: 50_000, end: 50_100, bindTimeoutMs: 3000, error: 'UND_ERR_SOCKET' }),
    ];
    const { violations } = checkBinds(history, [fault], 500);
    expect(violations.map((v) => v.rule)).toEqual(['bind-answer', 'bind-answer', 'bind-answer']);
    expect(violations[0]?.message).toContain('allowed 3500 ms');
  });

  it('a bind whose server was killed while it waited is unknown, not unanswered', () => {
    const killed: FaultEvent = { target: 'server-a', resolved: 'server-a', kind: 'kill', start: 50_050, end: 52_000, pid: 7 };
    const history = [op('bind', 'unknown', { exists: true }, { start: 50_000, end: 50_100, bindTimeoutMs: 3000, error: 'UND_ERR_SOCKET' })];
    const { violations, counts } = checkBinds(history, [killed], 500);
    expect(violations).toEqual([]);
    expect(counts.lostWithServer).toBe(1);
  });
});

describe('chaos checker: handler effects and caches', () => {
  const effect = (pid: number, at: number, revision = 3): Effect => ({ kind: 'bind', pid, port: 'p1', revision, device: 'vm', at });

  it('one process applying a bind twice for one revision is a violation', () => {
    expect(checkEffects([effect(1, 100), effect(1, 200)], []).violations).toHaveLength(1);
    expect(checkEffects([effect(1, 100), effect(1, 200, 4)], []).violations).toEqual([]);
  });

  it('another process re-applying it is allowed only across a fault that can move leadership', () => {
    expect(checkEffects([effect(1, 100), effect(2, 5_000)], []).violations).toHaveLength(1);
    const longBefore: FaultEvent = { target: 'etcd-m0', resolved: 'm0', kind: 'stop', start: 0, end: 50, pid: 3 };
    expect(checkEffects([effect(1, 60_000), effect(2, 61_000)], [longBefore]).violations).toHaveLength(1);
    const killed: FaultEvent = { target: 'shim-1', resolved: 'shim-1', kind: 'kill', start: 150, end: 2_000, pid: 1 };
    const result = checkEffects([effect(1, 100), effect(2, 5_000)], [killed]);
    expect(result.violations).toEqual([]);
    expect(result.counts.reappliedAfterFailover).toBe(1);
  });

  it('a cache that lacks a key, holds an extra one or an older revision differs from etcd', () => {
    const etcd = new Map([['/a', 5], ['/b', 7]]);
    const dump = (objects: Map<string, number>) => ({ shim: 'shim-1', pid: 1, leader: true, objects, results: new Map<string, number>() });
    expect(checkCaches([dump(new Map(etcd))], etcd, new Map())).toEqual([]);
    for (const wrong of [new Map([['/a', 5]]), new Map([...etcd, ['/c', 9]]), new Map([['/a', 5], ['/b', 6]])]) {
      expect(checkCaches([dump(wrong)], etcd, new Map())).toHaveLength(1);
    }
  });
});

describe('chaos schedule', () => {
  it('is the same for the same seed, and always hits the etcd leader (kill and stop), a server, a shim and compacts', () => {
    const a = makeSchedule({ seed: 7, durationMs: 30_000 });
    expect(makeSchedule({ seed: 7, durationMs: 30_000 })).toEqual(a);
    expect(makeSchedule({ seed: 8, durationMs: 30_000 })).not.toEqual(a);
    for (const seed of [1, 2, 3, 99, 12345]) {
      const s = makeSchedule({ seed, durationMs: 20_000, maxFaultMs: 3000 });
      expect(s.some((f) => f.target === 'etcd-leader' && f.kind === 'kill')).toBe(true);
      expect(s.some((f) => f.target === 'etcd-leader' && f.kind === 'stop')).toBe(true);
      expect(s.some((f) => f.group === 'server')).toBe(true);
      expect(s.some((f) => f.group === 'shim')).toBe(true);
      expect(s.some((f) => f.kind === 'compact')).toBe(true);
      // one member of a group down at a time
      for (const group of ['etcd', 'server', 'shim'] as const) {
        const g = s.filter((f) => f.group === group);
        for (let i = 1; i < g.length; i++) expect(g[i]!.at).toBeGreaterThanOrEqual(g[i - 1]!.at + g[i - 1]!.durationMs);
      }
    }
  });
});
