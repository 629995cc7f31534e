import { describe, expect, it } from 'vitest';
import { KvError, createMemoryStore, type KeyValueStore, type TxnRequest } from '../../src/core/kv/index.js';
import { createShim, type PortObject, type Shim } from '../../src/shim-sdk/index.js';
import { memoryLogger, portValue, waitFor } from './helpers.js';

const API = 'net-l3vpn';
const RESULT_PREFIX = '/controller/';

/** Failures to inject into the shim's writes of bind results. */
interface Faults {
  /** Plain puts of a result that throw `GLUON_ERR_KV_UNAVAILABLE` (etcd unreachable). */
  unavailable: number;
  /** Fenced result writes whose guard fails (another instance leads now). */
  fenced: number;
}

/** The store with injected result-write failures; everything else passes through. */
function withFaults(kv: KeyValueStore, faults: Faults): KeyValueStore {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === 'put') {
        return async (key: string, value: string, options?: { lease?: string }) => {
          if (key.startsWith(RESULT_PREFIX) && faults.unavailable > 0) {
            faults.unavailable--;
            throw new KvError('GLUON_ERR_KV_UNAVAILABLE', 'injected: etcd unreachable');
          }
          return target.put(key, value, options);
        };
      }
      if (prop === 'txn') {
        return async (request: TxnRequest) => {
          if (request.success.some((op) => op.key.startsWith(RESULT_PREFIX)) && faults.fenced > 0) {
            faults.fenced--;
            return { succeeded: false, revision: await target.currentRevision() };
          }
          return target.txn(request);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function bindRequest(kv: KeyValueStore, id: string): Promise<void> {
  await kv.put(`/proton/${API}/Port/${id}`, portValue(id, { host_id: 'h', device_id: 'vm', revision_number: 3 }));
}

function countingShim(kv: KeyValueStore, election: boolean): { shim: Shim; binds: string[]; logger: ReturnType<typeof memoryLogger> } {
  const binds: string[] = [];
  const logger = memoryLogger();
  const shim = createShim({
    kv, api: API, name: 'counting', logger, backoff: { initialMs: 5, maxMs: 50 },
    ...(election ? { election: { ttl: 2 } } : {}),
    handlers: {
      Port: {
        bind: (port: PortObject) => {
          binds.push(`${String(port.id)}@${String(port.revision_number)}`);
          return { vif_type: 'ovs', vif_details: {} };
        },
      },
    },
  });
  return { shim, binds, logger };
}

describe('shim: a bind result that could not be written (found by the chaos run)', () => {
  it('is written again on retry without running the bind handler a second time', async () => {
    const kv = createMemoryStore();
    const { shim, binds } = countingShim(withFaults(kv, { unavailable: 2, fenced: 0 }), false);
    await shim.start();
    await bindRequest(kv, 'p1');
    await waitFor('the result of p1', async () => (await kv.get(`${RESULT_PREFIX}${API}/Port/p1`)) !== undefined);
    expect(JSON.parse((await kv.get(`${RESULT_PREFIX}${API}/Port/p1`))!.value)).toMatchObject({ vif_type: 'ovs', port_revision: 3 });
    expect(binds).toEqual(['p1@3']);
    await shim.close();
    await kv.close();
  });

  it('refused by the leader fence ends the term: the shim gives up leadership, is elected again and reports once', async () => {
    const kv = createMemoryStore();
    const { shim, binds, logger } = countingShim(withFaults(kv, { unavailable: 0, fenced: 1 }), true);
    await shim.start();
    await waitFor('leadership', () => shim.isLeader);
    await bindRequest(kv, 'p2');
    await waitFor('the result of p2', async () => (await kv.get(`${RESULT_PREFIX}${API}/Port/p2`)) !== undefined);
    expect(logger.entries.some((e) => e.msg === 'shim: a fenced write was refused; giving up leadership')).toBe(true);
    expect(logger.entries.some((e) => e.msg === 'shim: leadership lost; stopped handling events')).toBe(true);
    expect(binds).toEqual(['p2@3']);
    await shim.close();
    await kv.close();
  });
});
