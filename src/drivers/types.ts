import type { ApiModel } from '../core/model/index.js';
import type { Logger } from '../core/log/index.js';
import type { DiscoveredHooks } from './hooks/types.js';

/**
 * The contract between the port arbiter and the backends that own Gluon ports.
 *
 * A backend driver answers Neutron's `get_port`, `get_ports` and `update_port` for the
 * ports of one service (one Proton, e.g. `net-l3vpn`), always in Neutron's shape, so
 * that Nova sees Gluon ports exactly like Neutron ports.
 * @packageDocumentation
 */

/** The plugin contract version this SDK implements (the `gluon.apiVersion` of plugins). */
export const DRIVER_API_VERSION = 1;

/** A Neutron fixed IP as Nova reads it. */
export interface NeutronFixedIp {
  /** The IP address (the service binding's `ipaddress`). */
  readonly ip_address: string;
  /** The dummy GluonSubnet's id. */
  readonly subnet_id: string;
}

/**
 * A port in Neutron's shape: every key Nova reads (see `docs/drivers.md`).
 * Values that the backend does not know are `""` (as the original Gluon did), lists are
 * empty and the `binding:*` dicts are `{}`.
 */
export interface NeutronPort {
  /** Port id (the Proton port's primary key). */
  readonly id: string;
  /** Port name (`""` when unset). */
  readonly name: string;
  /** The dummy GluonNetwork's id. */
  readonly network_id: string;
  /** Owner project (Keystone project id). */
  readonly tenant_id: string;
  /** Same as `tenant_id` (Neutron returns both since Newton). */
  readonly project_id: string;
  /** MAC address. */
  readonly mac_address: string;
  /** Administrative state. */
  readonly admin_state_up: boolean;
  /** `ACTIVE`, `DOWN`, `BUILD`, `ERROR`… (`""` when unset). */
  readonly status: string;
  /** The instance using the port (Nova sets it on bind). */
  readonly device_id: string;
  /** `compute:<zone>` once bound by Nova. */
  readonly device_owner: string;
  /** From the service binding of the port's default interface; `[]` when none. */
  readonly fixed_ips: readonly NeutronFixedIp[];
  /** The compute host the port is bound to (`""` when unbound). */
  readonly 'binding:host_id': string;
  /** `ovs`, `vhostuser`, … as reported by the shim (`""` when unbound). */
  readonly 'binding:vif_type': string;
  /** VIF details reported by the shim (`{}` when none). */
  readonly 'binding:vif_details': Readonly<Record<string, unknown>>;
  /** `normal` unless the backend says otherwise. */
  readonly 'binding:vnic_type': string;
  /** The binding profile Nova sent (`{}` when none). */
  readonly 'binding:profile': Readonly<Record<string, unknown>>;
  /** Tap device name: `"tap" + id[:11]`. */
  readonly devname: string;
  /** Always `[]` for Gluon ports. */
  readonly security_groups: readonly string[];
  /** Always `[]` for Gluon ports. */
  readonly allowed_address_pairs: readonly unknown[];
  /** Always `[]` for Gluon ports. */
  readonly extra_dhcp_opts: readonly unknown[];
  /** ISO-8601 creation time (`""` when unknown). */
  readonly created_at: string;
  /** ISO-8601 last update time (`""` when unknown). */
  readonly updated_at: string;
  /** The backend object's revision (0 when the backend has none). */
  readonly revision_number: number;
  /** Free text (`""` when unset). */
  readonly description: string;
  /** Always `[]` for Gluon ports. */
  readonly tags: readonly string[];
}

/** The Neutron keys every {@link NeutronPort} carries, in a stable order. */
export const NEUTRON_PORT_KEYS = [
  'id', 'name', 'network_id', 'tenant_id', 'project_id', 'mac_address', 'admin_state_up', 'status',
  'device_id', 'device_owner', 'fixed_ips', 'binding:host_id', 'binding:vif_type', 'binding:vif_details',
  'binding:vnic_type', 'binding:profile', 'devname', 'security_groups', 'allowed_address_pairs',
  'extra_dhcp_opts', 'created_at', 'updated_at', 'revision_number', 'description', 'tags',
] as const satisfies readonly (keyof NeutronPort)[];

/**
 * Where a Gluon port lives: its id and the Proton server URL of its registration
 * (`/gluon/port/<id>` = `{tenant_id, service, url}` in etcd).
 */
export interface PortRef {
  /** Port id. */
  readonly id: string;
  /** Base URL of the Proton server hosting the port, e.g. `http://10.0.0.5:2705`. */
  readonly url: string;
  /** The registration's `tenant_id`, when known (informational). */
  readonly tenantId?: string;
}

/** Per-call context: who is asking and how long they are willing to wait. */
export interface DriverContext {
  /** The caller's Keystone token, forwarded as `X-Auth-Token` (wins over the token provider). */
  readonly token?: string;
  /** Request id for logs and `X-OpenStack-Request-ID`. */
  readonly requestId?: string;
  /** Aborts the backend request(s). */
  readonly signal?: AbortSignal;
}

/** What Nova asks for when it binds a port (`PUT /v2.0/ports/<id>` with `binding:host_id`). */
export interface BindRequest {
  /** Compute host (`binding:host_id`); non-empty. */
  readonly hostId: string;
  /** Instance uuid (`device_id`). */
  readonly deviceId: string;
  /** `compute:<zone>` (`device_owner`); `""` when absent. */
  readonly deviceOwner?: string;
  /** `binding:profile` (sent to the backend as JSON text). */
  readonly profile?: Readonly<Record<string, unknown>> | null;
  /** `binding:vnic_type`, when Nova sent one. */
  readonly vnicType?: string;
}

/**
 * A plain (non-binding) update in Neutron terms, e.g. `{ name: 'web-1', admin_state_up: false }`.
 * Drivers map each key back to their backend's attribute and reject keys they cannot map
 * with `GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE` (400) naming the key.
 */
export interface NeutronPortChanges {
  /** The port's name. */
  readonly name?: string;
  /** Administrative state (false = administratively down). */
  readonly admin_state_up?: boolean;
  /** The MAC address (`fa:16:3e:…`). */
  readonly mac_address?: string;
  /** The device (VM) using the port. */
  readonly device_id?: string;
  /** The kind of device (`compute:nova`). */
  readonly device_owner?: string;
  /** Free text. */
  readonly description?: string;
  /** `normal`, `direct`, … (Neutron's VNIC types). */
  readonly 'binding:vnic_type'?: string;
  /** Opaque binding details for the backend; null clears them. */
  readonly 'binding:profile'?: Readonly<Record<string, unknown>> | null;
  /** Anything else Neutron accepts; a driver that cannot apply it rejects it. */
  readonly [key: string]: unknown;
}

/**
 * A backend driver: answers for the ports of one service. Created per service by a
 * {@link DriverDefinition}'s `create`.
 *
 * Every method resolves to Neutron-shaped ports ({@link NeutronPort}); failures reject
 * with a `GluonError` whose code starts with `GLUON_ERR_DRIVER_` (or the backend's own
 * error code/status, e.g. `GLUON_ERR_NOT_FOUND` 404 when binding a port that vanished).
 */
export interface BackendDriver {
  /** The service (Proton API name) this driver answers for. */
  readonly service: string;
  /**
   * Binds the port to a host (Nova's bind); resolves when the backend has answered,
   * with the bind result (`binding:vif_type`, `binding:vif_details`) in the port.
   * @param port - the port and its Proton server URL
   * @param request - host, device and profile from Nova
   * @param ctx - caller token, request id, abort signal
   * @returns the port after the bind
   * @throws GluonError `GLUON_ERR_NOT_FOUND` when the backend has no such port,
   *   `GLUON_ERR_DRIVER_UNREACHABLE` / `GLUON_ERR_DRIVER_BACKEND_ERROR` on backend failures
   */
  bind(port: PortRef, request: BindRequest, ctx?: DriverContext): Promise<NeutronPort>;
  /**
   * Unbinds the port (Nova's `binding:host_id: null`).
   * @returns the port after the unbind (`binding:host_id` `""`)
   */
  unbind(port: PortRef, ctx?: DriverContext): Promise<NeutronPort>;
  /**
   * Reads one port.
   * @returns the port, or `undefined` when the backend does not have it
   */
  getPort(port: PortRef, ctx?: DriverContext): Promise<NeutronPort | undefined>;
  /**
   * Reads many ports, batched: implementations make one request (or a few, for very long
   * lists) per backend server, never one per port. Order of the answer is not
   * significant; ports the backend does not have are omitted.
   */
  getPorts(ports: readonly PortRef[], ctx?: DriverContext): Promise<NeutronPort[]>;
  /**
   * Applies a plain update (no `binding:host_id`) mapped back to backend attributes.
   * @throws GluonError `GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE` (400) for a key it cannot map,
   *   `GLUON_ERR_NOT_FOUND` when the port is gone
   */
  updatePort(port: PortRef, changes: NeutronPortChanges, ctx?: DriverContext): Promise<NeutronPort>;
  /** Releases connections. Idempotent; later calls reject with `GLUON_ERR_DRIVER_CLOSED`. */
  close(): Promise<void>;
}

/**
 * Supplies a service token when the caller gave none (the Keystone authenticator plugs in here).
 * Resolve `undefined` to send no `X-Auth-Token`.
 */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

/** What a driver factory receives: one driver is created per service. */
export interface DriverFactoryOptions {
  /** The service (Proton API name) the driver answers for, e.g. `net-l3vpn`. */
  readonly service: string;
  /** Id of the dummy Neutron network `GluonNetwork` (the ports' `network_id`). */
  readonly gluonNetworkId: string;
  /** Id of the dummy Neutron subnet `GluonSubnet` (the ports' `fixed_ips[].subnet_id`). */
  readonly gluonSubnetId: string;
  /** Where the driver logs. */
  readonly logger: Logger;
  /** Service credential used when a call's context carries no token. */
  readonly tokenProvider?: TokenProvider;
  /** The service's model, when the host has it (saves discovery requests). */
  readonly model?: ApiModel;
  /** CA certificates (PEM) to verify https backends with, instead of the system ones (the host's `tlsCa` setting). */
  readonly trustedCa?: string;
}

/**
 * A named, versioned driver factory — what a plugin's `gluon.drivers` entry exports.
 * Build one with {@link defineDriver}.
 */
export interface DriverDefinition {
  /** Human name, used in logs and errors (e.g. `acme-l3vpn`). */
  readonly name: string;
  /** The plugin contract version; must equal {@link DRIVER_API_VERSION}. */
  readonly apiVersion: 1;
  /** Creates the driver for one service. */
  create(options: DriverFactoryOptions): BackendDriver | Promise<BackendDriver>;
}

/** A driver found by {@link DiscoverPluginsOptions | discovery}, with where it came from. */
export interface DiscoveredDriver extends DriverDefinition {
  /** The npm package that provides it. */
  readonly package: string;
}

/** A shim entry found by discovery; imported only when {@link DiscoveredShim.load} is called. */
export interface DiscoveredShim {
  /** The shim's name (the key in `gluon.shims`). */
  readonly name: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** Absolute path of the module file. */
  readonly file: string;
  /** The export to use (`default` when the entry has no `#export`). */
  readonly exportName: string;
  /** Imports the module and returns the export (whatever the shim SDK defines). */
  load(): Promise<unknown>;
}

/** Options of `discoverPlugins`. */
export interface DiscoverPluginsOptions {
  /** The application's root directory (where its package.json is). */
  readonly root: string;
  /**
   * Packages to load, by name as the application would import them. When absent, every
   * `dependencies` entry of the application's package.json whose package.json has a
   * `gluon` field is loaded.
   */
  readonly plugins?: readonly string[];
}

/** What `discoverPlugins` found. */
export interface DiscoveredPlugins {
  /** One driver per service. */
  readonly drivers: ReadonlyMap<string, DiscoveredDriver>;
  /** Shims by name. */
  readonly shims: ReadonlyMap<string, DiscoveredShim>;
  /** Absolute paths of model files shipped by plugins. */
  readonly models: readonly string[];
  /** Server hooks by name (the keys of `gluon.hooks`), in discovery order. */
  readonly hooks: ReadonlyMap<string, DiscoveredHooks>;
  /** The plugin packages that were read, in order. */
  readonly packages: readonly string[];
  /** What each package provides, in discovery order (for start-up logs and `gluon serve --plugins`). */
  readonly provided: readonly PluginProvision[];
}

/** What one plugin package provides. */
export interface PluginProvision {
  /** The npm package name. */
  readonly package: string;
  /** Services it provides a driver for. */
  readonly drivers: readonly string[];
  /** Its shims' names. */
  readonly shims: readonly string[];
  /** Its server hooks' names. */
  readonly hooks: readonly string[];
  /** Absolute paths of its model files. */
  readonly models: readonly string[];
}
