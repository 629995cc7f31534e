/**
 * `check`: from every plugged VM, connect to every other plugged VM's address and see
 * which guest answers. Expected: a VM reaches exactly the VMs of its own VPN. Because VPNs
 * may reuse addresses, "reached" means that the guest named in the answer is the target
 * itself; an answer from a VM of another VPN is a leak.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PocState, VmRecord } from './state.js';
import { GUEST_PORT } from './vif-plug.js';

const run = promisify(execFile);
const GUEST = fileURLToPath(new URL('./guest.mjs', import.meta.url));
/** How long a probe waits for an answer. */
const PROBE_TIMEOUT_MS = 1500;

/** One cell of the matrix. */
export interface Reachability {
  /** Source VM. */
  readonly from: string;
  /** Target VM. */
  readonly to: string;
  /** Whether `from` should reach `to` (same VPN). */
  readonly expected: boolean;
  /** Whether the target answered. */
  readonly seen: boolean;
  /** Who answered at the target's address ('' = nobody). */
  readonly answeredBy: string;
}

/** Asks the guest at `address` for its name from inside `fromNs` ('' when nobody answers). */
export async function probe(fromNs: string, address: string): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', fromNs, process.execPath, GUEST, 'probe', address, String(GUEST_PORT), String(PROBE_TIMEOUT_MS)], { encoding: 'utf8' });
  return stdout.trim();
}

function pairsOf(vms: readonly VmRecord[]): [VmRecord, VmRecord][] {
  return vms.flatMap((from) => vms.filter((to) => to !== from).map((to): [VmRecord, VmRecord] => [from, to]));
}

/** Probes every ordered pair of plugged VMs (a few at a time). */
export async function connectivityMatrix(state: PocState): Promise<Reachability[]> {
  const plugged = state.vms.filter((v) => v.plugged);
  const cells: Reachability[] = [];
  const pairs = pairsOf(plugged);
  for (let i = 0; i < pairs.length; i += 6) {
    const batch = pairs.slice(i, i + 6).map(async ([from, to]) => {
      const answeredBy = await probe(`${state.nsPrefix}vm-${from.name}`, to.address);
      return { from: from.name, to: to.name, expected: from.vpn !== null && from.vpn === to.vpn, seen: answeredBy === to.name, answeredBy };
    });
    cells.push(...(await Promise.all(batch)));
  }
  return cells;
}

/**
 * The matrix once it matches expectations, or the last one measured after `timeoutMs`:
 * shims on other hosts add their tunnels when they see a bind, so a VM booted a moment ago
 * may not be reachable from everywhere yet.
 */
export async function settledMatrix(state: PocState, timeoutMs = 20_000): Promise<Reachability[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cells = await connectivityMatrix(state);
    if (mismatches(cells).length === 0 || Date.now() > deadline) return cells;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The cells whose seen differs from expected. */
export function mismatches(cells: readonly Reachability[]): Reachability[] {
  return cells.filter((c) => c.expected !== c.seen);
}

/** The matrix as text: rows = from, columns = to, each cell `expected/seen`, mismatches marked. */
export function formatMatrix(state: PocState, cells: readonly Reachability[]): string {
  const vms = state.vms.filter((v) => v.plugged);
  const label = (vm: VmRecord): string => `${vm.name} (${vm.vpn ?? 'no VPN'}, ${vm.host}, ${vm.address})`;
  const width = Math.max(...vms.map((v) => label(v).length), 4);
  const lines = [`${'from \\ to'.padEnd(width)}  ${vms.map((v) => v.name.padEnd(12)).join('')}`];
  for (const from of vms) {
    const row = vms.map((to) => {
      if (to === from) return '-'.padEnd(12);
      const cell = cells.find((c) => c.from === from.name && c.to === to.name);
      if (cell === undefined) return '?'.padEnd(12);
      const text = `${cell.expected ? 'yes' : 'no'}/${cell.seen ? 'yes' : 'no'}${cell.expected === cell.seen ? '' : '!'}`;
      return text.padEnd(12);
    });
    lines.push(`${label(from).padEnd(width)}  ${row.join('')}`);
  }
  lines.push('cells: expected/seen reach; "!" marks a mismatch');
  for (const c of cells.filter((x) => x.answeredBy !== '' && x.answeredBy !== x.to && x.answeredBy !== x.from)) lines.push(`note: ${c.from} → ${c.to}'s address answered by ${c.answeredBy}`);
  return lines.join('\n');
}
