import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonDriver } from '../../src/drivers/index.js';
import { GLUON_NETWORK_ID, GLUON_SUBNET_ID, L3VPN, TENANT, portBody, portId, startProton, type TestProton } from './helpers.js';
import { call } from '../setup/http-call.js';

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the Neutron view of a port whose address was allocated', () => {
  let proton: TestProton;
  beforeAll(async () => {
    proton = await startProton();
  }, 120_000);
  afterAll(async () => proton?.close());

  it('should carry the allocated address in fixed_ips on GluonSubnet', async () => {
    const vpn = await call(`${proton.url}${L3VPN}/vpns`, { method: 'POST', body: { tenant_id: TENANT, name: 'pooled', ipv4_family: '100:1', address_pool: '10.77.0.0/24', address_pool_exclude: '10.77.0.1' } });
    expect(vpn.status).toBe(201);
    const id = portId(0x770001);
    expect((await call(`${proton.url}${L3VPN}/ports`, { method: 'POST', body: portBody(id) })).status).toBe(201);
    const binding = await call(`${proton.url}${L3VPN}/vpnbindings`, {
      method: 'POST',
      body: { tenant_id: TENANT, interface_id: id, service_id: (vpn.body as Record<string, unknown>)['id'], subnet_prefix: 24, gateway: '10.77.0.1' },
    });
    expect(binding.status).toBe(201);
    const allocated = (binding.body as Record<string, unknown>)['ipaddress'];
    expect(allocated).toMatch(/^10\.77\.0\.\d+$/);
    const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger });
    try {
      const port = await driver.getPort({ id, url: proton.url });
      expect(port?.fixed_ips).toEqual([{ ip_address: allocated, subnet_id: GLUON_SUBNET_ID }]);
      expect(port?.network_id).toBe(GLUON_NETWORK_ID);
    } finally {
      await driver.close();
    }
  });
});
