/**
 * A private etcd for tests: Debian's `etcd-server` (`/usr/bin/etcd`) on free ports of
 * 127.0.0.1, with a temp data dir, stopped by PID. Never the system's etcd on 2379.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isRoot } from './service-process.js';

/** The etcd binary the tests use. */
export const ETCD_BIN = '/usr/bin/etcd';

/** A running private etcd. */
export interface EtcdInstance {
  /** Client URL, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** PID of the current etcd process (changes after `restart()`). */
  readonly pid: number;
  /** Its data directory. */
  readonly dataDir: string;
  /** Stops etcd (SIGTERM, then SIGKILL) and deletes its data. */
  stop(): Promise<void>;
  /** Sends a signal to the etcd process (`SIGSTOP`, `SIGCONT`, `SIGKILL`…). */
  kill(signal: NodeJS.Signals): void;
  /** Kills etcd if it runs, starts it again on the same ports and data, and waits until healthy. */
  restart(): Promise<void>;
}

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Extra command-line flags for etcd. */
  readonly args?: readonly string[];
}

/** Stops a system etcd that the Debian package may have started (on 2379). */
function stopSystemEtcd(): void {
  try {
    execFileSync('service', ['etcd', 'stop'], { stdio: 'ignore' });
  } catch {
    // no service command or no service: fall through to the pid scan
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // ours always run with an explicit --data-dir under the temp dir
      if (cmd[0]?.endsWith('/etcd') && !cmd.some((a) => a.includes('gluon-etcd-'))) process.kill(Number(entry), 'SIGTERM');
    } catch {
      // process gone or not readable
    }
  }
}

/**
 * Makes sure `/usr/bin/etcd` exists: installs Debian's `etcd-server` and `etcd-client`
 * with apt when running as root; otherwise throws naming the package to install.
 */
export function ensureEtcdInstalled(): void {
  if (existsSync(ETCD_BIN)) return;
  if (!isRoot()) {
    throw new Error(`${ETCD_BIN} is missing: install Debian's etcd-server package (apt-get install etcd-server etcd-client) to run the tests`);
  }
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', 'etcd-server', 'etcd-client'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    throw new Error(`could not install etcd-server with apt-get (${(err as Error).message}); install Debian's etcd-server package to run the tests`);
  }
  stopSystemEtcd();
  if (!existsSync(ETCD_BIN)) throw new Error(`apt-get installed etcd-server but ${ETCD_BIN} is still missing`);
}

async function waitHealthy(endpoint: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before becoming healthy:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} not healthy after 30 s:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a private etcd on free ports and waits until it is healthy. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdInstance> {
  ensureEtcdInstalled();
  const root = mkdtempSync(join(tmpdir(), 'gluon-etcd-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'etcd.log');
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'gluon-test',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `gluon-test=${peer}`,
    '--initial-cluster-state', 'new',
    '--log-level', 'warn',
    ...(options.args ?? []),
  ];
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    const fd = openSync(logFile, 'a');
    child = spawn(ETCD_BIN, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    await waitHealthy(endpoint, child, logFile);
  };
  await launch();
  const stopChild = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
  };
  return {
    endpoint,
    get pid() {
      return child.pid ?? -1;
    },
    dataDir,
    async stop() {
      await stopChild();
      rmSync(root, { recursive: true, force: true });
    },
    kill(signal) {
      child.kill(signal);
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
      await launch();
    },
  };
}
