import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindingCoordinator, type PortWrite } from '../../src/core/binding/index.js';
import { KvError, createMemoryStore, type KeyValueStore, type Watch, type WatchErrorHandler } from '../../src/core/kv/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { controllerKey, encodeBindResult } from '../../src/core/wire/index.js';
import type { ProtonServer } from '../../src/server/index.js';
import { bindBody, createPort, startServer } from './helpers.js';

/** A key/value store whose result watches the test can end, and whose next watch it can hold or fail. */
function interruptible(kv: KeyValueStore) {
  const ends: { watch: Watch; handler: WatchErrorHandler }[] = [];
  const next: (() => Promise<void>)[] = [];
  let watches = 0;
  const watch: KeyValueStore['watch'] = async (options, handler) => {
    watches++;
    await next.shift()?.();
    const real = await kv.watch(options, handler);
    return {
      get lastRevision() {
        return real.lastRevision;
      },
      get closed() {
        return real.closed;
      },
      onError(cb) {
        ends.push({ watch: real, handler: cb });
        real.onError(cb);
      },
      close: () => real.close(),
    };
  };
  const store = new Proxy(kv, {
    get(target, prop) {
      if (prop === 'watch') return watch;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store,
    /** Ends every open watch as a failed connection would (the watch delivers nothing more). */
    async endWatches(): Promise<void> {
      for (const { watch: w, handler } of ends.splice(0)) {
        await w.close();
        handler(new KvError('GLUON_ERR_KV_UNAVAILABLE', 'the watch ended'));
      }
    },
    /** Makes the next watch call run `step` first (fail it, or hold it). */
    beforeNextWatch(step: () => Promise<void>): void {
      next.push(step);
    },
    get watchCalls(): number {
      return watches;
    },
  };
}

describe('the bind result watch', () => {
  let server: ProtonServer;
  let base: string;
  let api: ApiModel;
  let port: ObjectModel;
  const results = createMemoryStore();
  const kv = interruptible(results);
  let coordinator: BindingCoordinator;

  beforeAll(async () => {
    ({ server, base } = await startServer({ inProcessShim: false }));
    const model = server.registry.defaultVersion('net-l3vpn');
    const object = model?.objects.find((o) => o.role === 'port');
    if (model === undefined || object === undefined) throw new Error('net-l3vpn port model missing');
    api = model;
    port = object;
    coordinator = new BindingCoordinator({ store: server.store, kv: kv.store, apis: [api] });
    await coordinator.start();
  });
  afterAll(async () => {
    await coordinator.close();
    await server.close();
    await results.close();
  });

  it('is opened again after it ends (retrying when opening fails), and a result written meanwhile answers the waiting bind', async () => {
    const id = await createPort(base);
    const write: PortWrite = (values, options) => server.store.update(api, port, id, values, options?.ifRevision === undefined ? {} : { ifRevision: options.ifRevision });
    const body = bindBody('compute-7');
    const bound = coordinator.bind({ api, object: port, id, patch: body, write }, { timeoutMs: 120_000 });
    await expect.poll(() => coordinator.pendingPorts(), { timeout: 30_000 }).toContain(`${api.name}/${id}`);

    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    kv.beforeNextWatch(() => Promise.reject(new Error('etcd unreachable')));
    kv.beforeNextWatch(() => held);
    const callsBefore = kv.watchCalls;
    await kv.endWatches();
    await expect.poll(() => kv.watchCalls, { timeout: 30_000 }).toBe(callsBefore + 2);
    await results.put(controllerKey(api.name, id), encodeBindResult({ vif_type: 'ovs', vif_details: { port_filter: true }, host_id: 'compute-7', device_id: String(body['device_id']) }));
    release();

    await expect(bound).resolves.toMatchObject({ vif_type: 'ovs', status: 'ACTIVE', host_id: 'compute-7' });
    expect(coordinator.pendingPorts()).not.toContain(`${api.name}/${id}`);
  });
});
