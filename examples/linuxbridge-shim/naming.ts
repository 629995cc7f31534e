/**
 * Names and numbers the shim derives from a VPN, so that every host (and every restart)
 * derives the same ones without talking to each other.
 */
import { createHash } from 'node:crypto';
import type { ProtonObject } from '../../src/shim-sdk/index.js';

/** Prefix of the bridges this shim owns (any other bridge on the host is left alone). */
export const BRIDGE_PREFIX = 'gbr';
/** Prefix of the VXLAN interfaces this shim owns. */
export const VXLAN_PREFIX = 'gvx';
/** UDP port of the VXLAN tunnels (IANA's). */
export const VXLAN_UDP_PORT = 4789;
/** Largest VXLAN network identifier (24 bits). */
const VNI_MAX = 0xff_ffff;

function digest(vpnId: string): string {
  return createHash('sha256').update(vpnId).digest('hex');
}

/** The bridge of a VPN: `gbr` + 10 hex digits of SHA-256(VPN id) (13 characters, under Linux's 15). */
export function bridgeName(vpnId: string): string {
  return BRIDGE_PREFIX + digest(vpnId).slice(0, 10);
}

/** The VXLAN interface of a VPN: `gvx` + the same 10 hex digits. */
export function vxlanName(vpnId: string): string {
  return VXLAN_PREFIX + digest(vpnId).slice(0, 10);
}

/**
 * The VNI of a VPN: its `vni` attribute when the model has one and it is set (1 to
 * 16,777,215), else derived: the first 24 bits of SHA-256(VPN id), with 0 mapped to 1.
 * Two VPNs may derive the same VNI (about one chance in 16 million per pair); an explicit
 * `vni` removes that risk.
 */
export function vniOf(vpn: ProtonObject): number {
  const explicit = vpn['vni'];
  if (typeof explicit === 'number' && Number.isInteger(explicit) && explicit >= 1 && explicit <= VNI_MAX) return explicit;
  const derived = Number.parseInt(digest(String(vpn['id'])).slice(0, 6), 16);
  return derived === 0 ? 1 : derived;
}
