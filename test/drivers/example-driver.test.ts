import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPlugins, type DiscoveredDriver, type PortRef } from '../../src/drivers/index.js';
import { describeBackendDriver } from '../../src/testing/index.js';
import { acmeController } from '../../examples/third-party-driver/driver.js';
import { tempApp, type TempApp } from './discovery-fixtures.js';

const exampleDir = fileURLToPath(new URL('../../examples/third-party-driver/', import.meta.url));
const CONTROLLER = 'http://acme-controller.example:8080';
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let app: TempApp;
let discovered: DiscoveredDriver;
let next = 0;
function addPorts(count: number): PortRef[] {
  return Array.from({ length: count }, () => {
    const id = randomUUID();
    next++;
    acmeController.addPort(CONTROLLER, { id, tenant: 'tenant-a', mac: `fa:16:3e:aa:00:${(next % 256).toString(16).padStart(2, '0')}`, ip: `192.0.2.${next % 250}` });
    return { id, url: CONTROLLER };
  });
}

/** An application whose package.json depends on the example plugin (node_modules symlink, as `file:` installs it). */
beforeAll(async () => {
  app = await tempApp();
  await app.setDependencies({ 'acme-gluon-plugin': `file:${exampleDir}` });
  await app.linkPackage('acme-gluon-plugin', exampleDir);
  const found = await discoverPlugins({ root: app.root });
  discovered = found.drivers.get('acme-vpn') as DiscoveredDriver;
});
afterAll(() => app.remove());

describe('the third-party driver example', () => {
  it("is discovered from the application's package.json dependencies", () => {
    expect(discovered).toMatchObject({ name: 'acme-vpn', apiVersion: 1, package: 'acme-gluon-plugin' });
  });

  it('is used like any driver: bind a port and read it back in Neutron shape', async () => {
    const driver = await discovered.create({ service: 'acme-vpn', gluonNetworkId: 'net-1', gluonSubnetId: 'sub-1', logger });
    const [ref] = addPorts(1) as [PortRef];
    const bound = await driver.bind(ref, { hostId: 'compute-7', deviceId: 'vm-1', deviceOwner: 'compute:nova' });
    expect(bound).toMatchObject({ id: ref.id, network_id: 'net-1', 'binding:host_id': 'compute-7', 'binding:vif_type': 'vhostuser', status: 'ACTIVE' });
    expect((await driver.getPorts([ref]))[0]?.fixed_ips[0]?.subnet_id).toBe('sub-1');
    await driver.close();
  });
});

describeBackendDriver('third-party example (acme-vpn), as discovered', (options) => discovered.create(options), {
  service: 'acme-vpn',
  createPorts: async (count) => addPorts(count),
  unknownPort: () => ({ id: randomUUID(), url: CONTROLLER }),
  receivedTokens: () => acmeController.tokens.splice(0),
  receivedRequests: () => {
    const calls = acmeController.calls;
    acmeController.calls = 0;
    return calls;
  },
  unreachablePort: () => {
    acmeController.faults.set('http://acme-down.example:8080', 'down');
    return { id: randomUUID(), url: 'http://acme-down.example:8080' };
  },
  failingPort: () => {
    acmeController.faults.set('http://acme-broken.example:8080', 'broken');
    return { id: randomUUID(), url: 'http://acme-broken.example:8080' };
  },
});
