/**
 * The HTTP edge of the reference server (issue 11 §1.5, §1.7, §1.8): protocol errors
 * answered as Gluon faults with `Connection: close`, connection timeouts and the
 * connection cap (tested with trickling and silent clients: the assertion is that the
 * connection gets closed, never how fast), and links of an HTTP/1.0 request without Host.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { waitFor } from '../setup/wait-for.js';
import { PORTS, portBody, tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(options: ProtonServerOptions = {}): Promise<{ server: ProtonServer; port: number }> {
  const tmp = await tempDir('gluon-protocol-');
  cleanups.push(tmp.remove);
  const server = await createProtonServer({ db: `sqlite:${join(tmp.dir, 'gluon.db')}`, port: 0, mirror: false, logger: { level: 'silent' }, ...options });
  cleanups.push(() => server.close());
  const url = await server.listen();
  return { server, port: Number(new URL(url).port) };
}

/** A raw TCP client: everything the server sent, and whether it closed the connection. */
interface RawClient {
  readonly socket: Socket;
  received(): string;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    const closedPromise = new Promise<void>((done) => socket.once('close', () => {
      closed = true;
      done();
    }));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => data, closed: closedPromise, isClosed: () => closed }));
    socket.once('error', reject);
  });
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

function parseAnswer(text: string): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

/** Sends `text`, waits until the server closes the connection, and parses its one answer. */
async function exchange(port: number, text: string): Promise<RawAnswer> {
  const client = await rawClient(port);
  client.socket.write(text);
  await client.closed;
  return parseAnswer(client.received());
}

describe('protocol errors are Gluon faults and close the connection', () => {
  const cases: [string, string, number, string, string][] = [
    ['headers too large', `GET /proton/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'GLUON_ERR_HEADERS_TOO_LARGE', 'headers'],
    ['a bad Content-Length', 'POST /proton/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'GLUON_ERR_BAD_REQUEST', 'Content-Length'],
    ['bad chunking', 'POST /proton/net-l3vpn/v1.0/ports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'GLUON_ERR_BAD_REQUEST', 'Transfer-Encoding'],
    ['an unknown method', 'FOO /proton/ HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'GLUON_ERR_UNKNOWN_METHOD', 'method'],
  ];
  for (const [what, request, status, code, field] of cases) {
    it(what, async () => {
      const { port } = await started();
      const answer = await exchange(port, request);
      expect(answer.status).toBe(status);
      expect(answer.headers['connection']).toBe('close');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.body).toMatchObject({ faultcode: 'Client', code, details: [{ field }] });
    });
  }

  it('bad %-encoding in the path', async () => {
    const { port } = await started();
    const client = await rawClient(port);
    client.socket.write('GET /proton/net-l3vpn/v1.0/ports/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await client.closed;
    const answer = parseAnswer(client.received());
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ faultcode: 'Client', code: 'GLUON_ERR_BAD_REQUEST', details: [{ field: 'path', rule: 'encoding' }] });
  });
});

describe('connection limits', () => {
  const limits = { idleTimeoutMs: 1000, headersTimeoutMs: 1000, requestTimeoutMs: 2000 };

  it('closes a connection that never sends anything', async () => {
    const { port } = await started({ connectionLimits: limits });
    const client = await rawClient(port);
    await client.closed;
    expect(client.isClosed()).toBe(true);
  }, 30_000);

  it('answers a body trickling one byte at a time with 408 and closes the connection', async () => {
    const { port } = await started({ connectionLimits: limits });
    const client = await rawClient(port);
    client.socket.write('POST /proton/net-l3vpn/v1.0/ports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => {
      if (!client.isClosed()) client.socket.write(' ');
    }, 100);
    try {
      await client.closed;
    } finally {
      clearInterval(trickle);
    }
    const answer = parseAnswer(client.received());
    expect(answer.status).toBe(408);
    expect(answer.headers['connection']).toBe('close');
    expect(answer.body).toMatchObject({ code: 'GLUON_ERR_REQUEST_TIMEOUT' });
  }, 30_000);

  it('closes headers trickling one byte at a time', async () => {
    const { port } = await started({ connectionLimits: limits });
    const client = await rawClient(port);
    const text = `GET /proton/ HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(10_000)}`;
    let at = 0;
    const trickle = setInterval(() => {
      if (!client.isClosed() && at < text.length) client.socket.write(text[at++] ?? '');
    }, 100);
    try {
      await client.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(client.isClosed()).toBe(true);
    expect(parseAnswer(client.received()).body).toMatchObject({ code: 'GLUON_ERR_REQUEST_TIMEOUT' });
  }, 30_000);

  it('serves several requests on one keep-alive connection', async () => {
    const { port } = await started({ connectionLimits: limits });
    const client = await rawClient(port);
    client.socket.write('GET /proton/ HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the first answer', () => client.received().includes('"protons"'));
    client.socket.write('GET /proton/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(client.received().match(/HTTP\/1\.1 200/g)).toHaveLength(2);
  }, 30_000);

  it('never cuts a request whose answer is slow (a bind waiting past the idle timeout)', async () => {
    const { server, port } = await started({ connectionLimits: { idleTimeoutMs: 300, headersTimeoutMs: 1000, requestTimeoutMs: 2000 }, inProcessShim: false });
    const id = randomUUID();
    const created = await fetch(`${server.url}${PORTS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(portBody(id)) });
    expect(created.status).toBe(201);
    const client = await rawClient(port);
    const body = JSON.stringify({ host_id: 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' });
    // no shim runs: the bind waits its whole bind_timeout (10 idle timeouts) for a result
    client.socket.write(`PUT ${PORTS}/${id}?bind_timeout=3000 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 \d{3} /);
  }, 30_000);

  it('caps open connections: one past the cap is closed, the others keep working', async () => {
    const { server, port } = await started({ connectionLimits: { idleTimeoutMs: 60_000, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnections: 3 } });
    const held = [await rawClient(port), await rawClient(port), await rawClient(port)];
    await waitFor('three open connections', () => new Promise<boolean>((resolve) => server.app.server.getConnections((_e, n) => resolve(n === 3))));
    const extra = await rawClient(port);
    await extra.closed;
    expect(extra.received()).toBe('');
    const first = held[0] as RawClient;
    first.socket.write('GET /proton/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await first.closed;
    expect(first.received()).toMatch(/^HTTP\/1\.1 200/);
    for (const client of held) client.socket.destroy();
  }, 30_000);

  it('rejects a bad setting, naming it', async () => {
    await expect(started({ connectionLimits: { maxConnections: 0 } })).rejects.toMatchObject({ code: 'GLUON_ERR_CONFIG', message: expect.stringContaining('maxConnections') });
  });
});

describe('links of a request without Host (HTTP/1.0)', () => {
  it('are built from the advertised URL', async () => {
    const { port } = await started({ advertisedUrl: 'http://proton.example.net:2705' });
    const answer = await exchange(port, 'GET /proton/ HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
    const protons = answer.body['protons'] as { links: { href: string }[] }[];
    expect(protons.length).toBeGreaterThan(0);
    for (const proton of protons) expect(proton.links[0]?.href).toMatch(/^http:\/\/proton\.example\.net:2705\/proton\//);
  });

  it('fall back to the address the request arrived at', async () => {
    const { port } = await started();
    const answer = await exchange(port, 'GET / HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toContain(`http://127.0.0.1:${port}/proton/`);
    expect(JSON.stringify(answer.body)).not.toContain('http:///');
  });
});

describe('keys the models allow are addressable through the server', () => {
  it('a string key of 32 emoji (384 characters %-encoded) is created, read, filtered and deleted', async () => {
    const { server } = await started();
    const key = '😀'.repeat(32);
    const base = `${server.url}/proton/net-l3vpn/v1.0/vpnafconfigs`;
    const created = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant_id: 'a868a466bca84df18404a77db0ecac72', vrf_rt_value: key, vrf_rt_type: 'both' }) });
    expect(created.status).toBe(201);
    const url = `${base}/${encodeURIComponent(key)}`;
    expect((await fetch(url)).status).toBe(200);
    const filtered = await fetch(`${base}?vrf_rt_value=${encodeURIComponent(key)}&marker=${encodeURIComponent(key)}`);
    expect(filtered.status).toBe(200);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
  });
});
