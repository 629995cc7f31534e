import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GluonError } from '../../src/core/errors/index.js';
import { HttpClient, type TransportFailure } from '../../src/core/http-client/index.js';

/** A server that drops the connection of every request whose path starts with `/drop-first` the first time that path is seen. */
let server: Server;
let base: string;
const seen = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const count = (seen.get(req.url ?? '') ?? 0) + 1;
    seen.set(req.url ?? '', count);
    if (req.url?.startsWith('/drop-first') === true && count === 1) {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, count }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const failures: TransportFailure[] = [];
const client = (): HttpClient =>
  new HttpClient({
    retryMethods: ['GET', 'PUT'],
    unreachable: (failure) => {
      failures.push(failure);
      return new GluonError('GLUON_ERR_DRIVER_UNREACHABLE', `unreachable: ${failure.reason}`, { cause: failure.cause });
    },
  });

describe('HttpClient (the one HTTP client)', () => {
  it.each(['GET', 'PUT'])('sends an idempotent %s again, once, when its connection broke before any answer', async (method) => {
    const http = client();
    try {
      const answer = await http.sendJson({ method, url: `${base}/drop-first/${method}`, json: method === 'PUT' ? { a: 1 } : undefined });
      expect(answer).toMatchObject({ status: 200, isJson: true, body: { method, count: 2 } });
      expect(http.retryCount).toBe(1);
      expect(http.requestCount).toBe(2);
    } finally {
      await http.close();
    }
  });

  it('never sends a method outside retryMethods twice: the broken connection is the caller\'s coded error', async () => {
    const http = client();
    try {
      await expect(http.sendJson({ method: 'POST', url: `${base}/drop-first/POST`, json: {} })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE' });
      expect(seen.get('/drop-first/POST')).toBe(1);
      expect(http.retryCount).toBe(0);
      expect(failures.at(-1)).toMatchObject({ method: 'POST', code: expect.any(String) as string });
    } finally {
      await http.close();
    }
  });

  it('maps a refused connection through unreachable(), naming the code', async () => {
    const http = client();
    try {
      await expect(http.send({ method: 'GET', url: 'http://127.0.0.1:1/x' })).rejects.toBeInstanceOf(GluonError);
      expect(failures.at(-1)).toMatchObject({ method: 'GET', code: 'ECONNREFUSED', timedOut: false });
      expect(failures.at(-1)?.url.href).toBe('http://127.0.0.1:1/x');
    } finally {
      await http.close();
    }
  });

  it('returns the whole answer: status and body bytes', async () => {
    const http = client();
    try {
      const answer = await http.send({ method: 'GET', url: `${base}/plain` });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ url: '/plain' });
    } finally {
      await http.close();
    }
  });

  it('streams an answer as it arrives, and never sends a stream twice (its reader resumes by itself)', async () => {
    const http = client();
    try {
      const answer = await http.stream({ method: 'GET', url: `${base}/streamed` });
      expect(answer.status).toBe(200);
      let text = '';
      for await (const chunk of answer.body) text += chunk;
      expect(JSON.parse(text)).toMatchObject({ url: '/streamed' });
      await expect(http.stream({ method: 'GET', url: `${base}/drop-first/stream` })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE' });
      expect(seen.get('/drop-first/stream')).toBe(1);
      expect(http.retryCount).toBe(0);
    } finally {
      await http.close();
    }
  });
});
