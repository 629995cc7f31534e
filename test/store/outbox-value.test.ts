import { describe, expect, it } from 'vitest';
import type { ApiModel } from '../../src/core/model/index.js';
import { objectValue } from '../../src/core/store/index.js';
import { conformanceModels } from './fixtures.js';

describe('objectValue: the JSON an object is mirrored as', () => {
  it('is the object with api_version last, or in the place of an attribute of that name', async () => {
    const api = (await conformanceModels()).find((m) => m.name === 'net-l3vpn') as ApiModel;
    const shapes: Record<string, unknown>[] = [
      {},
      { id: 'a', name: 'quote " and \\', mtu: 1500, up: true, none: null },
      { api_version: 'old', id: 'b' },
      { id: 'c', api_version: null, z: 1 },
    ];
    for (const obj of shapes) expect(objectValue(api, obj)).toBe(JSON.stringify({ ...obj, api_version: api.versionId }));
  });
});
