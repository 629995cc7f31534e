import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, bind, createPort, createVpn, inFlight, serversOnOneDatabase, type AddressingServer } from './helpers.js';
import { call } from '../setup/http-call.js';

const ALLOCATIONS = 500;
const IN_FLIGHT = 32;

describe.each([
  ['mariadb', 2],
  ['sqlite', 1],
] as const)('address allocation under concurrency (%s, %i server(s) on one database)', (backend, serverCount) => {
  let servers: AddressingServer[];
  let close: () => Promise<void>;
  let ports: string[];

  beforeAll(async () => {
    const started = await serversOnOneDatabase(backend, serverCount);
    servers = started.servers;
    close = started.close;
    const first = servers[0] as AddressingServer;
    ports = await inFlight(8, Array.from({ length: ALLOCATIONS }, () => () => createPort(first.app)));
  }, 300_000);
  afterAll(async () => close());

  const serverFor = (i: number): AddressingServer => servers[i % servers.length] as AddressingServer;

  it(`should hand out ${ALLOCATIONS} distinct addresses to ${ALLOCATIONS} creates at ${IN_FLIGHT} in flight`, async () => {
    const vpn = await createVpn(serverFor(0).app, { address_pool: '10.20.0.0/22' });
    const answers = await inFlight(
      IN_FLIGHT,
      ports.map((port, i) => () => bind(serverFor(i).app, port, vpn['id'], { subnet_prefix: 22 })),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 201)).toEqual([]);
    const addresses = answers.map((a) => String(a.json()['ipaddress']));
    expect(new Set(addresses).size).toBe(ALLOCATIONS);
    const listed = await call(`${API}/vpnbindings?service_id=${String(vpn['id'])}&limit=1000`, { app: serverFor(1).app });
    const stored = (listed.json()['vpnbindings'] as { ipaddress: string }[]).map((b) => b.ipaddress);
    expect(new Set(stored).size).toBe(ALLOCATIONS);
    for (const port of ports) expect((await call(`${API}/vpnbindings/${port}`, { app: serverFor(0).app, method: 'DELETE' })).status).toBe(204);
  }, 300_000);

  it('should answer 409 GLUON_ERR_POOL_EXHAUSTED, never a duplicate or a 500, when concurrent creates run a pool dry, and reuse deleted addresses', async () => {
    // 10.30.0.0/26: 62 hosts for 100 creates
    const vpn = await createVpn(serverFor(0).app, { address_pool: '10.30.0.0/26' });
    const some = ports.slice(0, 100);
    const answers = await inFlight(
      IN_FLIGHT,
      some.map((port, i) => () => bind(serverFor(i).app, port, vpn['id'])),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(62);
    expect(statuses.filter((s) => s === 409)).toHaveLength(38);
    expect(answers.filter((a) => a.status === 409).map((a) => a.json()['code'])).toEqual(new Array(38).fill('GLUON_ERR_POOL_EXHAUSTED'));
    const held = answers.filter((a) => a.status === 201).map((a) => String(a.json()['ipaddress']));
    expect(new Set(held).size).toBe(62);
    const holders = some.filter((_, i) => statuses[i] === 201);
    const waiting = some.filter((_, i) => statuses[i] === 409);
    for (const port of holders.slice(0, 10)) expect((await call(`${API}/vpnbindings/${port}`, { app: serverFor(1).app, method: 'DELETE' })).status).toBe(204);
    const again = await inFlight(
      IN_FLIGHT,
      waiting.slice(0, 12).map((port, i) => () => bind(serverFor(i).app, port, vpn['id'])),
    );
    expect(again.map((a) => a.status).sort()).toEqual([...new Array<number>(10).fill(201), 409, 409]);
    const reused = again.filter((a) => a.status === 201).map((a) => String(a.json()['ipaddress']));
    expect(new Set([...held, ...reused]).size).toBe(62);
  }, 300_000);
});
