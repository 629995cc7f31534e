/**
 * The Barcelona PoC end to end, with a real data plane: two compute hosts (network
 * namespaces on a VXLAN underlay), one linuxbridge shim and one os-vif-like agent per
 * host, VMs booted through the Neutron facade in front of a real neutron-server as Nova
 * boots them, and connectivity measured by connecting from VM to VM. Needs root (ip netns,
 * bridges, VXLAN): without it, the set-up fails naming what is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindingFailed } from '../../examples/poc/boot-driver.js';
import { formatMatrix, mismatches, probe, settledMatrix } from '../../examples/poc/connectivity.js';
import { shimRole, startShim } from '../../examples/poc/hosts.js';
import { ipIn, linkExists, namespaceExists, sh } from '../../examples/poc/netns.js';
import { stopProcess } from '../../examples/poc/processes.js';
import { boot, bootPlan, createVmPort, unboot, unbindFromVpn, vmNamed } from '../../examples/poc/scenario.js';
import { checkPrerequisites } from '../../examples/poc/services.js';
import type { HostRecord, PocState } from '../../examples/poc/state.js';
import { down, up, type Leftovers } from '../../examples/poc/topology.js';
import { bridgeName, vxlanName } from '../../examples/linuxbridge-shim/naming.js';
import { waitFor } from '../setup/wait-for.js';

/** A scenario waits for shims, binds (a bind no shim answers takes the server's 10 s deadline) and probes on a busy machine. */
const SCENARIO_TIMEOUT_MS = 180_000;
const root = mkdtempSync(join(tmpdir(), 'gluon-poc-test-'));
process.env['GLUON_POC_DIR'] = root;
let state: PocState;

function host(name: string): HostRecord {
  const found = state.hosts.find((h) => h.name === name);
  if (found === undefined) throw new Error(`no host ${name}`);
  return found;
}

/** Whether the shim of `hostName` has the bridge of `vpn` on its host. */
async function hasVpnBridge(hostName: string, vpn: string): Promise<boolean> {
  return linkExists(host(hostName).netns, bridgeName(String(state.vpns[vpn])));
}

/** The flood entries (remote VTEPs) of a VPN's VXLAN interface on a host. */
async function tunnelsOf(hostName: string, vpn: string): Promise<string[]> {
  const vx = vxlanName(String(state.vpns[vpn]));
  const out = JSON.parse(await ipIn(host(hostName).netns, ['-j', 'link', 'show'])) as { ifname: string }[];
  if (!out.some((l) => l.ifname === vx)) return [];
  const fdb = JSON.parse(await sh('bridge', ['-n', host(hostName).netns, '-j', 'fdb', 'show', 'dev', vx])) as { mac: string; dst?: string }[];
  return fdb.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst !== undefined).map((e) => String(e.dst)).sort();
}

/** Asserts the connectivity matrix (after it settles), naming the scenario and printing the matrix on failure. */
async function expectConnectivity(scenario: string): Promise<void> {
  const cells = await settledMatrix(state);
  expect(mismatches(cells), `${scenario}: the connectivity matrix differs from expected\n${formatMatrix(state, cells)}`).toEqual([]);
}

/** Who answers at `address` from inside VM `from`. */
function answerAt(from: string, address: string): Promise<string> {
  return probe(`${state.nsPrefix}vm-${from}`, address);
}

beforeAll(async () => {
  checkPrerequisites();
  state = await up();
  await bootPlan(state);
}, 420_000);

afterAll(async () => {
  let left: Leftovers | undefined;
  if (state !== undefined) left = await down(state.runId);
  rmSync(root, { recursive: true, force: true });
  expect(left, 'down leaves no namespace, process or file of the run behind').toEqual({ namespaces: [], processes: [], files: [] });
}, 120_000);

describe('the Barcelona PoC (linuxbridge shims, VXLAN between two hosts, Nova-like boots through the facade)', () => {
  it('VPN A: the VMs on compute-1 and compute-2 reach each other across the VXLAN underlay', async () => {
    await expectConnectivity('VPN A across hosts');
    expect(await answerAt('a1', '10.1.0.2')).toBe('a2');
    expect(await answerAt('a2', '10.1.0.1')).toBe('a1');
    expect(await tunnelsOf('compute-1', 'vpn-a')).toEqual([host('compute-2').vtep]);
    expect(await tunnelsOf('compute-2', 'vpn-a')).toEqual([host('compute-1').vtep]);
  }, SCENARIO_TIMEOUT_MS);

  it('VPN B with the same addresses as A: B reaches its own VMs and never A\'s', async () => {
    await expectConnectivity('VPN B beside A with equal addresses');
    expect(await answerAt('b1', '10.1.0.2')).toBe('b2');
    expect(await answerAt('b2', '10.1.0.1')).toBe('b1');
    expect(await answerAt('a1', '10.1.0.2')).toBe('a2');
  }, SCENARIO_TIMEOUT_MS);

  it('unbinding a port cuts exactly that VM off; re-binding it on the other host moves it', async () => {
    const a2 = vmNamed(state, 'a2');
    await unboot(state, a2);
    await waitFor('the shim of compute-2 to remove VPN A\'s bridge', async () => !(await hasVpnBridge('compute-2', 'vpn-a')), 30_000);
    await waitFor('the shim of compute-1 to remove its tunnel of VPN A', async () => (await tunnelsOf('compute-1', 'vpn-a')).length === 0, 30_000);
    expect(await answerAt('a1', '10.1.0.2')).toBe('');
    await expectConnectivity('after unbinding a2');

    await boot(state, a2, 'compute-1');
    await expectConnectivity('after re-binding a2 on compute-1');
    expect(await answerAt('a1', '10.1.0.2')).toBe('a2');
    expect(await answerAt('b1', '10.1.0.2')).toBe('b2');
    expect(await hasVpnBridge('compute-2', 'vpn-a')).toBe(false);
  }, SCENARIO_TIMEOUT_MS);

  it('deleting a VpnBinding cuts exactly that VM off', async () => {
    await unbindFromVpn(state, vmNamed(state, 'b2'));
    await waitFor('the shim of compute-2 to remove VPN B\'s bridge', async () => !(await hasVpnBridge('compute-2', 'vpn-b')), 30_000);
    await waitFor('the shim of compute-1 to remove its tunnel of VPN B', async () => (await tunnelsOf('compute-1', 'vpn-b')).length === 0, 30_000);
    expect(await answerAt('b1', '10.1.0.2')).toBe('');
    await expectConnectivity('after deleting b2\'s VpnBinding');
  }, SCENARIO_TIMEOUT_MS);

  it('a stopped shim: binds to its host end binding_failed with a reason and plug nothing, the other host works; restarted, it reconciles and binds', async () => {
    const shim = state.processes.filter((p) => p.role === shimRole('compute-2')).pop();
    if (shim === undefined) throw new Error('no shim process for compute-2');
    await stopProcess(shim.pid, state.runId);

    const c = await createVmPort(state, { name: 'c', vpn: 'vpn-a', host: 'compute-2', address: '10.1.0.3' });
    const failure = await boot(state, c).then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(BindingFailed);
    expect((failure as BindingFailed).reason).toBe('timeout');
    expect(c.plugged).toBe(false);
    expect(await namespaceExists(`${state.nsPrefix}vm-c`)).toBe(false);

    const d = await createVmPort(state, { name: 'd', vpn: 'vpn-b', host: 'compute-1', address: '10.1.0.4' });
    await boot(state, d);
    await expectConnectivity('compute-1 while the shim of compute-2 is stopped');
    expect(await answerAt('d', '10.1.0.1')).toBe('b1');

    // a leftover the shim must not keep: a bridge of its naming that no VPN needs
    await ipIn(host('compute-2').netns, ['link', 'add', 'gbr0000000000', 'type', 'bridge']);
    await startShim(state, host('compute-2'));
    await waitFor('the restarted shim to delete the stray bridge', async () => !(await linkExists(host('compute-2').netns, 'gbr0000000000')), 30_000);

    await boot(state, c);
    expect(c.plugged).toBe(true);
    await expectConnectivity('after the shim of compute-2 restarted');
    expect(await answerAt('c', '10.1.0.1')).toBe('a1');
    expect(await answerAt('a1', '10.1.0.3')).toBe('c');
    expect(await tunnelsOf('compute-1', 'vpn-a')).toEqual([host('compute-2').vtep]);
  }, SCENARIO_TIMEOUT_MS);
});
