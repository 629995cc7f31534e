/**
 * Input that broke the contract (issue 11 §1): deep JSON, lone surrogates, numbers beyond
 * the double range, lengths counted in UTF-16 units by one check and in code points by
 * another, weak validators in If-Match. Each answer is a coded 4xx fault naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { BACKENDS, bundledModelsPath, startServer, type TestServer } from './helpers.js';
import { call } from '../setup/http-call.js';

const models: readonly ApiModel[] = await loadModels(await bundledModelsPath());
const TENANT = 'a868a466bca84df18404a77db0ecac72';
const VPN = '/proton/net-l3vpn/v1.0';
const TEST = '/proton/test/v1.0';

function deep(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe.each(BACKENDS)('hostile input on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(models, {}, backend);
  });
  afterAll(async () => server?.close());

  async function createAf(rt: string): Promise<void> {
    const created = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: rt, vrf_rt_type: 'both' } });
    expect(created.status, created.text).toBe(201);
  }

  describe('deep JSON is refused at parse time with a fault naming the limit', () => {
    const cases: [string, string][] = [
      ['an array at the root', deep(5000)],
      ['an object at the root', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
      ['an array nested in a field', `{"tenant_id":"${TENANT}","name":${deep(5000)}}`],
      ['one level past the limit', `{"name":${deep(32)}}`],
    ];
    for (const [what, body] of cases) {
      for (const method of ['POST', 'PUT'] as const) {
        it(`${what} (${method})`, async () => {
          await createAf('100:9');
          const url = method === 'POST' ? `${VPN}/vpnafconfigs` : `${VPN}/vpnafconfigs/100:9`;
          const response = await call(url, { app: server.app, method, body });
          expect(response.status, response.text).toBe(400);
          expect(response.json()).toMatchObject({
            faultcode: 'Client',
            code: 'GLUON_ERR_JSON_TOO_DEEP',
            faultstring: expect.stringContaining('deeper than 32 levels'),
            details: [{ field: 'body', rule: 'maxDepth', allowed: [32] }],
          });
          await call(`${VPN}/vpnafconfigs/100:9`, { app: server.app, method: 'DELETE' });
        });
      }
    }

    it('a body at the limit is parsed and answered by validation', async () => {
      const response = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: `{"tenant_id":"${TENANT}","vrf_rt_value":"1:1","vrf_rt_type":"both","import_route_policy":${deep(31)}}` });
      expect(response.status, response.text).toBe(400);
      expect(response.json()).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field: 'import_route_policy', rule: 'type' }] });
    });

    it('brackets inside strings do not count', async () => {
      const response = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: '2:2', vrf_rt_type: 'both', import_route_policy: '[{'.repeat(16) } });
      expect(response.status, response.text).toBe(201);
    });
  });

  describe('invalid Unicode is refused, naming the field', () => {
    it('a lone surrogate in a value, a key or a member name', async () => {
      for (const [body, field] of [
        [`{"tenant_id":"${TENANT}","vrf_rt_value":"3:3","vrf_rt_type":"both","import_route_policy":"a\\ud800b"}`, 'import_route_policy'],
        [`{"tenant_id":"${TENANT}","vrf_rt_value":"\\udc00","vrf_rt_type":"both"}`, 'vrf_rt_value'],
        [`{"tenant_id":"${TENANT}","vrf_rt_value":"3:4","vrf_rt_type":"both","\\ud800x":1}`, '\\ud800x'],
      ] as const) {
        const response = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body });
        expect(response.status, response.text).toBe(400);
        const fault = response.json();
        expect(fault).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field, rule: 'unicode' }] });
        expect(String(fault['faultstring'])).toContain('lone UTF-16 surrogate');
      }
      const list = await call(`${VPN}/vpnafconfigs`, { app: server.app });
      const keys = (list.json()['vpnafconfigs'] as Record<string, unknown>[]).map((item) => item['vrf_rt_value']);
      expect(keys).not.toContain('3:3');
      expect(keys).not.toContain('3:4');
      expect(keys.filter((key) => typeof key === 'string' && /[\ud800-\udfff\ufffd]/.test(key) && !/😀/.test(key))).toEqual([]);
    });

    it('a well-formed surrogate pair (an emoji) is kept as sent', async () => {
      const response = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: '5:5', vrf_rt_type: 'both', import_route_policy: 'x😀y' } });
      expect(response.status, response.text).toBe(201);
      expect((await call(`${VPN}/vpnafconfigs/5:5`, { app: server.app })).json()['import_route_policy']).toBe('x😀y');
    });
  });

  it('1e400 is refused as out of range, not as "null"', async () => {
    const response = await call(`${TEST}/tests`, { app: server.app, method: 'POST', body: `{"tenant_id":"${TENANT}","float_num":1e400}` });
    expect(response.status, response.text).toBe(400);
    const fault = response.json();
    expect(fault).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field: 'float_num', rule: 'range' }] });
    expect(String(fault['faultstring'])).toContain('out of range');
    expect(String(fault['faultstring'])).not.toContain('null');
  });

  describe('one length rule: what can be created can be addressed by every route', () => {
    const key = `${'a'.repeat(31)}😀`; // 32 code points, 33 UTF-16 units
    const url = `${VPN}/vpnafconfigs/${encodeURIComponent(key)}`;

    it('GET, PUT, filters, marker and DELETE on a key of max length with an emoji', async () => {
      await createAf(key);
      await createAf('zz:1');
      expect((await call(url, { app: server.app })).status).toBe(200);
      const put = await call(url, { app: server.app, method: 'PUT', body: { vrf_rt_type: 'import_extcommunity' } });
      expect(put.status, put.text).toBe(200);
      const filtered = await call(`${VPN}/vpnafconfigs?vrf_rt_value=${encodeURIComponent(key)}`, { app: server.app });
      expect(filtered.status, filtered.text).toBe(200);
      expect((filtered.json()['vpnafconfigs'] as unknown[]).length).toBe(1);
      const paged = await call(`${VPN}/vpnafconfigs?sort_key=vrf_rt_value&marker=${encodeURIComponent(key)}`, { app: server.app });
      expect(paged.status, paged.text).toBe(200);
      expect(paged.json()['vpnafconfigs']).toEqual([expect.objectContaining({ vrf_rt_value: 'zz:1' })]);
      expect((await call(url, { app: server.app, method: 'DELETE' })).status).toBe(204);
      expect((await call(`${VPN}/vpnafconfigs/zz:1`, { app: server.app, method: 'DELETE' })).status).toBe(204);
    });

    it('a key one code point too long is refused the same way by the body and by the URL', async () => {
      const long = `${'a'.repeat(32)}😀`;
      const body = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: long, vrf_rt_type: 'both' } });
      expect(body.json()).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field: 'vrf_rt_value', rule: 'maxLength' }] });
      const get = await call(`${VPN}/vpnafconfigs/${encodeURIComponent(long)}`, { app: server.app });
      expect(get.json()).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field: 'key', rule: 'maxLength' }] });
    });

    // a client resolves `/vpnafconfigs/.` to the collection before sending it: such a key could never be addressed
    it.each(['', '.', '..'])('a string key %j is refused: it is not one URL path segment', async (rt) => {
      const created = await call(`${VPN}/vpnafconfigs`, { app: server.app, method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: rt, vrf_rt_type: 'both' } });
      expect(created.status, created.text).toBe(400);
      expect(created.json()).toMatchObject({
        code: 'GLUON_ERR_VALIDATION',
        details: [{ field: 'vrf_rt_value', rule: 'keySegment', value: rt }],
      });
      const list = await call(`${VPN}/vpnafconfigs?vrf_rt_value=${encodeURIComponent(rt)}`, { app: server.app });
      expect(list.json()['vpnafconfigs']).toEqual([]);
    });

    it('a key holding dots or slashes among other characters is addressable', async () => {
      for (const rt of ['...', '.a', 'a/b', '%2e']) {
        await createAf(rt);
        const url = `${VPN}/vpnafconfigs/${encodeURIComponent(rt)}`;
        const got = await call(url, { app: server.app });
        expect(got.json(), rt).toMatchObject({ vrf_rt_value: rt });
        expect((await call(url, { app: server.app, method: 'DELETE' })).status, rt).toBe(204);
      }
    });
  });

  describe('If-Match uses the strong comparison', () => {
    it('a weak validator is refused; the strong one applies', async () => {
      await createAf('7:7');
      const weak = await call(`${VPN}/vpnafconfigs/7:7`, { app: server.app, method: 'PUT', body: { vrf_rt_type: 'both' }, headers: { 'if-match': 'W/"revision_number=1"' } });
      expect(weak.status, weak.text).toBe(400);
      expect(weak.json()).toMatchObject({ code: 'GLUON_ERR_BAD_PRECONDITION', details: [{ field: 'If-Match', rule: 'strong' }] });
      const weakDelete = await call(`${VPN}/vpnafconfigs/7:7`, { app: server.app, method: 'DELETE', headers: { 'if-match': 'W/"revision_number=1"' } });
      expect(weakDelete.status).toBe(400);
      const strong = await call(`${VPN}/vpnafconfigs/7:7`, { app: server.app, method: 'PUT', body: { vrf_rt_type: 'both' }, headers: { 'if-match': '"revision_number=1"' } });
      expect(strong.status, strong.text).toBe(200);
    });
  });
});
