import type { KeyValueStore } from '../core/kv/index.js';
import type { ApiModel } from '../core/model/index.js';
import { defineShim } from './define-shim.js';
import { createShim } from './shim.js';
import type { BindOutcome, PortObject, ProtonObject, Shim, ShimContext, ShimDefinition, ShimHandlers } from './types.js';
import type { Logger } from '../core/log/index.js';

/** The VIF the dummy shim answers binds with (the original's `net-l3vpn-dummy` backend). */
export const DUMMY_VIF = {
  /** Open vSwitch. */
  vif_type: 'ovs',
  /** What Nova's OVS VIF driver reads. */
  vif_details: {
    /** No port filtering by the hypervisor. */
    port_filter: false,
    /** The bridge the port is plugged into. */
    bridge_name: 'br-gluon',
  },
} as const;

/**
 * The dummy bind: `{ vif_type: "ovs", vif_details: { port_filter: false, bridge_name: "br-gluon" } }`
 * when the port has a service binding in the cache, else a `no_service_binding` failure.
 */
export function dummyBind(port: PortObject, ctx: ShimContext): BindOutcome {
  const id = String(port.id ?? '');
  const binding = ctx.serviceBindingOf(id);
  if (!binding) {
    ctx.logger.warn({ port: id }, 'dummy shim: bind refused, the port has no service binding');
    return { error: { reason: 'no_service_binding', message: `port ${id} has no service binding: create one whose key is the port id before binding` } };
  }
  ctx.logger.info({ port: id, host: port.host_id, binding }, 'dummy shim: bind');
  return { vif_type: DUMMY_VIF.vif_type, vif_details: { ...DUMMY_VIF.vif_details } };
}

function logging(objectName: string): ShimHandlers[string] {
  return {
    changed: (obj: ProtonObject, prev: ProtonObject | undefined, ctx: ShimContext) =>
      ctx.logger.info({ object: objectName, id: obj['id'] ?? null, created: prev === undefined }, `dummy shim: ${objectName} changed`),
    deleted: (obj: ProtonObject, ctx: ShimContext) => ctx.logger.info({ object: objectName, id: obj['id'] ?? null }, `dummy shim: ${objectName} deleted`),
  };
}

/** Options of {@link createDummyShim} / {@link dummyShimDefinition}. */
export interface DummyShimOptions {
  /** Controller name (default `net-l3vpn-dummy`). */
  readonly name?: string;
  /** API (default `net-l3vpn`). */
  readonly api?: string;
  /** Hosts it binds for (default `['*']`). */
  readonly hosts?: readonly string[];
  /** The API model (gives the port and service-binding objects by role). */
  readonly model?: ApiModel;
  /** Port object name without a model (default `Port`). */
  readonly portObject?: string;
  /** Service-binding object names without a model (default `['VpnBinding']`). */
  readonly serviceBindingObjects?: readonly string[];
  /** Object names whose changes are logged (default: the net-l3vpn objects, or every object of the model). */
  readonly loggedObjects?: readonly string[];
  /** Logger. */
  readonly logger?: Logger;
  /** Leader election. */
  readonly election?: ShimDefinition['election'];
}

/** The dummy shim as a definition (for `gluon shim run` or {@link createShim}). */
export function dummyShimDefinition(options: DummyShimOptions = {}): ShimDefinition {
  const portObject = options.model?.objects.find((o) => o.role === 'port')?.name ?? options.portObject ?? 'Port';
  const logged = options.loggedObjects ?? options.model?.objects.map((o) => o.name) ?? ['Port', 'Interface', 'VpnService', 'VpnAfConfig', 'VpnBinding'];
  const handlers: Record<string, ShimHandlers[string]> = {};
  for (const name of logged) handlers[name] = logging(name);
  handlers[portObject] = {
    ...logging(portObject),
    bind: dummyBind,
    unbind: (port: PortObject, ctx: ShimContext) => ctx.logger.info({ port: port.id ?? null }, 'dummy shim: unbind'),
  };
  return defineShim({
    name: options.name ?? 'net-l3vpn-dummy',
    api: options.api ?? 'net-l3vpn',
    hosts: options.hosts ?? ['*'],
    handlers,
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.portObject === undefined ? {} : { portObject: options.portObject }),
    ...(options.serviceBindingObjects === undefined ? {} : { serviceBindingObjects: options.serviceBindingObjects }),
    ...(options.election === undefined ? {} : { election: options.election }),
  });
}

/**
 * An in-process dummy shim on a key/value store (e.g. the reference server's embedded
 * store), so a bind completes with no other process. Call `start()` / `close()`.
 */
export function createDummyShim(kv: KeyValueStore, options: DummyShimOptions = {}): Shim {
  return createShim({ ...dummyShimDefinition(options), kv, ...(options.logger === undefined ? {} : { logger: options.logger }) });
}
