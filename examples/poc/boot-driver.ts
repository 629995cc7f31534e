/**
 * A Nova-like boot driver: boots and deletes PoC VMs through the Neutron facade exactly
 * as nova-compute does with a Neutron port — GET the port, PUT `binding:host_id` (with
 * `device_id`/`device_owner`), wait for ACTIVE, read `binding:vif_type` and
 * `binding:vif_details`, then have the host plug the VIF. A failed binding is rolled back
 * (the port is unbound) as Nova does when a spawn fails.
 *
 * Nova builds the guest's network information from the port and its subnet. The
 * facade shows every Gluon port on the placeholder GluonSubnet, whose range and gateway
 * say nothing about the VPN, so the prefix length and gateway are read from the port's
 * VpnBinding on the Proton API (what a real cloud hands the guest through its metadata).
 */
import { randomUUID } from 'node:crypto';
import { expectJson, requestJson } from './http-json.js';

/** Where the boot driver talks to. */
export interface BootEndpoints {
  /** The Neutron facade (`gluon arbiter`). */
  readonly facadeUrl: string;
  /** The Proton server. */
  readonly protonUrl: string;
  /** The agent of a compute host. */
  agentUrl(host: string): string;
}

/** One VM to boot. */
export interface VmSpec {
  /** Instance name (short). */
  readonly name: string;
  /** Its Gluon port. */
  readonly portId: string;
  /** Compute host. */
  readonly host: string;
}

/** A boot refused by the binding (`binding:vif_type` `binding_failed`). */
export class BindingFailed extends Error {
  /** The reason the shim or the server gave (`timeout`, `no_service_binding`…). */
  readonly reason: string;

  constructor(vm: VmSpec, reason: string, message: string) {
    super(`booting ${vm.name} on ${vm.host}: port ${vm.portId} ended binding_failed (${reason}): ${message}`);
    this.reason = reason;
  }
}

type NeutronPort = Record<string, unknown>;

async function getPort(endpoints: BootEndpoints, portId: string): Promise<NeutronPort> {
  return (await expectJson(`${endpoints.facadeUrl}/v2.0/ports/${portId}`))['port'] as NeutronPort;
}

async function putPort(endpoints: BootEndpoints, portId: string, port: Record<string, unknown>): Promise<void> {
  await expectJson(`${endpoints.facadeUrl}/v2.0/ports/${portId}`, { method: 'PUT', body: { port } });
}

async function waitForBinding(endpoints: BootEndpoints, portId: string, timeoutMs: number): Promise<NeutronPort> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = await getPort(endpoints, portId);
    if (port['status'] === 'ACTIVE' || port['binding:vif_type'] === 'binding_failed') return port;
    if (Date.now() > deadline) throw new Error(`port ${portId} neither ACTIVE nor binding_failed after ${timeoutMs / 1000} s: ${JSON.stringify(port)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function unbindPort(endpoints: BootEndpoints, portId: string): Promise<void> {
  await putPort(endpoints, portId, { 'binding:host_id': null, device_id: '', device_owner: '', 'binding:profile': {} });
}

/** Boots a VM: bind through the facade, wait for ACTIVE, plug on its host. Throws {@link BindingFailed} after rolling back. */
export async function bootVm(endpoints: BootEndpoints, vm: VmSpec): Promise<void> {
  const before = await getPort(endpoints, vm.portId);
  await putPort(endpoints, vm.portId, { 'binding:host_id': vm.host, device_id: randomUUID(), device_owner: 'compute:nova', 'binding:profile': {} });
  const port = await waitForBinding(endpoints, vm.portId, 60_000);
  if (port['binding:vif_type'] === 'binding_failed') {
    const details = (port['binding:vif_details'] ?? {}) as Record<string, unknown>;
    await unbindPort(endpoints, vm.portId);
    throw new BindingFailed(vm, String(details['reason'] ?? 'unknown'), String(details['message'] ?? ''));
  }
  const fixedIps = (port['fixed_ips'] ?? []) as { ip_address?: string }[];
  const address = fixedIps[0]?.ip_address;
  if (address === undefined) throw new Error(`port ${vm.portId} has no fixed IP: its VpnBinding has no ipaddress`);
  const binding = await expectJson(`${endpoints.protonUrl}/proton/net-l3vpn/v1.0/vpnbindings/${vm.portId}`);
  const plug = await requestJson(`${endpoints.agentUrl(vm.host)}/plug`, 'POST', {
    instance: vm.name, port_id: vm.portId, mac: before['mac_address'], vif_type: port['binding:vif_type'], vif_details: port['binding:vif_details'],
    address, prefix: Number(binding['subnet_prefix'] ?? 32), gateway: String(binding['gateway'] ?? ''),
  });
  if (plug.status !== 204) {
    await unbindPort(endpoints, vm.portId);
    throw new Error(`plugging ${vm.name} on ${vm.host} failed (${plug.status}): ${JSON.stringify(plug.body)}`);
  }
}

/** Deletes a VM: unplug on its host, then unbind the port through the facade (Nova's order). */
export async function deleteVm(endpoints: BootEndpoints, vm: VmSpec): Promise<void> {
  await expectJson(`${endpoints.agentUrl(vm.host)}/unplug`, { method: 'POST', body: { instance: vm.name, port_id: vm.portId } });
  await unbindPort(endpoints, vm.portId);
}
