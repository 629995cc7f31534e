import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/core/kv/index.js';
import { createDummyShim, Informer, type InformerEvent } from '../../src/shim-sdk/index.js';
import { portValue, waitFor } from './helpers.js';

describe('shim SDK on the in-process store (the embedded default)', () => {
  it('the in-process dummy shim answers a bind', async () => {
    const kv = createMemoryStore();
    const shim = createDummyShim(kv);
    await shim.start();
    await kv.put('/proton/net-l3vpn/VpnBinding/p', JSON.stringify({ interface_id: 'p', service_id: 's' }));
    await kv.put('/proton/net-l3vpn/Port/p', portValue('p', { host_id: 'h', device_id: 'vm', revision_number: 5 }));
    await waitFor('the result', async () => (await kv.get('/controller/net-l3vpn/Port/p')) !== undefined);
    expect(JSON.parse((await kv.get('/controller/net-l3vpn/Port/p'))!.value)).toMatchObject({
      vif_type: 'ovs',
      vif_details: { port_filter: false, bridge_name: 'br-gluon' },
      controller: 'net-l3vpn-dummy',
      port_revision: 5,
    });
    await shim.close();
    await kv.close();
  });

  it('an informer resuming past the kept history relists and delivers the missed deletes', async () => {
    const kv = createMemoryStore({ historyLimit: 5 });
    const informer = new Informer<{ v: number }>(kv, { prefix: '/p/' });
    const events: InformerEvent<{ v: number }>[] = [];
    informer.on((e) => void events.push(e));
    for (const k of ['a', 'b', 'c']) await kv.put(`/p/${k}`, JSON.stringify({ v: 0 }));
    await informer.start();
    await informer.stop();
    await kv.delete('/p/a');
    for (let i = 1; i <= 10; i++) await kv.put('/p/b', JSON.stringify({ v: i })); // history of 5 events: the delete is gone
    await informer.start();
    await waitFor('convergence', () => informer.size === 2 && informer.get('/p/b')?.v === 10);
    expect(informer.relists).toBe(1);
    expect(events.slice(3).map((e) => [e.type, e.key, e.synthetic])).toEqual([
      ['updated', '/p/b', true],
      ['deleted', '/p/a', true],
    ]);
    await informer.stop();
    await kv.close();
  });
});
