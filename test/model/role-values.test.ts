import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTERFACE, defaultInterfaceValues } from '../../src/core/model/index.js';
import { attr, iface } from '../projections/fixtures.js';

const PORT_ID = '0b6c1e1a-3f4d-4c59-9a53-5a1d2f3b4c5d';
const TENANT = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

describe('the default interface the model gives a port', () => {
  it('shares the port id, owner and name (with the suffix) and is not segmented', () => {
    const values = defaultInterfaceValues(iface, { id: PORT_ID, values: { tenant_id: TENANT, name: 'web' } });
    expect(values).toEqual({ id: PORT_ID, port_id: PORT_ID, tenant_id: TENANT, name: 'web_default', segmentation_type: 'none', segmentation_id: 0 });
  });

  it('names the interface of an unnamed port "default" and leaves a missing owner null', () => {
    const values = defaultInterfaceValues(iface, { id: PORT_ID, values: {} });
    expect(values).toMatchObject({ name: DEFAULT_INTERFACE.unnamed, tenant_id: null });
  });

  it('stores no segmentation type its enum does not allow', () => {
    const segmented = { ...iface, attributes: iface.attributes.map((a) => (a.name === 'segmentation_type' ? attr('segmentation_type', 'enum', { values: ['vlan'] }) : a)) };
    expect(defaultInterfaceValues(segmented, { id: PORT_ID, values: { name: 'web' } })['segmentation_type']).toBeNull();
  });

  it('cuts the name to the name attribute\'s length, keeping the port name\'s start', () => {
    const max = iface.attributes.find((a) => a.name === 'name')?.length ?? 0;
    fc.assert(
      fc.property(fc.string({ maxLength: 2 * max }), (portName) => {
        const name = String(defaultInterfaceValues(iface, { id: PORT_ID, values: { name: portName } })['name']);
        expect(name.length).toBeLessThanOrEqual(max);
        expect(`${portName}${DEFAULT_INTERFACE.nameSuffix}`.startsWith(name)).toBe(true);
      }),
    );
  });
});
