import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindingCoordinator, type PortWrite } from '../../src/core/binding/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import type { ProtonServer } from '../../src/server/index.js';
import { API, bindBody, createPort, startServer } from './helpers.js';
import { call } from '../setup/http-call.js';

/**
 * A bind may decide on the port as the HTTP layer just read it (no second read); these
 * check that a snapshot gone stale before the coordinator's lock never changes the outcome.
 */
describe('bind on the caller\'s snapshot of the port', () => {
  let server: ProtonServer;
  let base: string;
  let api: ApiModel;
  let port: ObjectModel;
  let coordinator: BindingCoordinator;

  beforeAll(async () => {
    ({ server, base } = await startServer({}));
    const model = server.registry.defaultVersion('net-l3vpn');
    if (model === undefined) throw new Error('net-l3vpn model missing');
    api = model;
    const object = api.objects.find((o) => o.role === 'port');
    if (object === undefined) throw new Error('no port object');
    port = object;
    coordinator = new BindingCoordinator({ store: server.store, kv: server.kv, apis: [api] });
  });
  afterAll(async () => {
    await coordinator.close();
    await server.close();
  });

  const writer = (id: string): PortWrite => (values, options) =>
    server.store.update(api, port, id, values, options?.ifRevision === undefined ? {} : { ifRevision: options.ifRevision });

  it('a stale snapshot (the port was bound meanwhile) is re-read: the VIF is kept, not reset to pending', async () => {
    const id = await createPort(base);
    const stale = await server.store.get(api, port, id);
    const body = bindBody('compute-1');
    const bound = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body });
    expect(bound.json()).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE' });
    const again = await coordinator.bind({ api, object: port, id, patch: body, write: writer(id) }, { current: stale, timeoutMs: 0 });
    expect(again).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE', host_id: 'compute-1' });
  });

  it('a current snapshot stores the pending state guarded by its revision', async () => {
    const id = await createPort(base);
    const current = await server.store.get(api, port, id);
    const pending = await coordinator.bind({ api, object: port, id, patch: bindBody('compute-2'), write: writer(id) }, { current, timeoutMs: 0 });
    expect(pending).toMatchObject({ vif_type: null, status: 'DOWN', host_id: 'compute-2' });
    expect(pending['revision_number']).toBe((current['revision_number'] as number) + 1);
  });
});
