import type { BackendDriver } from '../../drivers/index.js';
import type { KeyValueStore } from '../kv/index.js';
import type { Logger } from '../log/index.js';

/**
 * Who is asking the arbiter, and how: the caller's token (forwarded to the backend
 * driver), the project used for tenant scoping, and whether the caller is an admin.
 */
export interface ArbiterContext {
  /** The caller's Keystone token, forwarded to the Proton server as `X-Auth-Token`. */
  readonly token?: string;
  /** Request id for logs (`X-OpenStack-Request-ID`). */
  readonly requestId?: string;
  /**
   * The caller's project. A non-admin caller sees (and updates) only the Gluon ports of
   * this project, as Neutron scopes its own ports; without it the caller is unscoped.
   */
  readonly projectId?: string;
  /**
   * True for an admin caller (sees every project's ports and the `binding:*` keys).
   * Default `true` when no `projectId` is given (Neutron's noauth admin context), else `false`.
   */
  readonly isAdmin?: boolean;
  /** Aborts the backend request(s). */
  readonly signal?: AbortSignal;
}

/**
 * Neutron-style list filters: attribute name → accepted values (a repeated query
 * parameter is an OR, different names are ANDed), e.g. `{ device_id: ['vm-1'] }`.
 */
export type PortFilters = Readonly<Record<string, readonly string[]>>;

/** Options of {@link PortArbiter.getPort}. */
export interface GetPortOptions {
  /** Return only these keys (Neutron's `fields=`); all keys when absent or empty. */
  readonly fields?: readonly string[];
  /** Caller context. */
  readonly ctx?: ArbiterContext;
}

/** Options of {@link PortArbiter.getPorts}. */
export interface GetPortsOptions extends GetPortOptions {
  /** Sort by these keys (Neutron's `sort_key`), each with the matching {@link sortDirs} entry. */
  readonly sortKeys?: readonly string[];
  /** `asc` (default) or `desc`, one per sort key. */
  readonly sortDirs?: readonly ('asc' | 'desc')[];
}

/** A Gluon port registration: `/gluon/port/<id>` = `{tenant_id, service, url}` in etcd. */
export interface PortRegistration {
  /** Port id (the key's last segment). */
  readonly id: string;
  /** The owning project, as registered. */
  readonly tenantId: string;
  /** The service (Proton API name) that owns the port, e.g. `net-l3vpn`. */
  readonly service: string;
  /** Base URL of the Proton server hosting the port. */
  readonly url: string;
  /** Revision of the etcd write that produced this registration. */
  readonly modRevision: number;
}

/** Finds (or creates) the backend driver of a service (`undefined` when none is configured). */
export type DriverLookup = (service: string) => BackendDriver | undefined | Promise<BackendDriver | undefined>;

/** Options of {@link PortArbiter}. */
export interface PortArbiterOptions {
  /** The key/value store holding the port registry (etcd, or the in-process store). */
  readonly kv: KeyValueStore;
  /** Drivers by service, or a lookup function. */
  readonly drivers: ReadonlyMap<string, BackendDriver> | DriverLookup;
  /** Where registrations live (default `/gluon/port/`). */
  readonly registryPrefix?: string;
  /** Logger (default: silent). */
  readonly logger?: Logger;
}
