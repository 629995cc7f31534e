/**
 * A private, real OpenStack Neutron for tests (Debian bookworm's `neutron-server`, Zed):
 * ML2 with no agents, no RabbitMQ (`transport_url = fake://`), SQLite, on a free port of
 * 127.0.0.1 from its own temp dir, started by `test/openstack/start_neutron.sh` and stopped
 * by PID. Start-up takes ~10 s, so share one instance per test file.
 *
 * The dummy `GluonNetwork` (local, shared) and `GluonSubnet` (0.0.0.0/1, no gateway, no
 * DHCP) are created at start; their ids are returned.
 *
 * `auth: 'noauth'` (default): every request runs in an admin context (Neutron's noauth);
 * `auth: 'keystone'`: Neutron validates tokens against the Keystone given.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSTACK_SCRIPTS as SCRIPTS, freePort, isRoot, runStartScript, stopPid } from './service-process.js';

const NEEDED = ['/usr/bin/neutron-server', '/usr/bin/neutron-db-manage', '/etc/neutron/api-paste.ini', '/usr/bin/curl'];

/** Options of {@link startNeutron}. */
export interface StartNeutronOptions {
  /** `noauth` (default) or `keystone`. */
  readonly auth?: 'noauth' | 'keystone';
  /** Keystone base URL (without `/v3`), required for `auth: 'keystone'`. */
  readonly keystoneUrl?: string;
  /** Keystone admin password (default `secret`). */
  readonly keystoneAdminPassword?: string;
}

/** A running private Neutron. */
export interface NeutronInstance {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/v2.0`). */
  readonly url: string;
  /** PID of the neutron-server parent process. */
  readonly pid: number;
  /** Its temp directory (config, SQLite file, logs). */
  readonly dir: string;
  /** Id of the dummy network `GluonNetwork`. */
  readonly gluonNetworkId: string;
  /** Id of the dummy subnet `GluonSubnet`. */
  readonly gluonSubnetId: string;
  /** Stops neutron-server (SIGTERM, then SIGKILL) by PID and deletes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Installs Debian's `neutron-server` when missing (as root, through
 * `test/openstack/install_neutron.sh`, which blocks service starts with policy-rc.d);
 * otherwise throws naming the packages. Never skips silently.
 */
export function ensureNeutronInstalled(): void {
  if (NEEDED.every((file) => existsSync(file))) return;
  const missing = NEEDED.filter((f) => !existsSync(f)).join(', ');
  if (!isRoot()) {
    throw new Error(`Neutron is not installed (missing ${missing}). Install the Debian packages "neutron-server" and "curl" as root (e.g. sudo ${join(SCRIPTS, 'install_neutron.sh')}) to run these tests.`);
  }
  execFileSync(join(SCRIPTS, 'install_neutron.sh'), { stdio: 'inherit', timeout: 900_000 });
  const still = NEEDED.filter((f) => !existsSync(f));
  if (still.length > 0) throw new Error(`install_neutron.sh ran but ${still.join(', ')} is still missing`);
}

/** Starts a private Neutron on a free port with GluonNetwork/GluonSubnet created. */
export async function startNeutron(options: StartNeutronOptions = {}): Promise<NeutronInstance> {
  ensureNeutronInstalled();
  const auth = options.auth ?? 'noauth';
  if (auth === 'keystone' && options.keystoneUrl === undefined) throw new Error('startNeutron({ auth: "keystone" }) needs keystoneUrl');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gluon-neutron-'));
  const nDir = join(dir, 'neutron');
  const env: Record<string, string> = { N_DIR: nDir, N_PORT: String(port), NEUTRON_AUTH: auth };
  if (options.keystoneUrl !== undefined) env['KS_URL'] = options.keystoneUrl;
  if (options.keystoneAdminPassword !== undefined) env['KS_ADMIN_PASSWORD'] = options.keystoneAdminPassword;
  const pidFile = join(nDir, 'neutron-server.pid');
  // only our process: its command line names our config file
  const ours = { cmdlineIncludes: join(nDir, 'neutron.conf') };
  const stopPidAndRemove = async (pid: number): Promise<void> => {
    await stopPid(pid, ours);
    rmSync(dir, { recursive: true, force: true });
  };
  const pid = await runStartScript('start_neutron.sh', {
    env,
    logFile: join(nDir, 'neutron-server.log'),
    // the script failed: stop the server it may have started (its PID is in the pidfile)
    cleanup: () => stopPidAndRemove(existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0),
  });
  const stop = (): Promise<void> => stopPidAndRemove(pid);
  const seed = readFileSync(join(nDir, 'seed.txt'), 'utf8');
  const network = /network=(\S+)/.exec(seed)?.[1];
  const subnet = /subnet=(\S+)/.exec(seed)?.[1];
  if (network === undefined || subnet === undefined) {
    await stop();
    throw new Error(`start_neutron.sh did not report GluonNetwork/GluonSubnet ids: ${seed}`);
  }
  return { url: `http://127.0.0.1:${port}`, pid, dir, gluonNetworkId: network, gluonSubnetId: subnet, stop };
}
