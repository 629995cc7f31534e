import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBatchingAndErrors } from './batching-and-errors.js';
import { NEUTRON_PORT_KEYS, silentLogger, type BackendDriver, type BindRequest, type DriverFactoryOptions, type NeutronPort, type PortRef } from '../drivers/index.js';

/** Creates the driver under test from the options the suite passes. */
export type BackendDriverFactory = (options: DriverFactoryOptions) => BackendDriver | Promise<BackendDriver>;

/**
 * What the conformance suite needs from the backend under test. The suite calls
 * `setup()` once, then asks for ports and reads what the backend received.
 */
export interface BackendDriverFixtures {
  /** The service the driver is created for (e.g. `net-l3vpn`). */
  readonly service: string;
  /** Starts the backend (a Proton server, a fake controller…). Called once, before the tests. */
  setup?(): Promise<void>;
  /** Stops the backend. Called once, after the tests. */
  teardown?(): Promise<void>;
  /**
   * Creates `count` new unbound ports in the backend and returns where they are.
   * Each port must have a tenant, a MAC address and admin_state_up true.
   */
  createPorts(count: number): Promise<PortRef[]>;
  /** A reference to a port that does not exist (same backend URL as real ports). */
  unknownPort(): PortRef;
  /**
   * How many requests (calls) the backend received since the previous call (then
   * forgotten): the suite counts them to check that `getPorts` batches.
   */
  receivedRequests(): number;
  /**
   * A reference to a port whose backend cannot be reached.
   * @default `unknownPort()`'s id at `http://127.0.0.1:1` (nothing listens there), which suits HTTP backends
   */
  unreachablePort?(): PortRef;
  /**
   * A reference to a port whose backend answers something the driver cannot understand.
   * @default `unknownPort()`'s id at a server the suite starts that answers every request
   * with a 500 and an HTML page, which suits HTTP backends
   */
  failingPort?(): PortRef;
  /**
   * The `X-Auth-Token` values the backend received since the previous call (then
   * forgotten). When given, the suite checks that tokens are forwarded.
   */
  receivedTokens?(): readonly string[];
  /** The bind request to use. @default a host `conformance-host`, a fixed instance uuid, `compute:nova` and profile `{}` */
  readonly bindRequest?: BindRequest;
  /** The GluonNetwork id passed to the driver. @default a fixed uuid */
  readonly gluonNetworkId?: string;
  /** The GluonSubnet id passed to the driver. @default a fixed uuid */
  readonly gluonSubnetId?: string;
}

const PROVIDER_TOKEN = 'conformance-service-token';

/**
 * Asserts the Neutron shape of a port: every key Nova reads, with its type; `network_id`
 * and `fixed_ips[].subnet_id` the dummy ids; `project_id` = `tenant_id`; `devname` =
 * `"tap" + id[:11]`.
 */
export function expectNeutronPort(port: unknown, ids: { gluonNetworkId: string; gluonSubnetId: string }): asserts port is NeutronPort {
  expect(port, 'a Neutron port object').toBeTypeOf('object');
  const p = port as Record<string, unknown>;
  for (const key of NEUTRON_PORT_KEYS) expect(p, `key ${key}`).toHaveProperty([key]);
  for (const key of ['id', 'name', 'network_id', 'tenant_id', 'project_id', 'mac_address', 'status', 'device_id', 'device_owner',
    'binding:host_id', 'binding:vif_type', 'binding:vnic_type', 'devname', 'created_at', 'updated_at', 'description'] as const) {
    expect(typeof p[key], `${key} is a string`).toBe('string');
  }
  expect(typeof p['admin_state_up'], 'admin_state_up is a boolean').toBe('boolean');
  expect(Number.isInteger(p['revision_number']), 'revision_number is an integer').toBe(true);
  for (const key of ['binding:vif_details', 'binding:profile'] as const) {
    expect(p[key], `${key} is an object`).toBeTypeOf('object');
    expect(p[key], `${key} is not null`).not.toBeNull();
    expect(Array.isArray(p[key]), `${key} is not a list`).toBe(false);
  }
  for (const key of ['fixed_ips', 'security_groups', 'allowed_address_pairs', 'extra_dhcp_opts', 'tags'] as const) {
    expect(Array.isArray(p[key]), `${key} is a list`).toBe(true);
  }
  expect(p['id']).not.toBe('');
  expect(p['network_id']).toBe(ids.gluonNetworkId);
  expect(p['project_id']).toBe(p['tenant_id']);
  expect(p['devname']).toBe(`tap${String(p['id']).slice(0, 11)}`);
  for (const ip of p['fixed_ips'] as unknown[]) {
    expect(ip).toEqual({ ip_address: expect.any(String), subnet_id: ids.gluonSubnetId });
  }
}

/**
 * The backend driver conformance suite (a vitest `describe` block): run it on your
 * driver against a real backend to check the contract the port arbiter relies on.
 *
 * Checks every rule of the table in `docs/drivers.md`: the Neutron shape of every answer;
 * `getPort` of an unknown id → `undefined`; `getPorts` batched — counted on the backend:
 * a few requests for many ports, never one per port — order independent, unknown ids
 * omitted, duplicates once, empty input; bind/unbind round trip of host, device, owner
 * and profile; plain updates and the rejection of read-only keys naming them; concurrent
 * calls; an aborted `signal` rejects and sends nothing; the coded errors (a vanished port,
 * an unreachable backend, an answer the driver cannot read); caller token and
 * token-provider forwarding (when the fixtures can report tokens); `close()` idempotent
 * and later calls rejected. A failed check names the rule it enforces.
 *
 * Needs vitest (an optional peer dependency of gluon-net for `gluon-net/testing`).
 *
 * @example
 * ```ts
 * import { describeBackendDriver } from 'gluon-net/testing';
 * describeBackendDriver('acme driver', (options) => acmeDriver.create(options), {
 *   service: 'acme', setup: startAcme, teardown: stopAcme,
 *   createPorts: (n) => acme.createPorts(n), unknownPort: () => ({ id: randomUUID(), url: acme.url }),
 * });
 * ```
 */
export function describeBackendDriver(name: string, factory: BackendDriverFactory, fixtures: BackendDriverFixtures): void {
  const ids = {
    gluonNetworkId: fixtures.gluonNetworkId ?? 'a3c2e1f0-0000-4000-8000-00000000c0de',
    gluonSubnetId: fixtures.gluonSubnetId ?? 'b4d3f2a1-0000-4000-8000-00000000c0de',
  };
  const bindRequest: BindRequest = fixtures.bindRequest ?? {
    hostId: 'conformance-host',
    deviceId: '5e1d0c3b-9a8f-4e7d-8c6b-5a4f3e2d1c0b',
    deviceOwner: 'compute:nova',
    profile: {},
  };
  const options = (extra: Partial<DriverFactoryOptions> = {}): DriverFactoryOptions => ({
    service: fixtures.service,
    ...ids,
    logger: silentLogger,
    ...extra,
  });

  describe(`backend driver conformance: ${name}`, () => {
    let driver: BackendDriver;
    beforeAll(async () => {
      await fixtures.setup?.();
      driver = await factory(options());
    });
    afterAll(async () => {
      await driver?.close();
      await fixtures.teardown?.();
    });

    it('answers getPort with a Neutron-shaped port', async () => {
      const [ref] = await fixtures.createPorts(1);
      const port = await driver.getPort(ref as PortRef);
      expectNeutronPort(port, ids);
      expect(port.id).toBe(ref?.id);
      expect(port.admin_state_up).toBe(true);
      expect(port.mac_address).not.toBe('');
      expect(port.tenant_id).not.toBe('');
    });

    it('answers getPort of an unknown id with undefined', async () => {
      expect(await driver.getPort(fixtures.unknownPort())).toBeUndefined();
    });

    it('answers getPorts for many ports at once: any order, unknown ids omitted, no duplicates', async () => {
      const refs = await fixtures.createPorts(5);
      const asked = [refs[3], fixtures.unknownPort(), refs[0], refs[4], refs[1], refs[2], refs[0]] as PortRef[];
      const ports = await driver.getPorts(asked);
      expect(ports.map((p) => p.id).sort()).toEqual(refs.map((r) => r.id).sort());
      for (const port of ports) expectNeutronPort(port, ids);
      expect(await driver.getPorts([])).toEqual([]);
      expect(await driver.getPorts([fixtures.unknownPort()])).toEqual([]);
    });

    it('binds and unbinds: host, device, owner and profile round trip', async () => {
      const [ref] = (await fixtures.createPorts(1)) as [PortRef];
      const bound = await driver.bind(ref, bindRequest);
      expectNeutronPort(bound, ids);
      expect(bound['binding:host_id']).toBe(bindRequest.hostId);
      expect(bound.device_id).toBe(bindRequest.deviceId);
      expect(bound.device_owner).toBe(bindRequest.deviceOwner ?? '');
      expect(bound['binding:profile']).toEqual(bindRequest.profile ?? {});
      const read = await driver.getPort(ref);
      expect(read?.['binding:host_id']).toBe(bindRequest.hostId);
      expect(read?.device_id).toBe(bindRequest.deviceId);

      const unbound = await driver.unbind(ref);
      expectNeutronPort(unbound, ids);
      expect(unbound['binding:host_id']).toBe('');
      expect(unbound.device_id).toBe('');
      expect(unbound.device_owner).toBe('');
      expect(unbound['binding:profile'], 'unbind clears binding:profile to {}').toEqual({});
      expect((await driver.getPort(ref))?.['binding:host_id']).toBe('');
    });

    it('applies plain updates and rejects read-only keys with GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', async () => {
      const [ref] = (await fixtures.createPorts(1)) as [PortRef];
      const updated = await driver.updatePort(ref, { name: 'conformance-renamed', admin_state_up: false });
      expectNeutronPort(updated, ids);
      expect(updated.name).toBe('conformance-renamed');
      expect(updated.admin_state_up).toBe(false);
      expect((await driver.getPort(ref))?.name).toBe('conformance-renamed');
      const refused = await driver.updatePort(ref, { network_id: 'x' }).then(() => undefined, (err: unknown) => err);
      expect(refused, 'updatePort of a key it cannot map rejects').toMatchObject({ code: 'GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', status: 400 });
      expect(JSON.stringify({ message: (refused as Error).message, details: (refused as { details?: unknown }).details }), 'the refusal names the key').toContain('network_id');
    });

    if (fixtures.receivedTokens !== undefined) {
      const received = fixtures.receivedTokens.bind(fixtures);
      it("forwards the caller's token, else the token provider's (which may also serve the driver's list reads)", async () => {
        const [ref] = (await fixtures.createPorts(1)) as [PortRef];
        received();
        await driver.getPort(ref, { token: 'conformance-caller-token' });
        await driver.getPorts([ref], { token: 'conformance-caller-token' });
        const seen = received();
        expect(seen.length).toBeGreaterThan(0);
        expect(new Set(seen)).toEqual(new Set(['conformance-caller-token']));

        const withProvider = await factory(options({ tokenProvider: () => PROVIDER_TOKEN }));
        try {
          await withProvider.getPort(ref);
          await withProvider.getPort(ref, { token: 'conformance-caller-token' });
          const tokens = received();
          expect(tokens).toContain(PROVIDER_TOKEN);
          // the port itself is read with the caller's token (a driver may make list reads with its service token)
          expect(tokens).toContain('conformance-caller-token');
        } finally {
          await withProvider.close();
        }
      });
    }

    describeBatchingAndErrors(() => driver, fixtures);

    it('closes idempotently and rejects calls after close', async () => {
      const [ref] = (await fixtures.createPorts(1)) as [PortRef];
      const other = await factory(options());
      expect((await other.getPort(ref))?.id).toBe(ref.id);
      await other.close();
      await other.close();
      await expect(other.getPort(ref)).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_CLOSED' });
    });
  });
}
