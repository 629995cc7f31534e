/**
 * Makes the host's data plane equal to the desired planes: deletes the bridges and VXLAN
 * interfaces this shim owns (by name prefix) that are not desired, creates the missing
 * ones, fixes a VXLAN whose VNI or local address changed, and syncs the flood entries.
 * Every step is idempotent and every change is logged.
 */
import type { Logger } from '../../src/shim-sdk/index.js';
import type { HostConfig } from './host-config.js';
import { bridge, ip, listFdb, listLinks, type LinkInfo } from './ip-command.js';
import { BRIDGE_PREFIX, VXLAN_PREFIX, VXLAN_UDP_PORT } from './naming.js';
import type { VpnPlane } from './desired-state.js';

const FLOOD_MAC = '00:00:00:00:00:00';

function kindOf(link: LinkInfo): string | undefined {
  return link.linkinfo?.info_kind;
}

async function deleteStrays(links: readonly LinkInfo[], desired: ReadonlyMap<string, VpnPlane>, config: HostConfig, logger: Logger): Promise<void> {
  const wantedVxlans = new Set([...desired.values()].map((p) => p.vxlan));
  for (const link of links) {
    const stray = (kindOf(link) === 'vxlan' && link.ifname.startsWith(VXLAN_PREFIX) && !wantedVxlans.has(link.ifname))
      || (kindOf(link) === 'bridge' && link.ifname.startsWith(BRIDGE_PREFIX) && !desired.has(link.ifname));
    if (!stray) continue;
    await ip(config.netns, ['link', 'del', link.ifname]);
    logger.info({ host: config.host, link: link.ifname, kind: kindOf(link) }, 'linuxbridge shim: deleted a link no VPN needs');
  }
}

async function ensureBridge(plane: VpnPlane, existing: LinkInfo | undefined, config: HostConfig, logger: Logger): Promise<void> {
  if (existing === undefined) {
    await ip(config.netns, ['link', 'add', plane.bridge, 'type', 'bridge']);
    logger.info({ host: config.host, vpn: plane.vpnId, bridge: plane.bridge }, 'linuxbridge shim: created bridge');
  }
  if (existing?.flags?.includes('UP') !== true) await ip(config.netns, ['link', 'set', plane.bridge, 'up']);
}

async function ensureVxlan(plane: VpnPlane, existing: LinkInfo | undefined, config: HostConfig, logger: Logger): Promise<void> {
  const local = config.vteps.get(config.host) ?? '';
  const data = existing?.linkinfo?.info_data;
  let link = existing;
  if (link !== undefined && (data?.id !== plane.vni || data.local !== local)) {
    await ip(config.netns, ['link', 'del', plane.vxlan]);
    logger.info({ host: config.host, vxlan: plane.vxlan, had: data ?? null, vni: plane.vni }, 'linuxbridge shim: deleted VXLAN with a stale VNI or address');
    link = undefined;
  }
  if (link === undefined) {
    await ip(config.netns, ['link', 'add', plane.vxlan, 'type', 'vxlan', 'id', String(plane.vni), 'local', local, 'dstport', String(VXLAN_UDP_PORT), 'nolearning']);
    logger.info({ host: config.host, vpn: plane.vpnId, vxlan: plane.vxlan, vni: plane.vni, local }, 'linuxbridge shim: created VXLAN interface');
  }
  if (link?.master !== plane.bridge) await ip(config.netns, ['link', 'set', plane.vxlan, 'master', plane.bridge]);
  if (link?.flags?.includes('UP') !== true) await ip(config.netns, ['link', 'set', plane.vxlan, 'up']);
}

async function syncFloodEntries(plane: VpnPlane, config: HostConfig, logger: Logger): Promise<void> {
  const present = new Set((await listFdb(config.netns, plane.vxlan)).filter((e) => e.mac === FLOOD_MAC && e.dst !== undefined).map((e) => String(e.dst)));
  for (const remote of plane.remotes) {
    if (present.has(remote)) continue;
    await bridge(config.netns, ['fdb', 'append', FLOOD_MAC, 'dev', plane.vxlan, 'dst', remote]);
    logger.info({ host: config.host, vpn: plane.vpnId, vxlan: plane.vxlan, remote }, 'linuxbridge shim: added tunnel to a host of the VPN');
  }
  for (const remote of present) {
    if (plane.remotes.includes(remote)) continue;
    await bridge(config.netns, ['fdb', 'del', FLOOD_MAC, 'dev', plane.vxlan, 'dst', remote]);
    logger.info({ host: config.host, vpn: plane.vpnId, vxlan: plane.vxlan, remote }, 'linuxbridge shim: removed tunnel to a host that left the VPN');
  }
}

/** Applies the desired planes to the host (see the file comment). */
export async function applyPlanes(desired: ReadonlyMap<string, VpnPlane>, config: HostConfig, logger: Logger): Promise<void> {
  const links = await listLinks(config.netns);
  await deleteStrays(links, desired, config, logger);
  const byName = new Map(links.map((l) => [l.ifname, l]));
  for (const plane of desired.values()) {
    await ensureBridge(plane, byName.get(plane.bridge), config, logger);
    await ensureVxlan(plane, byName.get(plane.vxlan), config, logger);
    await syncFloodEntries(plane, config, logger);
  }
}
