/**
 * The facade in front of a Keystone-protected Neutron (real Keystone + real Neutron with
 * `auth_strategy = keystone`): tokens pass through, and Neutron's 401/403/404 and its
 * policy-filtered views come back unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNeutronFacade, type NeutronFacade } from '../../src/core/arbiter/index.js';
import { createMemoryStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { startKeystone, type KeystoneInstance } from '../setup/keystone.js';
import { startNeutron, type NeutronInstance } from '../setup/neutron.js';

interface Raw {
  status: number;
  headers: Headers;
  text: string;
}

async function raw(url: string, token: string | undefined, method = 'GET', body?: unknown): Promise<Raw> {
  const res = await fetch(url, {
    method,
    headers: { ...(token === undefined ? {} : { 'x-auth-token': token }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('Neutron facade in front of a Keystone-protected Neutron', () => {
  let keystone: KeystoneInstance;
  let neutron: NeutronInstance;
  let kv: KeyValueStore;
  let facade: NeutronFacade;
  let url: string;
  let admin: string;

  beforeAll(async () => {
    keystone = await startKeystone();
    neutron = await startNeutron({ auth: 'keystone', keystoneUrl: keystone.url, keystoneAdminPassword: 'secret' });
    admin = await keystone.issueToken('admin');
    kv = createMemoryStore();
    // the dummy ids looked up with an admin token
    facade = await createNeutronFacade({ neutronUrl: neutron.url, kv, neutronToken: admin, lookupTimeoutMs: 30_000 });
    url = await facade.listen({ port: 0 });
  }, 400_000);

  afterAll(async () => {
    await facade?.close();
    await kv?.close();
    await neutron?.stop();
    await keystone?.stop();
  }, 60_000);

  it('found the dummy objects with the admin token', () => {
    expect(facade.gluonNetworkId).toBe(neutron.gluonNetworkId);
    expect(facade.gluonSubnetId).toBe(neutron.gluonSubnetId);
  });

  it('passes tokens through: 401 without one, the member view, 403 on bind, 404 across projects — identical to Neutron', async () => {
    const user1 = await keystone.issueToken('user1');
    const user2 = await keystone.issueToken('user2');
    const same = (direct: Raw, viaFacade: Raw): void => {
      expect(viaFacade.status).toBe(direct.status);
      expect(viaFacade.text).toBe(direct.text);
      expect(viaFacade.headers.get('content-type')).toBe(direct.headers.get('content-type'));
      expect(viaFacade.headers.get('www-authenticate')).toBe(direct.headers.get('www-authenticate'));
    };
    same(await raw(`${neutron.url}/v2.0/ports`, undefined), await raw(`${url}/v2.0/ports`, undefined));
    same(await raw(`${neutron.url}/v2.0/ports`, 'gAAAAABbogus'), await raw(`${url}/v2.0/ports`, 'gAAAAABbogus'));
    // GluonNetwork is reserved for Gluon ports through the facade (its addresses are theirs): 409
    const reserved = await raw(`${url}/v2.0/ports`, user1, 'POST', { port: { network_id: neutron.gluonNetworkId, name: 'u1-port' } });
    expect(reserved.status).toBe(409);
    expect(JSON.parse(reserved.text)).toMatchObject({ NeutronError: { type: 'GluonNetworkReserved' } });
    const network = await raw(`${url}/v2.0/networks`, user1, 'POST', { network: { name: 'u1-net' } });
    expect(network.status).toBe(201);
    const networkId = (JSON.parse(network.text) as { network: { id: string } }).network.id;
    const created = await raw(`${url}/v2.0/ports`, user1, 'POST', { port: { network_id: networkId, name: 'u1-port', device_id: 'vm-u1' } });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { port: { id: string } }).port.id;
    const memberView = await raw(`${url}/v2.0/ports/${id}`, user1);
    same(await raw(`${neutron.url}/v2.0/ports/${id}`, user1), memberView);
    expect(memberView.text).not.toContain('binding:host_id');
    same(await raw(`${neutron.url}/v2.0/ports/${id}`, user1, 'PUT', { port: { 'binding:host_id': 'compute-1' } }), await raw(`${url}/v2.0/ports/${id}`, user1, 'PUT', { port: { 'binding:host_id': 'compute-1' } }));
    same(await raw(`${neutron.url}/v2.0/ports/${id}`, user2), await raw(`${url}/v2.0/ports/${id}`, user2));
    same(await raw(`${neutron.url}/v2.0/ports?device_id=vm-u1`, user2), await raw(`${url}/v2.0/ports?device_id=vm-u1`, user2));
    expect((await raw(`${url}/v2.0/ports/${id}`, admin, 'DELETE')).status).toBe(204);
  });
});
