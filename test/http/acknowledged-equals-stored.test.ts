/**
 * Acknowledged = stored = mirrored (issue 11 §1.2): for any body the API accepts, what
 * the 201 (and a later 200 to a PUT) shows is what a GET returns and what etcd holds —
 * on SQLite and on MariaDB, with strings drawn from all of Unicode, lone surrogates
 * included. A body the API refuses leaves nothing behind.
 */
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request } from 'undici';
import { createEtcdStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { objectKey } from '../../src/core/wire/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { waitFor } from '../setup/wait-for.js';
import { BACKENDS, freshDatabase } from './helpers.js';

const TENANT = 'a868a466bca84df18404a77db0ecac72';
const AF = '/proton/net-l3vpn/v1.0/vpnafconfigs';
const TESTS = '/proton/test/v1.0/tests';

/** Keys a client cannot put in a URL path (it resolves them as dot segments, or they are empty). */
const DOT_SEGMENTS: readonly string[] = ['', '.', '..'];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function send(base: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<Answer> {
  const res = await request(`${base}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
  const text = await res.body.text();
  return { status: res.statusCode, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Any string (every code point, lone surrogates included) of at most `max` UTF-16 units. */
function anyText(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: max }),
    fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: max }),
    fc.string({ unit: 'grapheme', maxLength: max }),
  );
}

const afBody = fc.record({
  // '', '.' and '..' are drawn often: a client resolves them as dot segments, so they are refused
  vrf_rt_value: fc.oneof(anyText(34), fc.constantFrom(...DOT_SEGMENTS)),
  vrf_rt_type: fc.constantFrom('export_extcommunity', 'import_extcommunity', 'both'),
  import_route_policy: anyText(34),
  export_route_policy: fc.option(anyText(34), { nil: null }),
});

const testBody = fc.record({
  name: anyText(70),
  description: anyText(40),
  float_num: fc.oneof(fc.double(), fc.constantFrom('1e400', '-1e400', '1e-400', '0.1', '-0')),
  int_num: fc.integer({ min: -2, max: 12 }),
  enum: fc.constantFrom('one', 'two', 'three'),
});

/** The JSON text of a body; numbers given as text are written raw (1e400). */
function jsonText(body: Record<string, unknown>): string {
  const raw: Record<string, string> = {};
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'float_num' && typeof value === 'string') raw[key] = value;
    else plain[key] = value;
  }
  const text = JSON.stringify({ tenant_id: TENANT, ...plain });
  const extra = Object.entries(raw).map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('');
  return `${text.slice(0, -1)}${extra}}`;
}

describe.each(BACKENDS)('acknowledged = GET = etcd on %s', (backend) => {
  let server: ProtonServer;
  let base: string;
  let etcd: KeyValueStore;
  let drop: () => Promise<void>;
  const prefix = `/ack-${Math.random().toString(36).slice(2, 10)}`;

  beforeAll(async () => {
    const db = await freshDatabase(backend);
    drop = db.drop;
    const endpoint = inject('etcdEndpoint');
    server = await createProtonServer({ db: db.url, port: 0, etcd: endpoint, etcdPrefix: prefix, logger: { level: 'silent' }, inProcessShim: false });
    base = await server.listen();
    etcd = createEtcdStore({ hosts: endpoint, prefix });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await etcd?.close();
    await drop?.();
  });

  async function mirrored(api: string, object: string, key: string, expected: Record<string, unknown>): Promise<void> {
    let last: unknown;
    await waitFor(`etcd value of ${object}/${key}`, async () => {
      const kv = await etcd.get(objectKey(api, object, key));
      last = kv === undefined ? undefined : JSON.parse(kv.value);
      return (last as Record<string, unknown> | undefined)?.['revision_number'] === expected['revision_number'];
    }, 20_000);
    // etcd holds the object as the API answers it, plus the storage version it is written in
    expect(last).toEqual({ ...expected, api_version: 'v1.0' });
  }

  async function checkAccepted(api: string, object: string, path: string, key: string, answer: Answer): Promise<void> {
    const got = await send(base, 'GET', `${path}/${encodeURIComponent(key)}`);
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body).toEqual(answer.body);
    await mirrored(api, object, key, answer.body);
  }

  function checkRefused(answer: Answer): void {
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    const details = answer.body['details'] as { field?: unknown }[];
    expect(details.length).toBeGreaterThan(0);
    for (const detail of details) expect(typeof detail.field).toBe('string');
  }

  it('string keys and values from all of Unicode (net-l3vpn VpnAfConfig), create then update', async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(afBody, anyText(34), async (body, newPolicy) => {
        const created = await send(base, 'POST', AF, jsonText(body));
        if (created.status === 409) return; // the same key drawn twice
        if (created.status !== 201) {
          seen.refused++;
          checkRefused(created);
          if (!LONE_SURROGATE.test(body.vrf_rt_value) && !DOT_SEGMENTS.includes(body.vrf_rt_value)) {
            const got = await send(base, 'GET', `${AF}/${encodeURIComponent(body.vrf_rt_value)}`);
            expect([400, 404], JSON.stringify(got.body)).toContain(got.status);
          }
          return;
        }
        seen.accepted++;
        const key = String(created.body['vrf_rt_value']);
        expect(key).toBe(body.vrf_rt_value);
        await checkAccepted('net-l3vpn', 'VpnAfConfig', AF, key, created);
        const updated = await send(base, 'PUT', `${AF}/${encodeURIComponent(key)}`, JSON.stringify({ import_route_policy: newPolicy }));
        if (updated.status !== 200) {
          checkRefused(updated);
          return;
        }
        expect(updated.body['import_route_policy']).toBe(newPolicy);
        await checkAccepted('net-l3vpn', 'VpnAfConfig', AF, key, updated);
      }),
      { numRuns: 80 },
    );
    // both sides of the rule were exercised
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 240_000);

  it('numbers, integers and strings (test TestService)', async () => {
    await fc.assert(
      fc.asyncProperty(testBody, async (body) => {
        const created = await send(base, 'POST', TESTS, jsonText(body));
        if (created.status !== 201) {
          checkRefused(created);
          return;
        }
        await checkAccepted('test', 'TestService', TESTS, String(created.body['id']), created);
      }),
      { numRuns: 60 },
    );
  }, 240_000);
});

