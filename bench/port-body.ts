import { randomUUID } from 'node:crypto';
import { PORT_FIELDS } from '../test/fixtures/port-fields.js';

/** The tenant every benchmark port belongs to. */
export const BENCH_TENANT = '8d2b7a6e-3c1f-4e55-9a0b-5f6d7c8e9a01';

/**
 * A MAC address derived from a counter (`02:…` = locally administered), unique for
 * the first 2^40 values.
 */
export function macFor(n: number): string {
  const hex = n.toString(16).padStart(10, '0').slice(-10);
  const pairs = hex.match(/../g) ?? [];
  return ['02', ...pairs].join(':');
}

/**
 * A valid net-l3vpn Port create body with its own id and MAC address: every required
 * attribute of BasePort plus a name and a JSON profile.
 */
export function portBody(n: number, id: string = randomUUID()): Record<string, unknown> {
  return {
    id,
    tenant_id: BENCH_TENANT,
    name: `bench-port-${n}`,
    mac_address: macFor(n),
    ...PORT_FIELDS,
    profile: '{"bench":true}',
  };
}
