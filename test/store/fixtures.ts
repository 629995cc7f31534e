import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { randomUUID } from 'node:crypto';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';

/** The conformance models (net-l3vpn, test, ietf-sfc), loaded once per test file. */
export async function conformanceModels(): Promise<readonly ApiModel[]> {
  return loadModels(CONFORMANCE_MODELS);
}

/** The object named `name` of `api`. */
export function obj(api: ApiModel, name: string): ObjectModel {
  const found = api.objects.find((o) => o.name === name);
  if (found === undefined) throw new Error(`no object ${name} in ${api.name}`);
  return found;
}

export const TENANT = 'a868a466bca84df18404a77db0ecac72';

/** A valid net-l3vpn port body. */
export function portBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenant_id: TENANT,
    name: `port-${randomUUID().slice(0, 8)}`,
    mac_address: 'c8:2a:14:04:43:80',
    ...PORT_FIELDS,
    ...extra,
  };
}
