import type { ApiModel } from '../core/model/index.js';
import type { EtcdAccessOptions, KeyValueStore } from '../core/kv/index.js';
import type { BackoffOptions } from '../core/retry/index.js';
import type { Informer } from './informer.js';
import type { Logger } from '../core/log/index.js';

/** An object as the Proton server mirrors it into etcd (typed JSON). */
export type ProtonObject = Record<string, unknown>;

/** A Proton port as seen in etcd: the binding fields the shim reads, plus the rest. */
export interface PortObject extends ProtonObject {
  /** The port id (its primary key). */
  readonly id?: string;
  /** Compute host the port is bound to (a bind request when set with `device_id`). */
  readonly host_id?: string | null;
  /** The device (VM) the port is plugged into. */
  readonly device_id?: string | null;
  /** Revision of the port row; echoed in the bind result as `port_revision`. */
  readonly revision_number?: number;
}

/** A successful bind: what Nova needs to plug the VM's interface. */
export interface BindSuccess {
  /** The VIF type (`ovs`, `vhostuser`, …). */
  readonly vif_type: string;
  /** VIF details, a JSON object (`{ port_filter: false, bridge_name: "br-gluon" }`). */
  readonly vif_details: Record<string, unknown>;
}

/** A refused or failed bind, reported to the server (the port ends `binding_failed`). */
export interface BindFailure {
  /** The failure reported to the server. */
  readonly error: {
    /** Short machine-readable reason (`no_service_binding`, `controller_unreachable`). */
    readonly reason: string;
    /** What happened, for the operator. */
    readonly message: string;
  };
}

/** What a `bind` handler returns. Throwing instead means "retry later" (with backoff). */
export type BindOutcome = BindSuccess | BindFailure;

/** The state of a port for this shim, derived from the port and its bind-result key. */
export type PortState = 'Unbound' | 'Bound' | 'InUse';

/** What every handler gets besides the object. */
export interface ShimContext {
  /** The API this shim serves (`net-l3vpn`). */
  readonly api: string;
  /** This shim's controller name (written as `controller` in bind results). */
  readonly name: string;
  /** The shim's logger. */
  readonly logger: Logger;
  /** Aborted when the handler should stop early (leadership lost, shutdown without drain). */
  readonly signal: AbortSignal;
  /** Reads an object of the API from the local cache (`ctx.get('VpnService', id)`). */
  get<T extends ProtonObject = ProtonObject>(objectName: string, id: string): T | undefined;
  /** Every cached object of one type. */
  list<T extends ProtonObject = ProtonObject>(objectName: string): T[];
  /**
   * The service binding of a port: the first object of a service-binding type
   * (see {@link ShimOptions.serviceBindingObjects}) whose key is the port id.
   */
  serviceBindingOf<T extends ProtonObject = ProtonObject>(portId: string): T | undefined;
  /** The current bind result of a port (`/controller/<api>/Port/<id>`), parsed; undefined when absent. */
  bindResultOf(portId: string): Record<string, unknown> | undefined;
}

/** Handlers for one object type. All are optional; all may be async. */
export interface ObjectHandlers<T extends ProtonObject = ProtonObject> {
  /**
   * The object was created or changed. `prev` is the state this handler saw last
   * (undefined the first time, e.g. at start-up or after a leader change): changes
   * that came in a burst are coalesced into one call with the latest state.
   */
  changed?(obj: T, prev: T | undefined, ctx: ShimContext): void | Promise<void>;
  /** The object was deleted; `obj` is its last known state. */
  deleted?(obj: T, ctx: ShimContext): void | Promise<void>;
}

/** Handlers of the port object: the object handlers plus bind / unbind. */
export interface PortHandlers<T extends PortObject = PortObject> extends ObjectHandlers<T> {
  /**
   * A bind request for one of this shim's hosts (`host_id` and `device_id` set, no
   * result yet): program the controller and return the VIF, or a failure with a
   * reason. Throwing means "try again later": the bind is retried with backoff.
   */
  bind?(port: T, ctx: ShimContext): BindOutcome | Promise<BindOutcome>;
  /** The port this shim bound was unbound (or deleted): undo what bind did. */
  unbind?(port: T, ctx: ShimContext): void | Promise<void>;
}

/**
 * The handlers of a shim, by object name (`Port`, `VpnService`…). The entry of the
 * port object (see {@link ShimOptions.portObject}) may also have `bind` / `unbind`.
 */
export type ShimHandlers = Readonly<Record<string, PortHandlers>>;

/** Leader election for active/standby pairs. */
export interface ShimElectionOptions {
  /** Election name (default `/election/shim/<api>/<name>`): instances with the same name form one pair. */
  readonly name?: string;
  /** Lease TTL in seconds (default 10): how long a dead leader blocks its standby. */
  readonly ttl?: number;
  /** This instance's id (default `<hostname>-<pid>-<random>`). */
  readonly candidateId?: string;
}

/** A shim as a package default-exports it (see {@link defineShim}): everything but the connection. */
export interface ShimDefinition {
  /** Default controller name (overridden by `gluon shim run --name`). */
  readonly name?: string;
  /** Default API (overridden by `--api`). */
  readonly api?: string;
  /** Default compute hosts this shim binds for (`['*']` = all; overridden by `--hosts`). */
  readonly hosts?: readonly string[];
  /** The handlers. */
  readonly handlers: ShimHandlers;
  /** The API model: gives the port object and the service-binding objects from their roles. */
  readonly model?: ApiModel;
  /** Name of the port object when no model is given (default `Port`). */
  readonly portObject?: string;
  /** Names of the service-binding objects when no model is given (default `['VpnBinding']`). */
  readonly serviceBindingObjects?: readonly string[];
  /** Most handlers running at once (default 4). */
  readonly concurrency?: number;
  /** Backoff of failed handlers, per key (default 5 ms doubling up to 30 s). */
  readonly backoff?: BackoffOptions;
  /** Active/standby leader election (off by default). */
  readonly election?: ShimElectionOptions;
}

/** Options of {@link createShim}: a definition plus where etcd is. */
export interface ShimOptions extends ShimDefinition {
  /** A key/value store to use (the caller keeps ownership). Give this or `etcd`. */
  readonly kv?: KeyValueStore;
  /** etcd URL(s) (`http://127.0.0.1:2379` or a list); the shim opens and closes the client. */
  readonly etcd?: string | readonly string[];
  /** Prefix of every etcd key (with `etcd`). */
  readonly etcdPrefix?: string;
  /** TLS material and etcd user (with `etcd`); see `gluon etcd roles` for the shim's role. */
  readonly etcdAccess?: EtcdAccessOptions;
  /** Controller name (required here or in the definition). */
  readonly name?: string;
  /** API (required here or in the definition). */
  readonly api?: string;
  /** Logger (pino-compatible; default silent). */
  readonly logger?: Logger;
}

/** A running (or startable) shim. */
export interface Shim {
  /** The controller name. */
  readonly name: string;
  /** The API. */
  readonly api: string;
  /** The key/value store the shim uses. */
  readonly kv: KeyValueStore;
  /** The informer of `/proton/<api>/` (objects). */
  readonly objects: Informer<ProtonObject>;
  /** The informer of `/controller/<api>/Port/` (bind results). */
  readonly results: Informer<ProtonObject>;
  /** True while this instance runs handlers (always true without election once started). */
  readonly isLeader: boolean;
  /** The state of a port for this shim right now. */
  portState(portId: string): PortState | undefined;
  /**
   * Starts the informers and handlers (campaigning first with election). Resolves
   * once the caches are loaded (not waiting for leadership). After {@link stop},
   * resumes from the last revision seen: every change made meanwhile is delivered.
   */
  start(): Promise<void>;
  /** Stops handling and watching (handlers in flight finish); keeps the caches. */
  stop(): Promise<void>;
  /** Resolves once every queued change was handled (for tests and tools). */
  idle(): Promise<void>;
  /** Graceful shutdown: finish handlers in flight, release the leadership lease, close. */
  close(): Promise<void>;
}
