import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonDriver, type ProtonDriver } from '../../src/drivers/index.js';
import { GLUON_NETWORK_ID, GLUON_SUBNET_ID, bindingIp, portId, startProton, type TestProton } from './helpers.js';

/** Gluon's own models, whose BasePort has no description. */
const ORIGINAL_MODELS = fileURLToPath(new URL('../fixtures/conformance/gluon-models/', import.meta.url));

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const driverFor = (extra: Partial<Parameters<typeof createProtonDriver>[0]> = {}): ProtonDriver =>
  createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger, ...extra });

describe('built-in Proton driver against real Proton servers', () => {
  let a: TestProton;
  let b: TestProton;
  const onA = Array.from({ length: 1000 }, (_, i) => portId(i + 1));
  const onB = Array.from({ length: 20 }, (_, i) => portId(0x10000 + i));

  beforeAll(async () => {
    [a, b] = await Promise.all([startProton(), startProton()]);
    await a.createPorts(onA, { withBinding: true });
    await b.createPorts(onB.slice(0, 10), { withBinding: true });
    await b.createPorts(onB.slice(10));
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const portRequests = (proton: TestProton): string[] => proton.requests.filter((r) => r.startsWith('GET /proton/net-l3vpn/v1.0/ports'));
  const bindingRequests = (proton: TestProton): string[] => proton.requests.filter((r) => r.startsWith('GET /proton/net-l3vpn/v1.0/vpnbindings'));

  it('getPorts over 1,000 Gluon ports makes one HTTP request per Proton server for the ports (plus one for the bindings)', async () => {
    const driver = driverFor();
    try {
      await driver.getPort({ id: onA[0] as string, url: a.url }); // layout discovery, once per server
      await driver.getPort({ id: onB[0] as string, url: b.url });
      a.resetRequests();
      b.resetRequests();
      const refs = [...onA.map((id) => ({ id, url: a.url })), ...onB.map((id) => ({ id, url: b.url }))];
      const ports = await driver.getPorts(refs);
      expect(ports).toHaveLength(1020);
      expect(portRequests(a)).toHaveLength(1);
      expect(portRequests(b)).toHaveLength(1);
      expect(bindingRequests(a)).toHaveLength(1);
      expect(bindingRequests(b)).toHaveLength(1);
      expect(a.requests).toHaveLength(2);
      expect(b.requests).toHaveLength(2);
      const byId = new Map(ports.map((p) => [p.id, p]));
      expect(byId.get(portId(7))?.fixed_ips).toEqual([{ ip_address: bindingIp(7), subnet_id: GLUON_SUBNET_ID }]);
      expect(byId.get(portId(0x10000 + 15))?.fixed_ips).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it('single-port reads made at once share their binding lookups, and each port gets its own address', async () => {
    const driver = driverFor();
    try {
      await driver.getPort({ id: onA[0] as string, url: a.url }); // layout discovery
      a.resetRequests();
      const wanted = Array.from({ length: 40 }, (_, i) => i + 1);
      const ports = await Promise.all([...wanted.map((n) => driver.getPort({ id: portId(n), url: a.url })), driver.getPort({ id: portId(0x7fff0), url: a.url })]);
      expect(ports.slice(0, -1).map((p) => p?.fixed_ips)).toEqual(wanted.map((n) => [{ ip_address: bindingIp(n), subnet_id: GLUON_SUBNET_ID }]));
      expect(ports.at(-1)).toBeUndefined();
      expect(portRequests(a)).toHaveLength(41);
      // the first lookup goes alone; the 40 made while it is on the wire go as one list
      expect(bindingRequests(a)).toHaveLength(2);
    } finally {
      await driver.close();
    }
  });

  it('with batch "ids", filters by id in URLs under maxUrlLength: far fewer requests than ports', async () => {
    const driver = driverFor({ batch: 'ids', maxUrlLength: 8000 });
    try {
      await driver.getPort({ id: onA[0] as string, url: a.url });
      a.resetRequests();
      const ports = await driver.getPorts(onA.slice(0, 500).map((id) => ({ id, url: a.url })));
      expect(ports.map((p) => p.id).sort()).toEqual(onA.slice(0, 500).sort());
      const requests = portRequests(a);
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.length).toBeLessThanOrEqual(5);
      for (const line of [...requests, ...bindingRequests(a)]) expect(line.length).toBeLessThan(8000 + 10);
    } finally {
      await driver.close();
    }
  });

  it('a short id list is fetched with one id-filtered request', async () => {
    const driver = driverFor();
    try {
      await driver.getPort({ id: onA[0] as string, url: a.url });
      a.resetRequests();
      await driver.getPorts([{ id: onA[1] as string, url: a.url }, { id: onA[2] as string, url: a.url }]);
      expect(portRequests(a)).toEqual([`GET /proton/net-l3vpn/v1.0/ports?id=${onA[1]}&id=${onA[2]}`]);
      expect(bindingRequests(a)).toEqual([`GET /proton/net-l3vpn/v1.0/vpnbindings?interface_id=${onA[1]}&interface_id=${onA[2]}`]);
    } finally {
      await driver.close();
    }
  });

  it('converts like the original _convert_port_data and sends the original bind/unbind bodies', async () => {
    const driver = driverFor();
    const ref = { id: onA[41] as string, url: a.url };
    try {
      const bound = await driver.bind(ref, { hostId: 'compute-1', deviceId: 'c8a0b1e2-1111-4222-8333-444444444444', deviceOwner: 'compute:nova', profile: { pci_slot: '0000:00:01.0' } });
      expect(bound).toMatchObject({
        id: ref.id,
        network_id: GLUON_NETWORK_ID,
        fixed_ips: [{ ip_address: bindingIp(42), subnet_id: GLUON_SUBNET_ID }],
        'binding:host_id': 'compute-1',
        'binding:profile': { pci_slot: '0000:00:01.0' },
        'binding:vnic_type': 'normal',
        devname: `tap${ref.id.slice(0, 11)}`,
        device_owner: 'compute:nova',
      });
      const stored = await fetch(`${a.url}/proton/net-l3vpn/v1.0/ports/${ref.id}`).then((r) => r.json() as Promise<Record<string, unknown>>);
      expect(stored).toMatchObject({ host_id: 'compute-1', profile: '{"pci_slot":"0000:00:01.0"}' });
      await driver.unbind(ref);
      const after = await fetch(`${a.url}/proton/net-l3vpn/v1.0/ports/${ref.id}`).then((r) => r.json() as Promise<Record<string, unknown>>);
      expect(after).toMatchObject({ host_id: '', device_id: '', device_owner: '', profile: '' });
    } finally {
      await driver.close();
    }
  });

  it('maps a bind of a vanished port to GLUON_ERR_NOT_FOUND and an unreachable server to GLUON_ERR_DRIVER_UNREACHABLE', async () => {
    const driver = driverFor();
    try {
      await expect(driver.bind({ id: portId(0xabcdef), url: a.url }, { hostId: 'h', deviceId: '' })).rejects.toMatchObject({ code: 'GLUON_ERR_NOT_FOUND', status: 404 });
      await expect(driver.getPort({ id: portId(1), url: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE', status: 502 });
      await expect(driver.bind({ id: portId(1), url: a.url }, { hostId: '', deviceId: 'x' })).rejects.toMatchObject({ code: 'GLUON_ERR_VALIDATION' });
    } finally {
      await driver.close();
    }
  });

  it('names every unmappable key of a plain update', async () => {
    const driver = driverFor();
    try {
      const error = await driver.updatePort({ id: portId(1), url: a.url }, { status: 'DOWN', 'binding:host_id': 'h', name: 'ok' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', status: 400 });
      expect((error as { details: { field: string }[] }).details.map((d) => d.field)).toEqual(['status', 'binding:host_id']);
    } finally {
      await driver.close();
    }
  });

  it('updates the description of a net-l3vpn port (BasePort has Neutron\'s description)', async () => {
    const driver = driverFor();
    try {
      await expect(driver.updatePort({ id: portId(1), url: a.url }, { name: 'renamed', description: 'd1' })).resolves.toMatchObject({ name: 'renamed', description: 'd1' });
      await expect(driver.getPort({ id: portId(1), url: a.url })).resolves.toMatchObject({ description: 'd1' });
    } finally {
      await driver.close();
    }
  });

  it('derives the updatable keys from the port model: description is refused on Gluon\'s original net-l3vpn (its Port has none), naming what is updatable', async () => {
    const original = await startProton({ models: [ORIGINAL_MODELS] });
    const driver = driverFor();
    try {
      await original.createPorts([portId(1)]);
      const error = await driver.updatePort({ id: portId(1), url: original.url }, { description: 'd1' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', status: 400 });
      const detail = (error as { details: { field: string; allowed: string[] }[] }).details[0];
      expect(detail?.field).toBe('description');
      expect(detail?.allowed).toEqual(['name', 'admin_state_up', 'mac_address', 'device_id', 'device_owner', 'binding:vnic_type', 'binding:profile']);
      expect((error as Error).message).not.toContain(original.url);
      await expect(driver.updatePort({ id: portId(1), url: original.url }, { name: 'renamed' })).resolves.toMatchObject({ name: 'renamed' });
    } finally {
      await driver.close();
      await original.close();
    }
  });

  it('rejects a service the Proton server does not host with GLUON_ERR_DRIVER_NO_PORT_OBJECT', async () => {
    const driver = driverFor({ service: 'no-such-service' });
    try {
      await expect(driver.getPort({ id: portId(1), url: a.url })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_NO_PORT_OBJECT' });
    } finally {
      await driver.close();
    }
  });

  it('rejects bad factory options with GLUON_ERR_DRIVER_BAD_OPTIONS', () => {
    expect(() => driverFor({ service: '' })).toThrow(expect.objectContaining({ code: 'GLUON_ERR_DRIVER_BAD_OPTIONS' }));
    expect(() => driverFor({ batch: 'all' as never })).toThrow(expect.objectContaining({ code: 'GLUON_ERR_DRIVER_BAD_OPTIONS' }));
  });
});
