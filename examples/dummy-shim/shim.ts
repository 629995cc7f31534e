/**
 * The dummy net-l3vpn shim (the original's `net-l3vpn-dummy` backend, as a shim package).
 *
 *   gluon shim run examples/dummy-shim --etcd http://127.0.0.1:2379 --hosts '*'
 *
 * In your own package, import from 'gluon-net/shim-sdk' instead of the repository's source.
 * See docs/shims.md for the walk-through.
 */
import { defineShim, type BindOutcome, type PortObject, type ProtonObject, type ShimContext } from '../../src/shim-sdk/index.js';

/** Logs a change of any object: a real shim would program its SDN controller here. */
function logChanged(objectName: string) {
  return (obj: ProtonObject, prev: ProtonObject | undefined, ctx: ShimContext): void => {
    ctx.logger.info({ object: objectName, id: obj['id'] ?? null, created: prev === undefined, pid: process.pid }, `${objectName} changed`);
  };
}

function logDeleted(objectName: string) {
  return (obj: ProtonObject, ctx: ShimContext): void => {
    ctx.logger.info({ object: objectName, id: obj['id'] ?? null, pid: process.pid }, `${objectName} deleted`);
  };
}

/**
 * Bind: the port needs a service binding (a VpnBinding whose key is the port id, found
 * in the shim's cache); then answer with an ovs VIF on br-gluon.
 */
function bind(port: PortObject, ctx: ShimContext): BindOutcome {
  const id = String(port.id);
  const binding = ctx.serviceBindingOf(id);
  if (binding === undefined) {
    ctx.logger.warn({ port: id, pid: process.pid }, 'bind refused: no service binding');
    return { error: { reason: 'no_service_binding', message: `port ${id} has no service binding` } };
  }
  const service = ctx.get('VpnService', String(binding['service_id']));
  ctx.logger.info({ port: id, host: port.host_id, service: service?.['id'] ?? null, pid: process.pid }, 'bind');
  return { vif_type: 'ovs', vif_details: { port_filter: false, bridge_name: 'br-gluon' } };
}

export default defineShim({
  name: 'net-l3vpn-dummy',
  api: 'net-l3vpn',
  hosts: ['*'],
  handlers: {
    Port: {
      changed: logChanged('Port'),
      deleted: logDeleted('Port'),
      bind,
      unbind: (port, ctx) => ctx.logger.info({ port: port.id ?? null, pid: process.pid }, 'unbind'),
    },
    Interface: { changed: logChanged('Interface'), deleted: logDeleted('Interface') },
    VpnService: { changed: logChanged('VpnService'), deleted: logDeleted('VpnService') },
    VpnAfConfig: { changed: logChanged('VpnAfConfig'), deleted: logDeleted('VpnAfConfig') },
    VpnBinding: { changed: logChanged('VpnBinding'), deleted: logDeleted('VpnBinding') },
  },
});
