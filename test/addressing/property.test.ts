import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../src/core/model/index.js';
import { bind, createPort, createVpn, serversOnOneDatabase, type AddressingServer } from './helpers.js';

describe('addresses', () => {
  it('should read back every IPv4 and IPv6 address from its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
        const parsed = parseIp(text);
        expect(parsed).toBeDefined();
        if (parsed === undefined) return;
        expect(parseIp(formatIp(parsed))).toEqual(parsed);
        expect(formatIp(parseIp(formatIp(parsed)) ?? parsed)).toBe(formatIp(parsed));
      }),
    );
  });

  describe('a binding create with any address, prefix and gateway', () => {
    let server: AddressingServer;
    let close: () => Promise<void>;
    let vpn: unknown;
    let ports: string[] = [];
    beforeAll(async () => {
      const started = await serversOnOneDatabase('sqlite', 1);
      server = started.servers[0] as AddressingServer;
      close = started.close;
      vpn = (await createVpn(server.app, { address_pool: '10.9.0.0/24' }))['id'];
      for (let i = 0; i < 60; i++) ports.push(await createPort(server.app));
    }, 120_000);
    afterAll(async () => close());

    it('should answer 201, a 400 naming a field and a rule, or a 409 — never a 500', async () => {
      const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 50 }), fc.constant(undefined));
      const prefix = fc.oneof(fc.integer({ min: -5, max: 140 }), fc.constant(undefined));
      let next = 0;
      await fc.assert(
        fc.asyncProperty(address, prefix, address, async (ipaddress, subnetPrefix, gateway) => {
          const port = ports[next++ % ports.length] as string;
          const body: Record<string, unknown> = {};
          if (ipaddress !== undefined) body['ipaddress'] = ipaddress;
          if (subnetPrefix !== undefined) body['subnet_prefix'] = subnetPrefix;
          if (gateway !== undefined) body['gateway'] = gateway;
          const res = await bind(server.app, port, vpn, body);
          expect([201, 400, 409]).toContain(res.status);
          if (res.status === 400) {
            const detail = (res.json()['details'] as { field: string; rule: string }[])[0];
            expect(detail?.field).toBeTruthy();
            expect(detail?.rule).toBeTruthy();
          }
          if (res.status === 201) ports = ports.filter((p) => p !== port);
        }),
        { numRuns: 60 },
      );
    }, 120_000);
  });
});
