import { Etcd3 } from 'etcd3';
import { etcdClientAccess, type EtcdAccessOptions } from './etcd-access.js';
import { normalizeHosts } from './etcd-store.js';
import { translateEtcdError } from './etcd-errors.js';
import { prefixEnd } from './etcd-watch.js';

/** One role to create: its name (also its user's) and its permissions by key prefix (or on one key, when `exact`). */
export interface EtcdRoleGrant {
  readonly name: string;
  readonly permissions: readonly { readonly type: 'read' | 'write' | 'readwrite'; readonly prefix: string; readonly exact?: boolean }[];
}

/** Options of {@link applyEtcdRoles}. */
export interface ApplyEtcdRolesOptions {
  /** etcd client URLs. */
  readonly hosts: readonly string[] | string;
  /** The access of a user allowed to manage roles (etcd's `root`). */
  readonly access?: EtcdAccessOptions;
  /** The roles to create (existing ones get the permissions added). */
  readonly roles: readonly EtcdRoleGrant[];
}

const PERMISSION = { read: 'Read', write: 'Write', readwrite: 'Readwrite' } as const;

/** Runs `call`, ignoring etcd3's error of this class name (`EtcdRoleExistsError`…): matched by name, not by class identity. */
async function ignoring<T>(errorName: string, call: () => Promise<T>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof Error && err.constructor.name === errorName)) throw err;
  }
}

/**
 * Creates each role, grants its permissions (one per prefix), and creates a user of the
 * same name holding it. Users get no password: with etcd's `--client-cert-auth` a client
 * certificate whose CN is the user's name authenticates it. For password authentication,
 * add a user with a password and grant it the role (`etcdctl user add`, `etcdctl user
 * grant-role`). Running it again is harmless.
 *
 * @throws KvError with the etcd error as `cause` (e.g. `GLUON_ERR_KV_UNAVAILABLE`) when etcd refuses or cannot be reached.
 */
export async function applyEtcdRoles(options: ApplyEtcdRolesOptions): Promise<void> {
  const client = new Etcd3({ hosts: normalizeHosts(options.hosts), dialTimeout: 5000, ...etcdClientAccess(options.access) });
  try {
    for (const role of options.roles) {
      await ignoring('EtcdRoleExistsError', () => client.auth.roleAdd({ name: role.name }));
      for (const permission of role.permissions) {
        const key = Buffer.from(permission.prefix);
        await client.auth.roleGrantPermission({ name: role.name, perm: { permType: PERMISSION[permission.type], key, range_end: permission.exact === true ? Buffer.alloc(0) : prefixEnd(key) } });
      }
      await ignoring('EtcdUserExistsError', () => client.auth.userAdd({ name: role.name, password: '', options: { no_password: true } }));
      await client.auth.userGrantRole({ user: role.name, role: role.name });
    }
  } catch (err) {
    throw translateEtcdError(err, 'applyEtcdRoles');
  } finally {
    client.close();
  }
}
