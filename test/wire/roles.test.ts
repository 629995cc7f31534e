import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ELECTION } from '../../src/core/sync/index.js';
import {
  SERVER_LEADER_PREFIX,
  controllerKey,
  etcdRolePlan,
  objectKey,
  portRegistryKey,
  shimElectionName,
  type EtcdRole,
} from '../../src/core/wire/index.js';

/** Whether `role` may write the full key `key`. */
function mayWrite(role: EtcdRole, key: string): boolean {
  return role.permissions.some((p) => p.type !== 'read' && (p.exact === true ? key === p.prefix : key.startsWith(p.prefix)));
}

const apiName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const id = fc.stringMatching(/^[A-Za-z0-9-]{1,36}$/);
const deployment = fc.constantFrom('', '/site-a', '/site-b', '/region/one');

describe('etcdRolePlan', () => {
  it("keeps the servers' election under the leader prefix the server role may write", () => {
    expect(DEFAULT_ELECTION.startsWith(SERVER_LEADER_PREFIX)).toBe(true);
  });

  it("lets a shim write its API's results and election only, never objects, registrations, another API's or another deployment's keys", () => {
    fc.assert(
      fc.property(deployment, apiName, apiName, id, (prefix, api, other, portId) => {
        fc.pre(api !== other && !other.startsWith(api) && !api.startsWith(other));
        const roles = etcdRolePlan({ prefix, apis: [api, other] });
        const shim = roles.find((r) => r.name.endsWith(`-shim-${api}`));
        if (shim === undefined) throw new Error('no shim role');
        expect(mayWrite(shim, `${prefix}${controllerKey(api, portId)}`)).toBe(true);
        expect(mayWrite(shim, `${prefix}${shimElectionName(api, 'odl')}/1234`)).toBe(true);
        expect(mayWrite(shim, `${prefix}${objectKey(api, 'Port', portId)}`)).toBe(false);
        expect(mayWrite(shim, `${prefix}${portRegistryKey(portId)}`)).toBe(false);
        expect(mayWrite(shim, `${prefix}${controllerKey(other, portId)}`)).toBe(false);
        expect(mayWrite(shim, `/elsewhere${controllerKey(api, portId)}`)).toBe(false);
      }),
    );
  });

  it('lets the server write its objects, registrations and leader keys, and the arbiter nothing', () => {
    fc.assert(
      fc.property(deployment, apiName, id, (prefix, api, portId) => {
        const [server, arbiter] = etcdRolePlan({ prefix, apis: [api] });
        if (server === undefined || arbiter === undefined) throw new Error('missing roles');
        for (const key of [objectKey(api, 'Port', portId), portRegistryKey(portId), `${DEFAULT_ELECTION}/1`]) {
          expect(mayWrite(server, `${prefix}${key}`)).toBe(true);
          expect(mayWrite(arbiter, `${prefix}${key}`)).toBe(false);
        }
        expect(arbiter.permissions.every((p) => p.type === 'read')).toBe(true);
      }),
    );
  });

  it('names the roles after the deployment, so two deployments on one etcd do not share them', () => {
    expect(etcdRolePlan({ prefix: '/site-a', apis: ['net-l3vpn'] }).map((r) => r.name)).toEqual(['gluon-site-a-server', 'gluon-site-a-arbiter', 'gluon-site-a-shim-net-l3vpn']);
    expect(etcdRolePlan({ prefix: '', apis: [] }).map((r) => r.name)).toEqual(['gluon-server', 'gluon-arbiter']);
  });
});
