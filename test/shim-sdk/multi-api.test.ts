import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hostsByApi } from '../../src/cli/commands/shim-run.js';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import { createKeyValueStore } from '../../src/core/kv/index.js';
import { createMultiApiShim, type MultiApiShim } from '../../src/shim-sdk/index.js';
import { isolatedStore, portValue, sharedEtcd, waitFor } from './helpers.js';
import { killShim, spawnShim, type ShimProcess } from './processes.js';

const tmp = mkdtempSync(join(tmpdir(), 'gluon-multi-shim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A shim module for `api` whose bind answers a VIF naming the API. */
function shimModule(api: string): string {
  const file = join(tmp, `${api}-shim.mjs`);
  writeFileSync(file, `export default { name: 'acme', api: ${JSON.stringify(api)}, handlers: { Port: { bind: () => ({ vif_type: 'vhostuser', vif_details: { api: ${JSON.stringify(api)} } }) } } };\n`);
  return file;
}

async function resultOf(kv: KeyValueStore, api: string, id: string): Promise<Record<string, unknown> | undefined> {
  const kvp = await kv.get(`/controller/${api}/Port/${id}`);
  return kvp === undefined ? undefined : (JSON.parse(kvp.value) as Record<string, unknown>);
}

async function bound(kv: KeyValueStore, api: string, id: string, host: string): Promise<Record<string, unknown>> {
  await kv.put(`/proton/${api}/Port/${id}`, portValue(id, { host_id: host, device_id: `vm-${id}`, revision_number: 2 }));
  let result: Record<string, unknown> | undefined;
  await waitFor(`the bind result of ${api} port ${id}`, async () => (result = await resultOf(kv, api, id))?.['vif_type'] !== undefined);
  return result!;
}

describe('one shim process, several APIs', () => {
  let proc: ShimProcess | undefined;
  const kvs: KeyValueStore[] = [];
  afterEach(async () => {
    await killShim(proc);
    for (const kv of kvs.splice(0)) {
      await kv.deletePrefix('');
      await kv.close();
    }
  });

  it('gluon shim run <net-l3vpn shim> <ietf-sfc shim> answers binds for both, each on its own --hosts, under one election', async () => {
    const prefix = `/t-${randomBytes(4).toString('hex')}`;
    const kv = isolatedStore(sharedEtcd(), prefix);
    kvs.push(kv);
    proc = spawnShim([shimModule('net-l3vpn'), shimModule('ietf-sfc'), '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--hosts', 'net-l3vpn=compute-1', '--hosts', 'ietf-sfc=compute-2', '--election']);
    for (const api of ['net-l3vpn', 'ietf-sfc']) await proc.waitForLog((l) => l['msg'] === 'shim running' && l['api'] === api);

    expect(await bound(kv, 'net-l3vpn', 'p1', 'compute-1')).toMatchObject({ vif_type: 'vhostuser', vif_details: { api: 'net-l3vpn' }, controller: 'acme' });
    expect(await bound(kv, 'ietf-sfc', 'p2', 'compute-2')).toMatchObject({ vif_type: 'vhostuser', vif_details: { api: 'ietf-sfc' }, controller: 'acme' });
    const started = proc.logs.filter((l) => l['msg'] === 'shim started');
    expect(started.map((l) => [l['api'], l['hosts'], l['election']])).toEqual([
      ['net-l3vpn', ['compute-1'], true],
      ['ietf-sfc', ['compute-2'], true],
    ]);
    // one election: a single candidate key for the whole process
    const candidates = await kv.range({ prefix: '/election/' });
    expect(candidates.kvs.map((c) => c.key)).toEqual([expect.stringMatching(/^\/election\/shim\/net-l3vpn\+ietf-sfc\/acme\//)]);
  });

  it('createMultiApiShim refuses the same API twice, and --hosts for an API it does not serve', () => {
    const kv = createKeyValueStore(undefined);
    kvs.push(kv);
    const handlers = { Port: { bind: () => ({ vif_type: 'ovs', vif_details: {} }) } };
    expect(() => createMultiApiShim({ kv, name: 'x', apis: [{ api: 'net-l3vpn', handlers }, { api: 'net-l3vpn', handlers }] })).toThrow(/the API net-l3vpn is given twice/);
    expect(() => hostsByApi(['ietf-sfc=compute-2'], ['net-l3vpn'])).toThrow(/does not serve \(it serves net-l3vpn\)/);
    expect([...hostsByApi(['compute-9', 'ietf-sfc=compute-2'], ['net-l3vpn', 'ietf-sfc'])]).toEqual([
      ['net-l3vpn', ['compute-9']],
      ['ietf-sfc', ['compute-2']],
    ]);
  });

  it('with the in-process store, each API answers its own binds', async () => {
    const kv = createKeyValueStore(undefined);
    kvs.push(kv);
    const shim: MultiApiShim = createMultiApiShim({
      kv,
      name: 'acme',
      election: {},
      apis: ['net-l3vpn', 'ietf-sfc'].map((api) => ({ api, handlers: { Port: { bind: () => ({ vif_type: 'ovs', vif_details: { api } }) } } })),
    });
    await shim.start();
    try {
      expect(await bound(kv, 'net-l3vpn', 'a', 'compute-1')).toMatchObject({ vif_details: { api: 'net-l3vpn' } });
      expect(await bound(kv, 'ietf-sfc', 'b', 'compute-1')).toMatchObject({ vif_details: { api: 'ietf-sfc' } });
      expect(shim.isLeader).toBe(true);
    } finally {
      await shim.close();
    }
  });
});
