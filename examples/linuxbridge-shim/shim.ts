/**
 * The linuxbridge reference shim for net-l3vpn: a real data plane from Linux bridges and
 * VXLAN, one shim process per compute host.
 *
 *   LB_SHIM_HOST=compute-1 LB_SHIM_VTEPS=compute-1=10.99.0.1,compute-2=10.99.0.2 \
 *     gluon shim run examples/linuxbridge-shim --etcd http://127.0.0.1:2379 --hosts compute-1
 *
 * Per VPN with a port bound to this host: a bridge `gbr…` and a VXLAN interface `gvx…`
 * (VNI from the VPN, see naming.ts) with a flood entry to every other host that has a
 * port in the VPN. A bind answers `vif_type: "bridge"` with the bridge in
 * `vif_details.bridge_name`, which Nova's linux-bridge VIF plugging reads. Every handler
 * makes the host match the cache (see reconciler.ts), so the first change seen after a
 * start deletes strays and creates what is missing. `LB_SHIM_NETNS` programs a network
 * namespace instead of the shim's own (the PoC runs its hosts as namespaces).
 *
 * In your own package, import from 'gluon-net/shim-sdk' instead of the repository's source.
 */
import { defineShim, type BindOutcome, type PortObject, type ProtonObject, type ShimContext } from '../../src/shim-sdk/index.js';
import { readHostConfig, type HostConfig } from './host-config.js';
import { vpnOfPort } from './desired-state.js';
import { bridgeName } from './naming.js';
import { createReconciler } from './reconciler.js';

let hostConfig: HostConfig | undefined;

/** The host settings, read from the environment at the first use. */
function config(): HostConfig {
  hostConfig ??= readHostConfig();
  return hostConfig;
}

const reconciler = createReconciler(config);

/** Any change of a port, a VPN or a VPN binding: make the host match the cache. */
async function reconcile(ctx: ShimContext): Promise<void> {
  await reconciler.request(ctx);
}

function refuse(reason: string, message: string, ctx: ShimContext): BindOutcome {
  ctx.logger.warn({ reason }, `linuxbridge shim: bind refused: ${message}`);
  return { error: { reason, message } };
}

/** Bind: the port's VPN must be known; build its plane on this host, answer with its bridge. */
async function bind(port: PortObject, ctx: ShimContext): Promise<BindOutcome> {
  const id = String(port.id ?? '');
  let host: HostConfig;
  try {
    host = config();
  } catch (err) {
    return refuse('shim_misconfigured', (err as Error).message, ctx);
  }
  if (port.host_id !== host.host) return refuse('wrong_host', `port ${id} is bound to ${String(port.host_id)}, this shim programs ${host.host}`, ctx);
  if (ctx.serviceBindingOf(id) === undefined) return refuse('no_service_binding', `port ${id} has no VpnBinding: create one whose interface_id is the port id before binding`, ctx);
  const vpn = vpnOfPort(port, ctx);
  if (vpn === undefined) return refuse('no_vpn', `the VpnBinding of port ${id} names a VPN that does not exist`, ctx);
  await reconcile(ctx);
  const bridge = bridgeName(String(vpn['id']));
  ctx.logger.info({ port: id, host: host.host, vpn: vpn['id'] ?? null, bridge }, 'linuxbridge shim: bound port');
  return { vif_type: 'bridge', vif_details: { bridge_name: bridge, port_filter: false } };
}

const onChange = {
  changed: (_obj: ProtonObject, _prev: ProtonObject | undefined, ctx: ShimContext) => reconcile(ctx),
  deleted: (_obj: ProtonObject, ctx: ShimContext) => reconcile(ctx),
};

export default defineShim({
  name: 'net-l3vpn-linuxbridge',
  api: 'net-l3vpn',
  hosts: ['*'],
  handlers: {
    Port: { ...onChange, bind, unbind: (_port, ctx) => reconcile(ctx) },
    VpnService: onChange,
    VpnBinding: onChange,
  },
});
