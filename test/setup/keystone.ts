/**
 * A private, real OpenStack Keystone for tests (Debian bookworm's `keystone`, Zed),
 * served by uwsgi with SQLite on a free port of 127.0.0.1 from its own temp dir, and
 * stopped by PID. Start-up takes ~15–20 s, so share one instance per test file.
 *
 * Seeded users (domain Default; every password is `<user>-secret` except admin's):
 * | user | project | roles |
 * |---|---|---|
 * | admin (password `secret`) | admin | admin (implies member, reader) |
 * | user1 | tenant1 | member (implies reader) |
 * | user2 | tenant2 | member (implies reader) |
 * | reader1 | tenant1 | reader only |
 * | gluon | service | service + admin (the Proton server's own service account) |
 * | neutron (password `neutron-secret`) | service | admin (Neutron's keystonemiddleware) |
 *
 * The recipe (`test/openstack/start_keystone.sh`) seeds the `service` project, the `gluon` and
 * `neutron` accounts and the `network` service with its endpoints (at
 * {@link StartKeystoneOptions.networkUrl}); this file adds the test projects and users.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSTACK_SCRIPTS as SCRIPTS, freePort, isRoot, runStartScript, stopPid } from './service-process.js';
import { call, type CallAnswer, type CallOptions } from './http-call.js';

const NEEDED_BINARIES = ['/usr/bin/keystone-manage', '/usr/bin/uwsgi', '/usr/bin/keystone-wsgi-public'];

/** The seeded user names. */
export type KeystoneUser = 'admin' | 'user1' | 'user2' | 'reader1' | 'gluon';

/** A seeded user: name, password, its project and the ids Keystone gave them. */
export interface SeededUser {
  readonly name: KeystoneUser;
  readonly password: string;
  readonly project: string;
  readonly userId: string;
  readonly projectId: string;
}

/** Options of {@link startKeystone}. */
export interface StartKeystoneOptions {
  /**
   * URL of the catalog's `network` endpoints (public, internal, admin): where OpenStack
   * clients find Neutron, i.e. the facade. Default `http://127.0.0.1:9697` (`gluon arbiter`'s
   * default port).
   */
  readonly networkUrl?: string;
}

/** A running private Keystone. */
export interface KeystoneInstance {
  /** Base URL without `/v3`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** `<url>/v3`. */
  readonly authUrl: string;
  readonly pid: number;
  readonly dir: string;
  /** The seeded users by name. */
  readonly users: Readonly<Record<KeystoneUser, SeededUser>>;
  /** Project ids by name (admin, service, tenant1, tenant2). */
  readonly projects: Readonly<Record<string, string>>;
  /** Issues a project-scoped token by password (the user's own project unless given). */
  issueToken(user: KeystoneUser, project?: string): Promise<string>;
  /** Revokes a token (as admin). */
  revokeToken(token: string): Promise<void>;
  /** Stops uwsgi (SIGTERM, then SIGKILL) by PID and deletes the temp dir. */
  stop(): Promise<void>;
}

/** Installs Keystone when missing (as root, with the policy-rc.d trick); else fails naming the packages. */
export function ensureKeystoneInstalled(): void {
  if (NEEDED_BINARIES.every((bin) => existsSync(bin))) return;
  if (!isRoot()) {
    throw new Error(`Keystone is not installed (missing ${NEEDED_BINARIES.filter((b) => !existsSync(b)).join(', ')}). Install the Debian packages "keystone" and "curl" (e.g. sudo ${join(SCRIPTS, 'install_packages.sh')}).`);
  }
  execFileSync(join(SCRIPTS, 'install_packages.sh'), { stdio: 'inherit', timeout: 900_000 });
}

/** Keystone under uwsgi closes idle connections without saying so: every request goes on a new one. */
function keystoneCall(url: string, options: CallOptions = {}): Promise<CallAnswer> {
  return call(url, { ...options, newConnection: true });
}

function expectStatus(answer: CallAnswer, status: number, what: string): void {
  if (answer.status !== status) throw new Error(`keystone ${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

/**
 * How long a `beforeAll` that starts Keystone (and a Proton beside it) may take: under a
 * minute on an idle machine, but several minutes beside CPU hogs and other test files, where
 * uwsgi's workers and Keystone's first tokens wait for a core.
 */
export const KEYSTONE_START_MS = 300_000;

/** Starts a private Keystone on a free port and seeds projects, users and roles. */
export async function startKeystone(options: StartKeystoneOptions = {}): Promise<KeystoneInstance> {
  ensureKeystoneInstalled();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gluon-keystone-'));
  const ksDir = join(dir, 'keystone');
  const removeDir = async (): Promise<void> => rmSync(dir, { recursive: true, force: true });
  const pid = await runStartScript('start_keystone.sh', {
    env: { KS_DIR: ksDir, KS_PORT: String(port), KS_ADMIN_PASSWORD: 'secret', KS_GLUON_PASSWORD: 'gluon-secret', ...(options.networkUrl === undefined ? {} : { KS_NETWORK_URL: options.networkUrl }) },
    logFile: join(ksDir, 'uwsgi.log'),
    cleanup: removeDir,
  });
  const url = `http://127.0.0.1:${port}`;
  const authUrl = `${url}/v3`;

  const stop = async (): Promise<void> => {
    // only the uwsgi master started with our own uwsgi.ini
    await stopPid(pid, { cmdlineIncludes: join(ksDir, 'uwsgi.ini') });
    await removeDir();
  };

  const passwordToken = async (name: string, password: string, project: string): Promise<string> => {
    const answer = await keystoneCall(`${authUrl}/auth/tokens?nocatalog`, { method: 'POST', body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    } });
    expectStatus(answer, 201, `issue token for ${name}/${project}`);
    const token = answer.headers['x-subject-token'];
    if (typeof token !== 'string') throw new Error('keystone issued no X-Subject-Token');
    return token;
  };

  try {
    const admin = await passwordToken('admin', 'secret', 'admin');
    const roleId = async (name: string): Promise<string> => {
      const found = await keystoneCall(`${authUrl}/roles?name=${name}`, { token: admin });
      const existing = (found.body as { roles: { id: string }[] }).roles[0];
      if (existing !== undefined) return existing.id;
      const created = await keystoneCall(`${authUrl}/roles`, { method: 'POST', token: admin, body: { role: { name } } });
      expectStatus(created, 201, `create role ${name}`);
      return (created.body as { role: { id: string } }).role.id;
    };
    const projects: Record<string, string> = {};
    const adminProject = await keystoneCall(`${authUrl}/projects?name=admin`, { token: admin });
    projects['admin'] = (adminProject.body as { projects: { id: string }[] }).projects[0]?.id ?? '';
    const serviceProject = await keystoneCall(`${authUrl}/projects?name=service`, { token: admin });
    projects['service'] = (serviceProject.body as { projects: { id: string }[] }).projects[0]?.id ?? '';
    if (projects['service'] === '') throw new Error('start_keystone.sh did not seed the service project');
    for (const name of ['tenant1', 'tenant2']) {
      const created = await keystoneCall(`${authUrl}/projects`, { method: 'POST', token: admin, body: { project: { name, domain_id: 'default' } } });
      expectStatus(created, 201, `create project ${name}`);
      projects[name] = (created.body as { project: { id: string } }).project.id;
    }
    const adminUser = await keystoneCall(`${authUrl}/users?name=admin`, { token: admin });
    const users: Partial<Record<KeystoneUser, SeededUser>> = {
      admin: { name: 'admin', password: 'secret', project: 'admin', userId: (adminUser.body as { users: { id: string }[] }).users[0]?.id ?? '', projectId: projects['admin'] ?? '' },
    };
    const gluonUser = await keystoneCall(`${authUrl}/users?name=gluon`, { token: admin });
    const gluonId = (gluonUser.body as { users: { id: string }[] }).users[0]?.id;
    if (gluonId === undefined) throw new Error('start_keystone.sh did not seed the gluon user');
    users.gluon = { name: 'gluon', password: 'gluon-secret', project: 'service', userId: gluonId, projectId: projects['service'] };
    const seed: readonly [KeystoneUser, string, readonly string[]][] = [
      ['user1', 'tenant1', ['member']],
      ['user2', 'tenant2', ['member']],
      ['reader1', 'tenant1', ['reader']],
    ];
    for (const [name, project, roles] of seed) {
      const password = `${name}-secret`;
      const projectId = projects[project] ?? '';
      const created = await keystoneCall(`${authUrl}/users`, { method: 'POST', token: admin, body: { user: { name, domain_id: 'default', password, default_project_id: projectId } } });
      expectStatus(created, 201, `create user ${name}`);
      const userId = (created.body as { user: { id: string } }).user.id;
      for (const role of roles) {
        const granted = await keystoneCall(`${authUrl}/projects/${projectId}/users/${userId}/roles/${await roleId(role)}`, { method: 'PUT', token: admin });
        expectStatus(granted, 204, `grant ${role} to ${name}`);
      }
      users[name] = { name, password, project, userId, projectId };
    }
    const seeded = users as Record<KeystoneUser, SeededUser>;
    return {
      url,
      authUrl,
      pid,
      dir,
      users: seeded,
      projects,
      issueToken: (user, project) => passwordToken(user, seeded[user].password, project ?? seeded[user].project),
      async revokeToken(token) {
        const adminNow = await passwordToken('admin', 'secret', 'admin');
        const res = await keystoneCall(`${authUrl}/auth/tokens`, { method: 'DELETE', token: adminNow, headers: { 'x-subject-token': token } });
        if (res.status !== 204) throw new Error(`keystone revoke: HTTP ${res.status}`);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
