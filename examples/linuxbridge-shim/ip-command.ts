/**
 * Runs iproute2's `ip` and `bridge` on one network namespace (or the shim's own one) and
 * reads their JSON output. Every command that changes something is logged by the caller.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the commands run: a named network namespace, or the current one when empty. */
export interface Netns {
  /** Name under /run/netns, or '' for the namespace the shim runs in. */
  readonly name: string;
}

function withNetns(netns: Netns, args: readonly string[]): string[] {
  return netns.name === '' ? [...args] : ['-n', netns.name, ...args];
}

/** Runs `ip <args>` in the namespace; rejects with the command and its stderr on failure. */
export async function ip(netns: Netns, args: readonly string[]): Promise<string> {
  return exec('ip', withNetns(netns, args));
}

/** Runs `bridge <args>` in the namespace. */
export async function bridge(netns: Netns, args: readonly string[]): Promise<string> {
  return exec('bridge', withNetns(netns, args));
}

async function exec(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
  }
}

/** One link as `ip -j -d link show` prints it (the fields read here). */
export interface LinkInfo {
  /** Interface name. */
  readonly ifname: string;
  /** Kind (`bridge`, `vxlan`, `veth`) and, for VXLAN, its id and local address. */
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: { readonly id?: number; readonly local?: string } };
  /** The bridge it is enslaved to. */
  readonly master?: string;
  /** Flags such as `UP`. */
  readonly flags?: readonly string[];
}

/** Every link of the namespace, with details. */
export async function listLinks(netns: Netns): Promise<LinkInfo[]> {
  const out = await ip(netns, ['-j', '-d', 'link', 'show']);
  return out.trim() === '' ? [] : (JSON.parse(out) as LinkInfo[]);
}

/** One forwarding-database entry as `bridge -j fdb show` prints it. */
export interface FdbEntry {
  /** MAC address (all zeros for the flood entries of head-end replication). */
  readonly mac: string;
  /** Remote VTEP of a VXLAN entry. */
  readonly dst?: string;
}

/** The FDB entries of one device. */
export async function listFdb(netns: Netns, dev: string): Promise<FdbEntry[]> {
  const out = await bridge(netns, ['-j', 'fdb', 'show', 'dev', dev]);
  return out.trim() === '' ? [] : (JSON.parse(out) as FdbEntry[]);
}
