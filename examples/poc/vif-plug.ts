/**
 * What a compute host does with a bound port, os-vif style: for `vif_type: "bridge"`,
 * make sure the bridge named by `vif_details.bridge_name` exists and is up (os-vif's
 * linux-bridge plugging creates it when missing), then connect the VM to it — here the VM
 * is a network namespace and its NIC one end of a veth pair whose host end, `tap` + the
 * first 11 characters of the port id (Nova's device name), is enslaved to the bridge.
 * The guest side gets the port's MAC and the address, prefix and gateway of its
 * network information. Nothing here knows about Gluon.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { deleteNamespace, ipIn, linkExists, namespaceExists, sh } from './netns.js';

/** TCP port the guests answer on. */
export const GUEST_PORT = 7000;

/** What Nova hands to the VIF plugging for one port of one instance. */
export interface PlugRequest {
  /** Instance name (short: it names the VM's namespace). */
  readonly instance: string;
  /** Neutron port id. */
  readonly port_id: string;
  /** MAC address of the port. */
  readonly mac: string;
  /** `binding:vif_type`. */
  readonly vif_type: string;
  /** `binding:vif_details`. */
  readonly vif_details: Record<string, unknown>;
  /** IPv4 address of the port. */
  readonly address: string;
  /** Prefix length of its subnet. */
  readonly prefix: number;
  /** Default gateway ('' for none). */
  readonly gateway: string;
}

/** Where the host's plugging happens. */
export interface ComputeHost {
  /** Host name. */
  readonly host: string;
  /** Network namespace of the host. */
  readonly netns: string;
  /** Prefix of the VMs' namespaces. */
  readonly vmPrefix: string;
  /** The guest program (guest.mjs). */
  readonly guest: string;
  /** Directory for the guests' logs. */
  readonly dir: string;
}

/** A plug that cannot be done with what Nova was given (the answer is 400, not a retry). */
export class PlugRefused extends Error {}

/** Nova's tap device name for a port. */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

async function ensureBridge(host: ComputeHost, bridge: string): Promise<void> {
  if (!(await linkExists(host.netns, bridge))) await ipIn(host.netns, ['link', 'add', bridge, 'type', 'bridge']);
  await ipIn(host.netns, ['link', 'set', bridge, 'up']);
}

function startGuest(host: ComputeHost, vmNs: string, instance: string): void {
  const fd = openSync(`${host.dir}/guest-${instance}.log`, 'a');
  const child = spawn('ip', ['netns', 'exec', vmNs, process.execPath, host.guest, 'serve', instance, String(GUEST_PORT)], { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
}

/** Plugs the VM into the bridge (idempotent: a VM already plugged is plugged again). */
export async function plugVif(host: ComputeHost, req: PlugRequest): Promise<void> {
  if (req.vif_type !== 'bridge') throw new PlugRefused(`unsupported vif_type "${req.vif_type}": this host plugs "bridge" only`);
  const bridge = req.vif_details['bridge_name'];
  if (typeof bridge !== 'string' || bridge === '') throw new PlugRefused('vif_details.bridge_name is missing: cannot plug a bridge VIF');
  await ensureBridge(host, bridge);
  const vmNs = host.vmPrefix + req.instance;
  await unplugVif(host, req);
  await sh('ip', ['netns', 'add', vmNs]);
  const tap = tapName(req.port_id);
  await ipIn(host.netns, ['link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vmNs]);
  await ipIn(host.netns, ['link', 'set', tap, 'master', bridge]);
  await ipIn(host.netns, ['link', 'set', tap, 'up']);
  await ipIn(vmNs, ['link', 'set', 'lo', 'up']);
  await ipIn(vmNs, ['link', 'set', 'eth0', 'address', req.mac]);
  await ipIn(vmNs, ['addr', 'add', `${req.address}/${req.prefix}`, 'dev', 'eth0']);
  await ipIn(vmNs, ['link', 'set', 'eth0', 'up']);
  if (req.gateway !== '') await ipIn(vmNs, ['route', 'add', 'default', 'via', req.gateway, 'dev', 'eth0', 'onlink']);
  startGuest(host, vmNs, req.instance);
}

/** Unplugs the VM: deletes its tap (and so its NIC) and its namespace. Idempotent. */
export async function unplugVif(host: ComputeHost, req: Pick<PlugRequest, 'instance' | 'port_id'>): Promise<void> {
  const tap = tapName(req.port_id);
  if (await linkExists(host.netns, tap)) await ipIn(host.netns, ['link', 'del', tap]);
  const vmNs = host.vmPrefix + req.instance;
  if (await namespaceExists(vmNs)) await deleteNamespace(vmNs);
}
