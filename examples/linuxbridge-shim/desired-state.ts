/**
 * What the data plane of this host should be, computed from the shim's cache alone:
 * one bridge + VXLAN pair per VPN that has at least one port bound to this host, with a
 * flood entry towards every other host that has a port bound into the same VPN.
 */
import { isBindRequest, type PortObject, type ProtonObject, type ShimContext } from '../../src/shim-sdk/index.js';
import type { HostConfig } from './host-config.js';
import { bridgeName, vniOf, vxlanName } from './naming.js';

/** The data plane of one VPN on this host. */
export interface VpnPlane {
  /** The VPN (VpnService id). */
  readonly vpnId: string;
  /** Its bridge. */
  readonly bridge: string;
  /** Its VXLAN interface (enslaved to the bridge). */
  readonly vxlan: string;
  /** Its VXLAN network identifier. */
  readonly vni: number;
  /** Underlay addresses of the other hosts with ports in this VPN, sorted. */
  readonly remotes: readonly string[];
}

/** The VPN a port is bound into (through its VpnBinding), when both exist in the cache. */
export function vpnOfPort(port: PortObject, ctx: ShimContext): ProtonObject | undefined {
  const binding = ctx.serviceBindingOf(String(port.id ?? ''));
  if (binding === undefined) return undefined;
  return ctx.get('VpnService', String(binding['service_id']));
}

/** Which hosts have bound ports in which VPN: VPN id → (VPN, host names). */
function hostsByVpn(ctx: ShimContext): Map<string, { vpn: ProtonObject; hosts: Set<string> }> {
  const byVpn = new Map<string, { vpn: ProtonObject; hosts: Set<string> }>();
  for (const port of ctx.list<PortObject>('Port')) {
    if (!isBindRequest(port)) continue;
    const vpn = vpnOfPort(port, ctx);
    if (vpn === undefined) continue;
    const id = String(vpn['id']);
    const entry = byVpn.get(id) ?? { vpn, hosts: new Set<string>() };
    entry.hosts.add(String(port.host_id));
    byVpn.set(id, entry);
  }
  return byVpn;
}

/** The desired planes of this host, by bridge name. Hosts without a known VTEP are left out (and logged). */
export function desiredPlanes(ctx: ShimContext, config: HostConfig): Map<string, VpnPlane> {
  const planes = new Map<string, VpnPlane>();
  for (const [vpnId, { vpn, hosts }] of hostsByVpn(ctx)) {
    if (!hosts.has(config.host)) continue;
    const remotes: string[] = [];
    for (const host of hosts) {
      if (host === config.host) continue;
      const vtep = config.vteps.get(host);
      if (vtep === undefined) ctx.logger.warn({ vpn: vpnId, host }, 'linuxbridge shim: no underlay address for a host of this VPN, no tunnel to it');
      else remotes.push(vtep);
    }
    const plane: VpnPlane = { vpnId, bridge: bridgeName(vpnId), vxlan: vxlanName(vpnId), vni: vniOf(vpn), remotes: remotes.sort() };
    planes.set(plane.bridge, plane);
  }
  return planes;
}
