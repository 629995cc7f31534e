/**
 * Which token the built-in Proton driver sends: with a service credential (tokenProvider)
 * its reads through list endpoints (discovery, batched getPorts, service-binding lookups)
 * use the service token — the bundled models' `list` rules are `rule:admin` — while binds,
 * unbinds, updates and the single-port GET forward the caller's token, so the Proton
 * server's policy still decides them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonDriver, type ProtonDriver } from '../../src/drivers/index.js';
import { GLUON_NETWORK_ID, GLUON_SUBNET_ID, L3VPN, portId, startProton, type TestProton } from './helpers.js';

const SERVICE = 'service-token-abc';
const CALLER = 'caller-token-xyz';
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('Proton driver tokens with a service credential', () => {
  let proton: TestProton;
  let driver: ProtonDriver;
  const ids = [portId(0x7100), portId(0x7101), portId(0x7102)];

  /** `METHOD path → token` of the requests since the last call (every request carries a token here). */
  const seen = (): string[] => {
    const requests = proton.requests.splice(0);
    const tokens = proton.takeTokens();
    expect(tokens).toHaveLength(requests.length);
    return requests.map((line, i) => `${line.split('?')[0] ?? ''} → ${tokens[i] ?? ''}`);
  };
  const reset = (): void => {
    proton.resetRequests();
    proton.takeTokens();
  };

  beforeAll(async () => {
    proton = await startProton();
    await proton.createPorts(ids, { withBinding: true });
    driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger: silent, tokenProvider: () => SERVICE });
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
    await proton?.close();
  });

  it('discovery and batched getPorts use the service token, never the caller token', async () => {
    reset();
    const ports = await driver.getPorts(ids.map((id) => ({ id, url: proton.url })), { token: CALLER, requestId: 'req-1' });
    expect(ports.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(ports.every((p) => p.fixed_ips.length === 1)).toBe(true);
    const lines = seen();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => !l.endsWith(`→ ${SERVICE}`))).toEqual([]);
  });

  it('the single-port GET forwards the caller token; its binding lookup uses the service token', async () => {
    reset();
    const port = await driver.getPort({ id: ids[0] as string, url: proton.url }, { token: CALLER });
    expect(port?.id).toBe(ids[0]);
    const lines = seen();
    expect(lines).toContain(`GET ${L3VPN}/ports/${ids[0] as string} → ${CALLER}`);
    expect(lines.filter((l) => l.includes('/vpnbindings')).every((l) => l.endsWith(`→ ${SERVICE}`))).toBe(true);
  });

  it('binds, unbinds and updates forward the caller token on the write', async () => {
    reset();
    const ref = { id: ids[1] as string, url: proton.url };
    await driver.updatePort(ref, { name: 'renamed' }, { token: CALLER });
    await driver.unbind(ref, { token: CALLER });
    const puts = seen().filter((l) => l.startsWith('PUT '));
    expect(puts).toEqual([`PUT ${L3VPN}/ports/${ref.id} → ${CALLER}`, `PUT ${L3VPN}/ports/${ref.id} → ${CALLER}`]);
  });

  it('a call without a caller token sends the service token everywhere', async () => {
    reset();
    await driver.getPort({ id: ids[2] as string, url: proton.url });
    expect(seen().every((l) => l.endsWith(`→ ${SERVICE}`))).toBe(true);
  });
});

describe('Proton driver tokens without a service credential', () => {
  let proton: TestProton;
  let driver: ProtonDriver;
  const id = portId(0x7200);

  beforeAll(async () => {
    proton = await startProton();
    await proton.createPorts([id], { withBinding: true });
    driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger: silent });
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
    await proton?.close();
  });

  it('every request, reads included, carries the caller token', async () => {
    proton.takeTokens();
    await driver.getPorts([{ id, url: proton.url }], { token: CALLER });
    const tokens = proton.takeTokens();
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens)).toEqual(new Set([CALLER]));
  });
});
