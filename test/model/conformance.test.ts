import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject, findObjectByPlural, getAttribute, loadModels, type ApiModel } from '../../src/core/model/index.js';
import { ModelError } from '../../src/core/errors/index.js';

const ROOT = CONFORMANCE_MODELS;

function api(models: readonly ApiModel[], name: string): ApiModel {
  const found = models.find((m) => m.name === name);
  if (!found) throw new Error(`no API ${name}`);
  return found;
}

describe('the original models load unchanged', () => {
  let models: readonly ApiModel[];
  beforeAll(async () => {
    models = await loadModels(ROOT);
  });

  it('finds the three services and not base', () => {
    expect(models.map((m) => m.name).sort()).toEqual(['ietf-sfc', 'net-l3vpn', 'test']);
    for (const m of models) {
      expect(m.version).toBe('1.0');
      expect(m.versionId).toBe('v1.0');
      expect(m.files.some((f) => f.endsWith('base/base.yaml'))).toBe(true);
    }
  });

  it('net-l3vpn has its 7 API objects with the primary keys and roles of the original', () => {
    const l3 = api(models, 'net-l3vpn');
    expect(l3.objects.map((o) => [o.name, o.primaryKey, o.role, o.api.plural])).toEqual([
      ['Port', 'id', 'port', 'ports'],
      ['Interface', 'id', 'interface', 'interfaces'],
      ['VpnService', 'id', 'service', 'vpns'],
      ['VpnBinding', 'interface_id', 'service-binding', 'vpnbindings'],
      ['VpnAfConfig', 'vrf_rt_value', 'plain', 'vpnafconfigs'],
      ['BGPPeering', 'id', 'plain', 'bgppeerings'],
      ['DataplaneTunnel', 'id', 'plain', 'dataplanetunnels'],
    ]);
    const port = findObject(l3, 'Port');
    expect(port?.attributes.map((a) => a.name)).toEqual([
      'id', 'tenant_id', 'name', 'mac_address', 'admin_state_up', 'status', 'vnic_type', 'mtu',
      'vlan_transparency', 'profile', 'device_id', 'device_owner', 'host_id', 'vif_details', 'vif_type',
    ]);
    expect(port?.extendsChain).toEqual(['BasePort', 'BaseObject']);
    expect(port?.policies).toEqual({
      create: 'rule:admin_or_owner', delete: 'rule:admin_or_owner', list: 'rule:admin', get: 'rule:admin_or_owner', update: 'rule:admin_or_owner',
    });
  });

  it('merges inherited attributes property by property and resolves references to the target key', () => {
    const l3 = api(models, 'net-l3vpn');
    const iface = findObjectByPlural(l3, 'interfaces');
    expect(iface?.api).toEqual({ name: 'interface', plural: 'interfaces', parent: 'Port', parentKey: 'port_id' });
    const portId = iface && getAttribute(iface, 'port_id');
    expect(portId).toMatchObject({ type: 'uuid', reference: 'Port', required: true, length: 36, description: 'Pointer to Port instance' });
    const binding = findObject(l3, 'VpnBinding');
    expect(binding && getAttribute(binding, 'interface_id')).toMatchObject({ type: 'uuid', reference: 'Interface', primary: true, required: true });
    expect(binding && getAttribute(binding, 'service_id')).toMatchObject({ type: 'uuid', reference: 'VpnService' });
    expect(binding && getAttribute(binding, 'subnet_prefix')).toMatchObject({ type: 'integer', format: 'int32', min: 1, max: 31 });
    const bgp = findObject(l3, 'BGPPeering');
    expect(bgp && getAttribute(bgp, 'as_number')).toMatchObject({ format: 'int32', min: -2147483648, max: 2147483647 });
    const vpn = findObject(l3, 'VpnService');
    expect(vpn && getAttribute(vpn, 'name')).toMatchObject({ type: 'string', length: 64 });
    expect(getAttribute(findObject(l3, 'Port') ?? vpn!, 'status')).toMatchObject({ type: 'enum', values: ['ACTIVE', 'DOWN'] });
    expect(findObject(l3, 'Nope')).toBeUndefined();
    expect(findObjectByPlural(l3, 'nopes')).toBeUndefined();
  });

  it("keeps ietf-sfc's tenant_id override on ServiceFunctionPath only", () => {
    const sfc = api(models, 'ietf-sfc');
    for (const object of sfc.objects) {
      const tenant = getAttribute(object, 'tenant_id');
      if (object.name === 'ServiceFunctionPath') {
        expect(tenant).toMatchObject({ type: 'string', length: 64, required: true, description: 'This SFP was created for a specific tenant-id' });
      } else {
        expect(tenant, object.name).toMatchObject({ type: 'uuid', length: 36 });
      }
    }
    // And the other APIs compiled from the same base.yaml are untouched.
    expect(getAttribute(findObject(api(models, 'test'), 'Port')!, 'tenant_id')?.type).toBe('uuid');
  });

  it('treats extra `primary: true` attributes as a required unique natural key', () => {
    const sfc = api(models, 'ietf-sfc');
    const sffSf = findObject(sfc, 'SffSfBinding')!;
    expect(sffSf.primaryKey).toBe('id');
    expect(sffSf.naturalKey).toEqual(['sff_dpl_name', 'sf_dpl_name']);
    expect(getAttribute(sffSf, 'sf_dpl_name')).toMatchObject({ primary: false, naturalKey: true, required: true });
    expect(sffSf.attributes.filter((a) => a.primary).map((a) => a.name)).toEqual(['id']);
    expect(findObject(sfc, 'SclSffBinding')?.naturalKey).toEqual(['sff_name', 'scl_name']);
    expect(findObject(sfc, 'SffDataPlaneLocator')?.api.plural).toBe('sffdataplanelocator');
  });

  it('test model: TestService formats and TestBinding names', () => {
    const t = api(models, 'test');
    const svc = findObject(t, 'TestService')!;
    expect(['email', 'uri', 'datetime', 'json'].map((n) => getAttribute(svc, n)?.format)).toEqual(['email', 'uri', 'date-time', 'json']);
    expect(getAttribute(svc, 'float_num')?.type).toBe('number');
    expect(findObject(t, 'TestBinding')?.api).toEqual({ name: 'TestBinding', plural: 'TestBindings' });
  });

  it('returns deeply frozen models', () => {
    const l3 = api(models, 'net-l3vpn');
    expect(Object.isFrozen(models)).toBe(true);
    expect(Object.isFrozen(l3.objects[0]?.attributes[0])).toBe(true);
    expect(() => {
      (l3.objects as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });
});

describe('other layouts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-model-'));
    await copyFile(join(ROOT, 'base/base.yaml'), join(dir, 'base.yaml'));
    const l3 = await readFile(join(ROOT, 'net-l3vpn/api.yaml'), 'utf8');
    await writeFile(join(dir, 'net-l3vpn.yaml'), l3.replace('imports: base/base.yaml', 'imports: base.yaml'));
    const t = await readFile(join(ROOT, 'test/api.yaml'), 'utf8');
    await writeFile(join(dir, 'test.yaml'), t.replace('imports: base/base.yaml', 'imports: base.yaml'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a flat directory whose files import a sibling', async () => {
    const models = await loadModels(dir);
    expect(models.map((m) => m.name)).toEqual(['net-l3vpn', 'test']);
    expect(api(models, 'net-l3vpn').objects).toHaveLength(7);
  });

  it('loads explicit files (imports relative to the models root or the file)', async () => {
    const models = await loadModels([join(ROOT, 'net-l3vpn/api.yaml'), join(dir, 'test.yaml')]);
    expect(models.map((m) => m.name)).toEqual(['net-l3vpn', 'test']);
  });

  it('reports an unreadable path and a directory without models', async () => {
    const err = await loadModels([join(dir, 'missing.yaml'), join(dir, 'nothing-here')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).issues.map((i) => i.code)).toEqual(['GLUON_ERR_MODEL_FILE_UNREADABLE', 'GLUON_ERR_MODEL_FILE_UNREADABLE']);
    const empty = await mkdtemp(join(tmpdir(), 'gluon-empty-'));
    const err2 = await loadModels(empty).catch((e: unknown) => e);
    expect((err2 as ModelError).issues[0]?.message).toMatch(/no model files/);
    await rm(empty, { recursive: true });
  });

  it('reports two files defining the same API version', async () => {
    const err = await loadModels([join(dir, 'test.yaml'), join(ROOT, 'test/api.yaml')]).catch((e: unknown) => e);
    expect((err as ModelError).issues).toEqual([
      expect.objectContaining({ code: 'GLUON_ERR_MODEL_DUPLICATE', file: join(ROOT, 'test/api.yaml'), line: 4, column: 9, path: 'info.name' }),
    ]);
  });
});
