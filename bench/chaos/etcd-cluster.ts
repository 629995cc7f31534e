/**
 * A 3-member etcd cluster of real `etcd` processes (Debian's etcd-server) on free ports
 * of 127.0.0.1, each member with its own data dir under one temp dir; members are
 * killed, stopped, continued and restarted by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ETCD_BIN, ensureEtcdInstalled } from '../../test/setup/etcd.js';
import { freePort } from '../../test/setup/service-process.js';

/** One member of the cluster. */
export interface EtcdMember {
  /** Member name (`m0`, `m1`, `m2`). */
  readonly name: string;
  /** Client URL. */
  readonly endpoint: string;
  /** PID of the current process (changes on restart). */
  readonly pid: number;
  /** Whether the process is alive (stopped counts as alive). */
  readonly running: boolean;
}

/** A running cluster. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** The member list as `--etcd` takes it: `http://…,http://…,http://…`. */
  readonly endpoints: string;
  /** Sends a signal to one member (`SIGKILL`, `SIGSTOP`, `SIGCONT`). */
  signal(name: string, signal: NodeJS.Signals): void;
  /** Starts a member again (on its ports and data) after it was killed. */
  restart(name: string): void;
  /** The name of the current leader, asked of the first member that answers; undefined when none does. */
  leader(): Promise<string | undefined>;
  /** Stops every member and deletes the data. */
  stop(): Promise<void>;
}

interface MemberProcess {
  readonly name: string;
  readonly endpoint: string;
  readonly args: readonly string[];
  readonly logFile: string;
  child: ChildProcess;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function launch(m: Omit<MemberProcess, 'child'>): ChildProcess {
  const fd = openSync(m.logFile, 'a');
  const child = spawn(ETCD_BIN, m.args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** Asks a member for its id and its leader's id (etcd's JSON gateway). */
async function status(endpoint: string): Promise<{ member: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (body.header?.member_id === undefined || body.leader === undefined) return undefined;
    return { member: body.header.member_id, leader: body.leader };
  } catch {
    return undefined;
  }
}

/** Starts a 3-member cluster and waits (60 s at most) until every member is healthy. */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  ensureEtcdInstalled();
  // "gluon-etcd-" in the path: test/setup/etcd.ts's clean-up never touches it
  const root = mkdtempSync(join(tmpdir(), 'gluon-etcd-chaos-'));
  const ports: number[] = [];
  while (ports.length < size * 2) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const peer = (i: number): string => `http://127.0.0.1:${ports[size + i]}`;
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const token = `chaos-${process.pid}-${Date.now()}`;
  const members: MemberProcess[] = names.map((name, i) => {
    const endpoint = `http://127.0.0.1:${ports[i]}`;
    const args = [
      '--name', name,
      '--data-dir', join(root, name),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer(i),
      '--initial-advertise-peer-urls', peer(i),
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', token,
      '--initial-cluster-state', 'new',
      '--log-level', 'warn',
    ];
    const m = { name, endpoint, args, logFile: join(root, `${name}.log`) };
    return { ...m, child: launch(m) };
  });
  const byName = (name: string): MemberProcess => {
    const m = members.find((x) => x.name === name);
    if (m === undefined) throw new Error(`etcd cluster: no member ${name}`);
    return m;
  };
  for (const deadline = Date.now() + 60_000; ; ) {
    const dead = members.find((m) => !alive(m.child));
    if (dead) throw new Error(`etcd member ${dead.name} exited while starting; see ${dead.logFile}`);
    if ((await Promise.all(members.map((m) => healthy(m.endpoint)))).every(Boolean)) break;
    if (Date.now() > deadline) throw new Error(`etcd cluster not healthy after 60 s; logs in ${root}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // member ids, for naming the leader
  const ids = new Map<string, string>();
  for (const m of members) {
    const s = await status(m.endpoint);
    if (s) ids.set(s.member, m.name);
  }
  return {
    members: members.map((m) => ({
      name: m.name,
      endpoint: m.endpoint,
      get pid() {
        return m.child.pid ?? -1;
      },
      get running() {
        return alive(m.child);
      },
    })),
    endpoints: members.map((m) => m.endpoint).join(','),
    signal(name, signal) {
      const m = byName(name);
      if (alive(m.child)) m.child.kill(signal);
    },
    restart(name) {
      const m = byName(name);
      if (!alive(m.child)) m.child = launch(m);
    },
    async leader() {
      for (const m of members) {
        if (!alive(m.child)) continue;
        const s = await status(m.endpoint);
        if (s && s.leader !== '0') return ids.get(s.leader);
      }
      return undefined;
    },
    async stop() {
      await Promise.all(
        members.map(async (m) => {
          if (!alive(m.child)) return;
          const exited = new Promise((r) => m.child.once('exit', r));
          m.child.kill('SIGCONT');
          m.child.kill('SIGKILL');
          await exited;
        }),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
}
