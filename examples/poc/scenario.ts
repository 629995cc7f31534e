/**
 * The PoC's tenants' view: VPNs, ports and VPN bindings created on the Proton API, and VMs
 * booted through the Nova-like boot driver. The default plan: VPN A and VPN B, each with
 * one VM on each host, B using exactly A's addresses.
 */
import { createHash } from 'node:crypto';
import { bootVm, deleteVm, type BootEndpoints, type VmSpec } from './boot-driver.js';
import { expectJson, requestJson } from './http-json.js';
import { saveState, type PocState, type VmRecord } from './state.js';

/** The project every PoC object belongs to. */
export const PROJECT = '0c0c0c0c0c0c4c0c8c0c0c0c0c0c0c0c';
/** Prefix length of the VPNs' subnet. */
export const SUBNET_PREFIX = 24;
/** Gateway of the VPNs' subnet. */
export const GATEWAY = '10.1.0.254';

const API = '/proton/net-l3vpn/v1.0';

/** One VM of a plan. */
export interface VmPlan {
  /** Instance name. */
  readonly name: string;
  /** VPN name. */
  readonly vpn: string;
  /** Compute host. */
  readonly host: string;
  /** IPv4 address. */
  readonly address: string;
}

/** The default plan: A and B on both hosts, same addresses. */
export const DEFAULT_PLAN: readonly VmPlan[] = [
  { name: 'a1', vpn: 'vpn-a', host: 'compute-1', address: '10.1.0.1' },
  { name: 'a2', vpn: 'vpn-a', host: 'compute-2', address: '10.1.0.2' },
  { name: 'b1', vpn: 'vpn-b', host: 'compute-1', address: '10.1.0.1' },
  { name: 'b2', vpn: 'vpn-b', host: 'compute-2', address: '10.1.0.2' },
];

/** The boot driver's endpoints of a run. */
export function endpointsOf(state: PocState): BootEndpoints {
  return {
    facadeUrl: String(state.facadeUrl),
    protonUrl: String(state.protonUrl),
    agentUrl: (host) => {
      const url = state.agents[host];
      if (url === undefined) throw new Error(`no agent on host ${host}`);
      return url;
    },
  };
}

/** A MAC in OpenStack's fa:16:3e range, derived from the run and the VM name. */
function macOf(runId: string, name: string): string {
  const hex = createHash('sha256').update(`${runId}/${name}`).digest('hex');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

async function ensureVpn(state: PocState, name: string): Promise<string> {
  const known = state.vpns[name];
  if (known !== undefined) return known;
  const vpn = await expectJson(`${state.protonUrl}${API}/vpns`, { method: 'POST', body: { tenant_id: PROJECT, name } });
  state.vpns[name] = String(vpn['id']);
  saveState(state);
  return String(vpn['id']);
}

/** Creates the VM's port and its VpnBinding, waits until the facade answers for the port, and records the VM (not booted). */
export async function createVmPort(state: PocState, plan: VmPlan): Promise<VmRecord> {
  const vpnId = await ensureVpn(state, plan.vpn);
  const mac = macOf(state.runId, plan.name);
  const port = await expectJson(`${state.protonUrl}${API}/ports`, {
    method: 'POST',
    body: { tenant_id: PROJECT, name: `port-${plan.name}`, mac_address: mac, admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1450, vlan_transparency: false },
  });
  const portId = String(port['id']);
  await bindIntoVpn(state, portId, vpnId, plan.address);
  const record: VmRecord = { name: plan.name, portId, mac, address: plan.address, host: plan.host, vpn: plan.vpn, plugged: false };
  state.vms.push(record);
  saveState(state);
  const deadline = Date.now() + 30_000;
  while ((await requestJson(`${state.facadeUrl}/v2.0/ports/${portId}`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`the facade does not know port ${portId} after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return record;
}

/** Creates the VpnBinding of a port. */
export async function bindIntoVpn(state: PocState, portId: string, vpnId: string, address: string): Promise<void> {
  await expectJson(`${state.protonUrl}${API}/vpnbindings`, {
    method: 'POST', body: { tenant_id: PROJECT, interface_id: portId, service_id: vpnId, ipaddress: address, subnet_prefix: SUBNET_PREFIX, gateway: GATEWAY },
  });
}

/** Deletes the VpnBinding of a VM (the VM stays booted). */
export async function unbindFromVpn(state: PocState, vm: VmRecord): Promise<void> {
  await expectJson(`${state.protonUrl}${API}/vpnbindings/${vm.portId}`, { method: 'DELETE' });
  vm.vpn = null;
  saveState(state);
}

function specOf(vm: VmRecord): VmSpec {
  return { name: vm.name, portId: vm.portId, host: vm.host };
}

/** Boots a recorded VM on a host (its current one by default). */
export async function boot(state: PocState, vm: VmRecord, host = vm.host): Promise<void> {
  vm.host = host;
  await bootVm(endpointsOf(state), specOf(vm));
  vm.plugged = true;
  saveState(state);
}

/** Deletes a booted VM (unplug, unbind). */
export async function unboot(state: PocState, vm: VmRecord): Promise<void> {
  await deleteVm(endpointsOf(state), specOf(vm));
  vm.plugged = false;
  saveState(state);
}

/** Creates and boots every VM of a plan. */
export async function bootPlan(state: PocState, plan: readonly VmPlan[] = DEFAULT_PLAN): Promise<void> {
  for (const vmPlan of plan) {
    const vm = await createVmPort(state, vmPlan);
    await boot(state, vm);
  }
}

/** A recorded VM by name; throws when unknown. */
export function vmNamed(state: PocState, name: string): VmRecord {
  const vm = state.vms.find((v) => v.name === name);
  if (vm === undefined) throw new Error(`no VM ${name} in run ${state.runId}`);
  return vm;
}
