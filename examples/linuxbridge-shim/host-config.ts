/**
 * The host-side settings of the shim, read from its environment when a handler first
 * needs them (not at import): which host it is, where it programs, and the underlay
 * address (VTEP) of every compute host.
 */
import type { Netns } from './ip-command.js';

/** What the shim needs to know about its host and the underlay. */
export interface HostConfig {
  /** The compute host this shim programs (`LB_SHIM_HOST`), as Nova names it in `binding:host_id`. */
  readonly host: string;
  /** Network namespace holding the host's data plane (`LB_SHIM_NETNS`; empty = the shim's own). */
  readonly netns: Netns;
  /** Underlay address of each compute host (`LB_SHIM_VTEPS=compute-1=10.99.0.1,compute-2=10.99.0.2`). */
  readonly vteps: ReadonlyMap<string, string>;
}

function parseVteps(text: string): Map<string, string> {
  const vteps = new Map<string, string>();
  for (const pair of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [host, address] = pair.split('=');
    if (host === undefined || address === undefined || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
      throw new Error(`LB_SHIM_VTEPS: expected host=ipv4 pairs separated by commas, got "${pair}"`);
    }
    vteps.set(host, address);
  }
  return vteps;
}

/** Reads and checks the settings; throws naming the variable that is missing or wrong. */
export function readHostConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const host = env['LB_SHIM_HOST'] ?? '';
  if (host === '') throw new Error('LB_SHIM_HOST is not set: name the compute host this shim programs (the same as --hosts)');
  const vteps = parseVteps(env['LB_SHIM_VTEPS'] ?? '');
  if (!vteps.has(host)) throw new Error(`LB_SHIM_VTEPS has no underlay address for this host (${host})`);
  return { host, netns: { name: env['LB_SHIM_NETNS'] ?? '' }, vteps };
}
