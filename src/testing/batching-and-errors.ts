import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackendDriver, PortRef } from '../drivers/index.js';
import type { BackendDriverFixtures } from './describe-backend-driver.js';

/** How many ports the batching check asks for at once. */
const BATCH = 24;
/** The most backend requests a batched `getPorts` of {@link BATCH} ports on one server may make. */
const MAX_BATCH_REQUESTS = 4;
/** How many calls the concurrency check runs at once. */
const CONCURRENT = 12;

/** The rejection of `call`, or `undefined` when it resolved. */
async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** A local HTTP server that answers every request with a 500 and an HTML page. */
async function startFailingBackend(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Internal Server Error</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * The conformance checks that count what reaches the backend or break it on purpose:
 * batching of `getPorts`, concurrent calls, cancellation through `signal`, and the coded
 * errors of the rule table. Registered inside the suite's `describe` block.
 * @internal
 */
export function describeBatchingAndErrors(driver: () => BackendDriver, fixtures: BackendDriverFixtures): void {
  let failing: { url: string; server: Server } | undefined;
  beforeAll(async () => {
    if (fixtures.failingPort === undefined) failing = await startFailingBackend();
  });
  afterAll(async () => {
    const server = failing?.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const counted = (): number => {
    if (typeof fixtures.receivedRequests !== 'function') {
      throw new Error('rule "getPorts batches" cannot be checked: the fixtures have no receivedRequests() counting the backend\'s requests');
    }
    return fixtures.receivedRequests();
  };

  it(`getPorts batches: ${BATCH} ports of one server cost at most ${MAX_BATCH_REQUESTS} backend requests, never one per port`, async () => {
    const refs = await fixtures.createPorts(BATCH);
    await driver().getPort(refs[0] as PortRef); // lets a driver discover and cache what it needs once
    counted();
    const ports = await driver().getPorts(refs);
    const requests = counted();
    expect(ports.map((p) => p.id).sort()).toEqual(refs.map((r) => r.id).sort());
    expect(requests, `rule "getPorts: batch, never one request per port" (docs/drivers.md): getPorts of ${BATCH} ports made ${requests} backend requests`).toBeLessThanOrEqual(MAX_BATCH_REQUESTS);
  });

  it(`answers ${CONCURRENT} concurrent calls each with its own port`, async () => {
    const refs = await fixtures.createPorts(CONCURRENT);
    const answers = await Promise.all(refs.map(async (ref, i) => (i % 2 === 0 ? driver().getPort(ref) : (await driver().getPorts([ref]))[0])));
    expect(answers.map((p) => p?.id), 'rule "concurrent calls": each answer is the port asked for').toEqual(refs.map((r) => r.id));
  });

  it('rejects a call whose signal is aborted, and sends nothing to the backend', async () => {
    const [ref] = (await fixtures.createPorts(1)) as [PortRef];
    counted();
    const signal = AbortSignal.abort();
    for (const call of [driver().getPort(ref, { signal }), driver().getPorts([ref], { signal }), driver().updatePort(ref, { name: 'aborted' }, { signal })]) {
      expect(await rejectionOf(call), 'rule "signal": an aborted call rejects').toBeDefined();
    }
    expect(counted(), 'rule "signal": an aborted call sends nothing to the backend').toBe(0);
    expect((await driver().getPort(ref))?.name, 'rule "signal": an aborted update changes nothing').not.toBe('aborted');
  });

  it('rejects with coded errors: a vanished port (404), an unreachable backend (502), an answer it cannot read (502)', async () => {
    const bind = { hostId: 'conformance-host', deviceId: '5e1d0c3b-9a8f-4e7d-8c6b-5a4f3e2d1c0b' };
    expect(await rejectionOf(driver().bind(fixtures.unknownPort(), bind)), 'rule "errors": binding a port that vanished').toMatchObject({ code: 'GLUON_ERR_NOT_FOUND', status: 404 });
    const unreachable = fixtures.unreachablePort?.() ?? { id: fixtures.unknownPort().id, url: 'http://127.0.0.1:1' };
    expect(await rejectionOf(driver().getPort(unreachable)), 'rule "errors": the backend is down').toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE', status: 502 });
    const broken = fixtures.failingPort?.() ?? { id: fixtures.unknownPort().id, url: failing?.url ?? '' };
    expect(await rejectionOf(driver().getPort(broken)), 'rule "errors": an unexpected answer').toMatchObject({ code: 'GLUON_ERR_DRIVER_BACKEND_ERROR', status: 502 });
  });
}
