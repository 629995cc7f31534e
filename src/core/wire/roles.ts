import { PORT_REGISTRY_PREFIX, SERVER_LEADER_PREFIX, controllerPrefix, protonPrefix, shimElectionPrefix } from './keys.js';

/** What a role may do with the keys of one prefix (etcd's permission types). */
export type EtcdPermissionType = 'read' | 'write' | 'readwrite';

/** One permission of a role: a type on every key starting with `prefix` (the deployment prefix included), or on that one key when `exact`. */
export interface EtcdPermission {
  readonly type: EtcdPermissionType;
  readonly prefix: string;
  /** Only the key `prefix` itself. */
  readonly exact?: boolean;
  /** Why the role needs it, for the printed plan. */
  readonly why: string;
}

/** One etcd role and the user of the same name that holds it. */
export interface EtcdRole {
  /** Role and user name, e.g. `gluon-shim-net-l3vpn` (with a deployment prefix `/site-a`: `gluon-site-a-shim-net-l3vpn`). */
  readonly name: string;
  /** The component that connects as this user. */
  readonly component: 'server' | 'shim' | 'arbiter';
  /** For a shim's role: its API. */
  readonly api?: string;
  readonly permissions: readonly EtcdPermission[];
}

/** Options of {@link etcdRolePlan}. */
export interface EtcdRolePlanOptions {
  /** The deployment's `etcdPrefix` (`''` or `/name`). */
  readonly prefix: string;
  /** The APIs whose shims get a role each (e.g. `net-l3vpn`). */
  readonly apis: readonly string[];
}

/** The name stem of a deployment's roles: `gluon`, or `gluon-site-a` for prefix `/site-a`. */
function nameStem(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p.length > 0);
  return ['gluon', ...parts].join('-');
}

/**
 * The least-privilege roles of one deployment, from the key layout: the Proton server
 * writes its objects, port registrations, leader keys and resets stale bind results (a
 * retried bind), and reads the deployment's keys; each shim reads its API's objects and
 * writes only its API's bind results and elections; the arbiter only reads the port
 * registrations. No role reaches another deployment's prefix.
 *
 * @example
 * ```ts
 * etcdRolePlan({ prefix: '/site-a', apis: ['net-l3vpn'] }).map((r) => r.name);
 * // ['gluon-site-a-server', 'gluon-site-a-arbiter', 'gluon-site-a-shim-net-l3vpn']
 * ```
 */
export function etcdRolePlan(options: EtcdRolePlanOptions): EtcdRole[] {
  const p = options.prefix;
  const stem = nameStem(p);
  // every etcd client reads this one key (which no one writes) to learn revisions and compaction
  const probe: EtcdPermission = { type: 'read', prefix: p === '' ? '/' : p, exact: true, why: 'the revision probe (a key no one writes)' };
  const server: EtcdRole = {
    name: `${stem}-server`,
    component: 'server',
    permissions: [
      probe,
      { type: 'read', prefix: `${p}/`, why: "the deployment's keys: bind results, shims' elections (the live view)" },
      { type: 'readwrite', prefix: `${p}/proton/`, why: 'the objects it mirrors' },
      { type: 'readwrite', prefix: `${p}${PORT_REGISTRY_PREFIX}`, why: 'port registrations' },
      { type: 'readwrite', prefix: `${p}${SERVER_LEADER_PREFIX}`, why: 'the outbox publisher election' },
      { type: 'readwrite', prefix: `${p}/controller/`, why: 'resetting a stale bind result before a retried bind' },
    ],
  };
  const arbiter: EtcdRole = {
    name: `${stem}-arbiter`,
    component: 'arbiter',
    permissions: [probe, { type: 'read', prefix: `${p}${PORT_REGISTRY_PREFIX}`, why: 'which ports are Gluon ports, and their service' }],
  };
  const shims = options.apis.map(
    (api): EtcdRole => ({
      name: `${stem}-shim-${api}`,
      component: 'shim',
      api,
      permissions: [
        probe,
        { type: 'read', prefix: `${p}${protonPrefix(api)}`, why: `the ${api} objects it programs` },
        { type: 'readwrite', prefix: `${p}${controllerPrefix(api)}`, why: `its bind results` },
        { type: 'readwrite', prefix: `${p}${shimElectionPrefix(api)}`, why: 'its active/standby election' },
      ],
    }),
  );
  return [server, arbiter, ...shims];
}

/** The plan as `etcdctl` commands an operator can read or run (the users authenticate by their client certificate's CN; for a password, add another user holding the role). */
export function etcdRoleCommands(roles: readonly EtcdRole[]): string[] {
  return roles.flatMap((role) => [
    `# ${role.component}${role.api === undefined ? '' : ` of ${role.api}`}`,
    `etcdctl role add ${role.name}`,
    ...role.permissions.map((perm) => `etcdctl role grant-permission ${role.name}${perm.exact === true ? '' : ' --prefix=true'} ${perm.type} ${perm.prefix}   # ${perm.why}`),
    `etcdctl user add ${role.name} --no-password`,
    `etcdctl user grant-role ${role.name} ${role.name}`,
    '',
  ]);
}
