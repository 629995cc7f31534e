import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import { isolatedStore, portValue, sharedEtcd, waitFor } from './helpers.js';
import { killShim, spawnShim, type ShimProcess } from './processes.js';

const API = 'net-l3vpn';
const TTL = 2;

describe('two shim processes with leader election (gluon shim run --election)', () => {
  const prefix = `/election-${process.pid}-${Date.now()}`;
  let kv: KeyValueStore;
  let a: ShimProcess | undefined;
  let b: ShimProcess | undefined;
  const args = (): string[] => ['examples/dummy-shim', '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--election', '--election-ttl', String(TTL)];

  beforeAll(() => {
    kv = isolatedStore(sharedEtcd(), prefix);
  });
  afterAll(async () => {
    await killShim(a);
    await killShim(b);
    await kv.deletePrefix('');
    await kv.close();
  });

  const resultOf = async (id: string): Promise<Record<string, unknown> | undefined> => {
    const v = await kv.get(`/controller/${API}/Port/${id}`);
    return v ? (JSON.parse(v.value) as Record<string, unknown>) : undefined;
  };
  const bindLogs = (p: ShimProcess | undefined, id: string): number => (p?.logs ?? []).filter((l) => l['msg'] === 'bind' && l['port'] === id).length;
  const requestBind = async (id: string): Promise<void> => {
    await kv.put(`/proton/${API}/VpnBinding/${id}`, JSON.stringify({ interface_id: id, service_id: 'svc' }));
    await kv.put(`/proton/${API}/Port/${id}`, portValue(id, { host_id: 'compute-1', device_id: `vm-${id}` }));
  };

  it('exactly one instance handles events; after SIGKILL of the leader the standby takes over within the lease TTL', async () => {
    a = spawnShim(args());
    await a.waitForLog((l) => l['msg'] === 'shim: elected leader; handling events');
    b = spawnShim(args());
    await b.waitForLog((l) => l['msg'] === 'shim running');

    await requestBind('p1');
    await waitFor('the bind of p1', async () => (await resultOf('p1'))?.['vif_type'] === 'ovs');
    await waitFor('a VpnBinding log on the leader', () => (a?.logs ?? []).some((l) => l['object'] === 'VpnBinding'));
    // the result can reach etcd before the child's log line reaches our pipe: wait for the line
    await waitFor('the bind log of p1 on the leader', () => bindLogs(a, 'p1') >= 1);
    expect(bindLogs(a, 'p1')).toBe(1);
    expect(bindLogs(b, 'p1')).toBe(0);
    expect(b.logs.some((l) => typeof l['object'] === 'string')).toBe(false); // the standby handled nothing

    a.child.kill('SIGKILL');
    await a.exited;
    await requestBind('p2'); // requested while no leader runs
    // the dead leader's lease expires after TTL seconds; the standby must lead by then (plus scheduling slack)
    await b.waitForLog((l) => l['msg'] === 'shim: elected leader; handling events', (TTL + 5) * 1000);
    await waitFor('the bind of p2 by the new leader', async () => (await resultOf('p2'))?.['vif_type'] === 'ovs');
    await waitFor('the bind log of p2 on the new leader', () => bindLogs(b, 'p2') >= 1);
    expect(bindLogs(b, 'p2')).toBe(1);
    expect(bindLogs(b, 'p1')).toBe(0); // p1 was already bound: not bound again

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.logs.some((l) => l['msg'] === 'shim stopped')).toBe(true);
  });
});
