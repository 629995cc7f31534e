/**
 * Debian's OpenStack clients for tests: the `openstack` CLI (python3-openstackclient) and
 * openstacksdk, run as separate processes against a `clouds.yaml` of the test's own, the way
 * an operator (or Nova, through the SDK) talks to Neutron. Installed when missing (as root,
 * through `test/openstack/install_clients.sh`), never skipped silently.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENSTACK_SCRIPTS as SCRIPTS, isRoot } from './service-process.js';

const NEEDED = ['/usr/bin/openstack', '/usr/lib/python3/dist-packages/openstack/__init__.py'];

/** Installs python3-openstackclient / python3-openstacksdk when missing; else fails naming them. */
export function ensureOpenstackClientInstalled(): void {
  if (NEEDED.every((file) => existsSync(file))) return;
  if (!isRoot()) {
    throw new Error(`The OpenStack clients are not installed (missing ${NEEDED.filter((f) => !existsSync(f)).join(', ')}). Install the Debian packages "python3-openstackclient" and "python3-openstacksdk" (e.g. sudo ${join(SCRIPTS, 'install_clients.sh')}).`);
  }
  execFileSync(join(SCRIPTS, 'install_clients.sh'), { stdio: 'inherit', timeout: 900_000 });
}

/** One cloud of a `clouds.yaml`: a Keystone user, and optionally the Neutron endpoint to use instead of the catalog's. */
export interface TestCloud {
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly project: string;
  /** `network_endpoint_override`: the facade's URL (without it the catalog's `network` endpoint is used). */
  readonly networkEndpoint?: string;
}

/** Writes a `clouds.yaml` (JSON is YAML) with the given clouds and returns its path. */
export function writeCloudsYaml(dir: string, clouds: Readonly<Record<string, TestCloud>>): string {
  const file = join(dir, 'clouds.yaml');
  const entries = Object.fromEntries(
    Object.entries(clouds).map(([name, c]) => [
      name,
      {
        auth: { auth_url: c.authUrl, username: c.username, password: c.password, project_name: c.project, user_domain_name: 'Default', project_domain_name: 'Default' },
        region_name: 'RegionOne',
        identity_api_version: 3,
        ...(c.networkEndpoint === undefined ? {} : { network_endpoint_override: c.networkEndpoint }),
      },
    ]),
  );
  writeFileSync(file, JSON.stringify({ clouds: entries }, null, 2));
  return file;
}

/** The outcome of one client process. */
export interface ClientRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cloudsYaml: string, input?: string): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      // no proxy, no user config: only the test's clouds.yaml
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', OS_CLIENT_CONFIG_FILE: cloudsYaml, PYTHONWARNINGS: 'ignore', LANG: 'C.UTF-8' }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `openstack --os-cloud <cloud> <args…>`. */
export function openstackCli(cloudsYaml: string, cloud: string, args: readonly string[]): Promise<ClientRun> {
  return run('openstack', ['--os-cloud', cloud, ...args], cloudsYaml);
}

/** Runs a Python script (openstacksdk) from stdin with the given arguments. */
export function pythonScript(cloudsYaml: string, script: string, args: readonly string[]): Promise<ClientRun> {
  return run('/usr/bin/python3', ['-', ...args], cloudsYaml, script);
}
