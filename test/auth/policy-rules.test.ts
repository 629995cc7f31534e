/**
 * The effective rules generated from the bundled models and the access guard's
 * decisions (pure: no HTTP). The default-rules table of docs/security.md is checked
 * against the engine here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessGuard, PolicyEngine, parsePolicyFile, policyRuleName, type Identity } from '../../src/core/auth/index.js';
import { POLICY_ACTIONS, loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));
const SECURITY_DOC = fileURLToPath(new URL('../../docs/security.md', import.meta.url));

let apis: ApiModel[];
let l3: ApiModel;
let port: ObjectModel;
let guard: AccessGuard;

const who = (projectId: string, roles: string[]): Identity => ({ userId: `u-${projectId}`, projectId, roles, authStrategy: 'noauth' });
const admin = who('admin-project', ['admin', 'member', 'reader']);
const owner = who('p1', ['member', 'reader']);
const other = who('p2', ['member', 'reader']);
const reader = who('p1', ['reader']);
const service = who('service', ['service']);

beforeAll(async () => {
  apis = [...(await loadModels([MODELS]))];
  l3 = apis.find((a) => a.name === 'net-l3vpn') as ApiModel;
  port = l3.objects.find((o) => o.name === 'Port') as ObjectModel;
  guard = new AccessGuard(PolicyEngine.create({ models: apis }));
});

describe('generated rule names', () => {
  it('names every rule <api>:<action>_<plural>, the same name the enforcement checks', () => {
    const engine = PolicyEngine.create({ models: apis });
    const names = new Set(engine.list().map((r) => r.name));
    for (const api of apis) {
      for (const object of api.objects) {
        for (const action of POLICY_ACTIONS) expect(names, `${api.name} ${object.name} ${action}`).toContain(`${api.name}:${action}_${object.api.plural}`);
      }
    }
    expect(names).toContain('net-l3vpn:list_vpns');
    expect(names).toContain('net-l3vpn:update_ports:host_id');
    expect(names).not.toContain('net-l3vpn:list_vpnservices');
  });

  it('flags policy-file names no model uses (the original generated names it never checked)', () => {
    const engine = PolicyEngine.create({ models: apis, overrides: parsePolicyFile('"net-l3vpn:list_vpnservices": "@"\n"net-l3vpn:list_vpns": "@"\n', 'p.yaml') });
    expect(engine.unknownOverrides).toEqual(['net-l3vpn:list_vpnservices']);
  });

  it('docs/security.md lists exactly the effective default rules of net-l3vpn', () => {
    const engine = PolicyEngine.create({ models: apis });
    const doc = readFileSync(SECURITY_DOC, 'utf8');
    const rows = new Set([...doc.matchAll(/^\| `([^`]+)` \| `([^`]*)` \| (\w+) \|$/gm)].map((m) => `${m[1]}|${m[2]}|${m[3]}`));
    const expected = engine
      .list()
      .filter((r) => r.source === 'base' || r.name.startsWith('net-l3vpn:'))
      .map((r) => `${r.name}|${r.check}|${r.source}`);
    expect([...rows].sort()).toEqual(expected.sort());
  });
});

describe('access guard on net-l3vpn ports', () => {
  const stored = { id: 'x', tenant_id: 'p1', host_id: null, device_id: null };

  it('create: admin anywhere, a member in its own project only, never a reader', () => {
    expect(() => guard.authorizeCreate(admin, { api: l3, object: port }, { tenant_id: 'p9' })).not.toThrow();
    expect(() => guard.authorizeCreate(owner, { api: l3, object: port }, { tenant_id: 'p1' })).not.toThrow();
    expect(() => guard.authorizeCreate(owner, { api: l3, object: port }, { tenant_id: 'p2' })).toThrow(expect.objectContaining({ code: 'GLUON_ERR_AUTH_FORBIDDEN', status: 403, message: expect.stringContaining('net-l3vpn:create_ports') }));
    expect(() => guard.authorizeCreate(reader, { api: l3, object: port }, { tenant_id: 'p1' })).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('get/update/delete against the stored object: 404 for other projects, 403 for a reader writing', () => {
    expect(() => guard.authorizeStored(owner, { api: l3, object: port }, { action: 'get', stored: stored, key: 'x' })).not.toThrow();
    expect(() => guard.authorizeStored(reader, { api: l3, object: port }, { action: 'get', stored: stored, key: 'x' })).not.toThrow();
    for (const action of ['get', 'update', 'delete'] as const) {
      expect(() => guard.authorizeStored(other, { api: l3, object: port }, { action: action, stored: stored, key: 'x', patch: {} })).toThrow(expect.objectContaining({ code: 'GLUON_ERR_NOT_FOUND', status: 404 }));
    }
    expect(() => guard.authorizeStored(reader, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { name: 'n' } })).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => guard.authorizeStored(reader, { api: l3, object: port }, { action: 'delete', stored: stored, key: 'x' })).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('a member cannot move its object to another project; an admin can', () => {
    expect(() => guard.authorizeStored(owner, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { tenant_id: 'p2' } })).toThrow(
      expect.objectContaining({ status: 403, message: expect.stringContaining('moving the object to tenant_id p2') }),
    );
    expect(() => guard.authorizeStored(owner, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { tenant_id: 'p1', name: 'same' } })).not.toThrow();
    expect(() => guard.authorizeStored(admin, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { tenant_id: 'p2' } })).not.toThrow();
  });

  it('only admins and services set binding fields (host_id, vif_*), on create and update', () => {
    expect(() => guard.authorizeStored(owner, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { host_id: 'compute-1' } })).toThrow(
      expect.objectContaining({ status: 403, message: expect.stringContaining('net-l3vpn:update_ports:host_id') }),
    );
    expect(() => guard.authorizeStored(owner, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { host_id: null, device_id: 'vm-1' } })).not.toThrow();
    expect(() => guard.authorizeCreate(owner, { api: l3, object: port }, { tenant_id: 'p1', vif_type: 'ovs' })).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => guard.authorizeStored(admin, { api: l3, object: port }, { action: 'update', stored: stored, key: 'x', patch: { host_id: 'compute-1' } })).not.toThrow();
    const serviceStored = { ...stored, tenant_id: 'service' };
    expect(() => guard.authorizeStored(service, { api: l3, object: port }, { action: 'update', stored: serviceStored, key: 'x', patch: { host_id: 'compute-1' } })).not.toThrow();
  });

  it('list: admins see everything; with the bundled rule:admin members are refused; with admin_or_owner they see their project', () => {
    expect(guard.listScope(admin, { api: l3, object: port })).toEqual({ all: true });
    expect(() => guard.listScope(owner, { api: l3, object: port })).toThrow(expect.objectContaining({ status: 403, message: expect.stringContaining('net-l3vpn:list_ports') }));
    const open = new AccessGuard(PolicyEngine.create({ models: apis, overrides: { [policyRuleName(l3, port, 'list')]: 'rule:admin_or_owner' } }));
    expect(open.listScope(owner, { api: l3, object: port })).toEqual({ all: false, tenantId: 'p1' });
    expect(open.listScope(admin, { api: l3, object: port })).toEqual({ all: true });
  });
});
