import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import { createDummyShim, createShim, DUMMY_VIF, type PortObject, type ProtonObject, type Shim, type ShimHandlers } from '../../src/shim-sdk/index.js';
import { isolatedStore, memoryLogger, portValue, sharedEtcd, waitFor } from './helpers.js';

const API = 'net-l3vpn';
const port = (id: string): string => `/proton/${API}/Port/${id}`;
const binding = (id: string): string => `/proton/${API}/VpnBinding/${id}`;
const result = (id: string): string => `/controller/${API}/Port/${id}`;

async function readResult(kv: KeyValueStore, id: string): Promise<Record<string, unknown> | undefined> {
  const kvp = await kv.get(result(id));
  return kvp ? (JSON.parse(kvp.value) as Record<string, unknown>) : undefined;
}

/** Handlers that record every call as `<Object>:<what>:<id>[:detail]`. */
function recordingHandlers(calls: string[], extra: Partial<ShimHandlers[string]> = {}): ShimHandlers {
  const obj = (name: string): ShimHandlers[string] => ({
    changed: (o: ProtonObject, prev: ProtonObject | undefined) => void calls.push(`${name}:changed:${String(o['id'])}:${String(o['name'])}:${prev ? String(prev['name']) : '-'}`),
    deleted: (o: ProtonObject) => void calls.push(`${name}:deleted:${String(o['id'])}`),
  });
  return {
    Port: {
      ...obj('Port'),
      bind: (p: PortObject) => {
        calls.push(`Port:bind:${String(p.id)}:${String(p.host_id)}`);
        return { vif_type: 'ovs', vif_details: { bridge_name: 'br-test' } };
      },
      unbind: (p: PortObject) => void calls.push(`Port:unbind:${String(p.id)}`),
      ...extra,
    },
    VpnService: obj('VpnService'),
  };
}

describe('shim runtime on etcd', () => {
  let kv: KeyValueStore;
  const shims: Shim[] = [];
  beforeAll(() => {
    kv = isolatedStore(sharedEtcd());
  });
  afterEach(async () => {
    for (const s of shims.splice(0)) await s.close();
    await kv.deletePrefix('');
  });
  afterAll(async () => kv.close());

  function start(handlers: ShimHandlers, options: { hosts?: string[]; name?: string } = {}): Shim {
    const shim = createShim({ kv, api: API, name: options.name ?? 'test-shim', hosts: options.hosts ?? ['*'], handlers, backoff: { initialMs: 5, maxMs: 50 } });
    shims.push(shim);
    return shim;
  }

  it('dummy shim: answers a bind with the ovs VIF when the port has a service binding, reports { } on unbind', async () => {
    const shim = createDummyShim(kv, { logger: memoryLogger() });
    shims.push(shim);
    await shim.start();
    await kv.put(port('p1'), portValue('p1'));
    await kv.put(binding('p1'), JSON.stringify({ interface_id: 'p1', service_id: 's1' }));
    await kv.put(port('p1'), portValue('p1', { host_id: 'compute-1', device_id: 'vm-1', revision_number: 2 }));
    await waitFor('the bind result', async () => (await readResult(kv, 'p1'))?.['vif_type'] === 'ovs');
    expect(await readResult(kv, 'p1')).toEqual({
      vif_type: 'ovs',
      vif_details: DUMMY_VIF.vif_details,
      controller: 'net-l3vpn-dummy',
      port_revision: 2,
      host_id: 'compute-1',
      device_id: 'vm-1',
    });
    await waitFor('state Bound', () => shim.portState('p1') === 'Bound');

    await kv.put(port('p1'), portValue('p1', { host_id: '', device_id: '', revision_number: 4 }));
    await waitFor('the unbind', async () => JSON.stringify(await readResult(kv, 'p1')) === '{}');
    await waitFor('state Unbound', () => shim.portState('p1') === 'Unbound');
  });

  it('dummy shim: reports no_service_binding when the port has none', async () => {
    const shim = createDummyShim(kv);
    shims.push(shim);
    await shim.start();
    await kv.put(port('p2'), portValue('p2', { host_id: 'compute-1', device_id: 'vm-2', revision_number: 3 }));
    await waitFor('the failure', async () => (await readResult(kv, 'p2')) !== undefined);
    expect(await readResult(kv, 'p2')).toMatchObject({ error: { reason: 'no_service_binding' }, controller: 'net-l3vpn-dummy', port_revision: 3 });
  });

  it('binds only for its hosts: a port on another host is InUse and gets no answer from this shim', async () => {
    const calls: string[] = [];
    const shim = start(recordingHandlers(calls), { hosts: ['compute-1', 'compute-2'] });
    await shim.start();
    await kv.put(port('mine'), portValue('mine', { host_id: 'compute-2', device_id: 'vm' }));
    await kv.put(port('theirs'), portValue('theirs', { host_id: 'compute-9', device_id: 'vm' }));
    await waitFor('the bind of mine', async () => (await readResult(kv, 'mine')) !== undefined);
    await shim.idle();
    expect(await readResult(kv, 'theirs')).toBeUndefined();
    expect(shim.portState('theirs')).toBe('InUse');
    expect(calls.filter((c) => c.startsWith('Port:bind'))).toEqual(['Port:bind:mine:compute-2']);
  });

  it('a port bound by another controller is InUse: not re-bound, not unbound', async () => {
    const calls: string[] = [];
    await kv.put(result('q'), JSON.stringify({ vif_type: 'vhostuser', vif_details: {}, controller: 'other', host_id: 'h', device_id: 'd' }));
    await kv.put(port('q'), portValue('q', { host_id: 'h', device_id: 'd' }));
    const shim = start(recordingHandlers(calls));
    await shim.start();
    await shim.idle();
    expect(shim.portState('q')).toBe('InUse');
    expect(calls).toEqual(['Port:changed:q:port-q:-']);
  });

  it('a bind handler that throws is retried with backoff until it answers; the shim keeps running', async () => {
    let attempts = 0;
    const logger = memoryLogger();
    const shim = createShim({
      kv,
      api: API,
      name: 'flaky',
      logger,
      backoff: { initialMs: 5, maxMs: 20 },
      handlers: {
        Port: {
          bind: () => {
            attempts++;
            if (attempts < 3) throw new Error('controller unreachable');
            return { vif_type: 'ovs', vif_details: {} };
          },
        },
      },
    });
    shims.push(shim);
    await shim.start();
    await kv.put(port('r'), portValue('r', { host_id: 'h', device_id: 'd' }));
    await waitFor('the bind after retries', async () => (await readResult(kv, 'r'))?.['vif_type'] === 'ovs');
    expect(attempts).toBe(3);
    expect(logger.entries.filter((e) => e.level === 'error' && (e.obj as { err?: string }).err === 'controller unreachable')).toHaveLength(2);
    await kv.put(port('r2'), portValue('r2', { host_id: 'h', device_id: 'd' }));
    await waitFor('a later bind', async () => (await readResult(kv, 'r2'))?.['vif_type'] === 'ovs');
  });

  it('a bind handler returning a failure reports it with its reason', async () => {
    const shim = start({ Port: { bind: () => ({ error: { reason: 'no_capacity', message: 'host full' } }) } });
    await shim.start();
    await kv.put(port('f'), portValue('f', { host_id: 'h', device_id: 'd', revision_number: 7 }));
    await waitFor('the failure', async () => (await readResult(kv, 'f')) !== undefined);
    expect(await readResult(kv, 'f')).toEqual({ error: { reason: 'no_capacity', message: 'host full' }, controller: 'test-shim', port_revision: 7, host_id: 'h', device_id: 'd' });
    await waitFor('state Bound', () => shim.portState('f') === 'Bound');
  });

  it('stop, changes (creates, updates, deletes, a bind), start: every change reaches the handlers in per-key order and the bind completes', async () => {
    const calls: string[] = [];
    const shim = start(recordingHandlers(calls));
    await kv.put(port('a'), portValue('a', { name: 'a0' }));
    await kv.put(`/proton/${API}/VpnService/s`, JSON.stringify({ id: 's', name: 's0' }));
    await shim.start();
    await shim.idle();
    await waitFor('initial objects', () => calls.length === 2);
    await shim.stop();

    await kv.put(port('b'), portValue('b', { name: 'b0' }));
    await kv.put(`/proton/${API}/VpnService/s`, JSON.stringify({ id: 's', name: 's1' }));
    await kv.put(port('a'), portValue('a', { name: 'a1', host_id: 'h', device_id: 'vm', revision_number: 2 }));
    await kv.delete(`/proton/${API}/VpnService/s`);
    await kv.put(`/proton/${API}/VpnService/t`, JSON.stringify({ id: 't', name: 't0' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(2); // stopped: nothing handled

    await shim.start();
    await waitFor('the bind result', async () => (await readResult(kv, 'a'))?.['vif_type'] === 'ovs');
    await waitFor('all changes', () => calls.length >= 6);
    await shim.idle();
    const forKey = (prefix: string): string[] => calls.filter((c) => c.startsWith(prefix));
    expect(forKey('Port:changed:a')).toEqual(['Port:changed:a:a0:-', 'Port:changed:a:a1:a0']);
    expect(forKey('Port:bind:a')).toEqual(['Port:bind:a:h']);
    expect(forKey('Port:changed:b')).toEqual(['Port:changed:b:b0:-']);
    // s was updated then deleted while stopped: handlers see its states in order (coalesced) and end on the delete
    const s = calls.filter((c) => c.includes(':s'));
    expect(s[0]).toBe('VpnService:changed:s:s0:-');
    expect(s[s.length - 1]).toBe('VpnService:deleted:s');
    expect(forKey('VpnService:changed:t')).toEqual(['VpnService:changed:t:t0:-']);
    expect(shim.portState('a')).toBe('Bound');
  });

  it('a new shim process handles a bind requested while none ran, and does not re-bind a port it bound before', async () => {
    const first: string[] = [];
    const shim1 = start(recordingHandlers(first));
    await shim1.start();
    await kv.put(port('old'), portValue('old', { host_id: 'h', device_id: 'vm' }));
    await waitFor('first bind', async () => (await readResult(kv, 'old')) !== undefined);
    await shim1.close();
    shims.splice(shims.indexOf(shim1), 1);

    await kv.put(port('new'), portValue('new', { host_id: 'h', device_id: 'vm' })); // the original missed this one
    const second: string[] = [];
    const shim2 = start(recordingHandlers(second));
    await shim2.start();
    await waitFor('the missed bind', async () => (await readResult(kv, 'new')) !== undefined);
    await shim2.idle();
    expect(second.filter((c) => c.startsWith('Port:bind'))).toEqual(['Port:bind:new:h']);
    expect(shim2.portState('old')).toBe('Bound');
  });

  it('deleting a bound port calls unbind and deleted, and removes its result', async () => {
    const calls: string[] = [];
    const shim = start(recordingHandlers(calls));
    await shim.start();
    await kv.put(port('d'), portValue('d', { host_id: 'h', device_id: 'vm' }));
    await waitFor('bind', async () => (await readResult(kv, 'd')) !== undefined);
    await kv.delete(port('d'));
    await waitFor('removal', async () => (await readResult(kv, 'd')) === undefined);
    await waitFor('deleted handler', () => calls.includes('Port:deleted:d'));
    expect(calls.slice(-2)).toEqual(['Port:unbind:d', 'Port:deleted:d']);
  });

  it('handlers read related objects from the cache through the context', async () => {
    let seen: unknown;
    const shim = start({
      Port: {
        bind: (p, ctx) => {
          seen = { binding: ctx.serviceBindingOf(String(p.id)), service: ctx.get('VpnService', 'svc'), services: ctx.list('VpnService').length };
          return { vif_type: 'ovs', vif_details: {} };
        },
      },
    });
    await kv.put(`/proton/${API}/VpnService/svc`, JSON.stringify({ id: 'svc' }));
    await kv.put(binding('c'), JSON.stringify({ interface_id: 'c', service_id: 'svc' }));
    await kv.put(port('c'), portValue('c', { host_id: 'h', device_id: 'vm' }));
    await shim.start();
    await waitFor('bind', async () => (await readResult(kv, 'c')) !== undefined);
    expect(seen).toEqual({ binding: { interface_id: 'c', service_id: 'svc' }, service: { id: 'svc' }, services: 1 });
  });
});
