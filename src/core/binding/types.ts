import type { KeyValueStore } from '../kv/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { ProtonStore, StoredObject } from '../store/index.js';
import type { Logger } from '../log/index.js';

/** Default time a bind waits for its shim result: 10 s. */
export const DEFAULT_BIND_TIMEOUT_MS = 10_000;

/** Default upper bound of a per-request `bind_timeout`: 120 s. */
export const DEFAULT_MAX_BIND_TIMEOUT_MS = 120_000;

/** `vif_type` stored when a bind failed (shim-reported failure or deadline). */
export const BINDING_FAILED = 'binding_failed';

/** Options of {@link BindingCoordinator}. */
export interface BindingCoordinatorOptions {
  /** Where ports are stored. */
  readonly store: ProtonStore;
  /** Where shims write bind results (`/controller/<api>/Port/<id>`). */
  readonly kv: KeyValueStore;
  /** The API versions served; one result watch is opened per API name that has a port object. */
  readonly apis: readonly ApiModel[];
  /** How long a bind waits for its result when the request does not say (ms, default 10,000). */
  readonly defaultTimeoutMs?: number;
  /** Largest per-request `bind_timeout` accepted (ms, default 120,000). */
  readonly maxTimeoutMs?: number;
  /** Logger (default: silent). */
  readonly logger?: Logger;
}

/** What a PUT on a port-role object is. */
export type PortUpdateKind = 'bind' | 'unbind' | 'plain';

/** The binding a bind request asks for. */
export interface BindingRequest {
  readonly host_id: string;
  readonly device_id: string;
}

/** One update of a port-role object, as the HTTP layer hands it to the coordinator. */
export interface PortUpdate {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  /** The port's primary key. */
  readonly id: string;
  /** The validated patch of the PUT. */
  readonly patch: Readonly<Record<string, unknown>>;
  /** Performs the store write (with the caller's If-Match and parent scope). */
  readonly write: PortWrite;
}

/** Options of one bind. */
export interface BindOptions {
  /** How long to wait for the shim's result (ms); 0 answers at once with the pending port. */
  readonly timeoutMs?: number;
  /**
   * The port as the caller just read it (e.g. the HTTP layer's read for `authorizeStored`).
   * A bind may decide on it instead of reading the port again; its pending write is then
   * guarded by this snapshot's `revision_number`, and if the port changed meanwhile (412)
   * the bind re-reads it and decides again — so a stale snapshot never changes the outcome.
   */
  readonly current?: StoredObject;
}

/** Options of one {@link PortWrite}. */
export interface PortWriteOptions {
  /** Write only if the port's `revision_number` is still this one (else 412 `GLUON_ERR_PRECONDITION_FAILED`). Ignored when the caller sent its own If-Match. */
  readonly ifRevision?: number;
  /** Publish the write to etcd at once (the store write option `urgent`): a bind's pending port, which its shims must see. */
  readonly urgent?: boolean;
}

/** Performs the store write of an update (the HTTP layer's `store.update`, with If-Match and parent scope). */
export type PortWrite = (patch: Readonly<Record<string, unknown>>, options?: PortWriteOptions) => Promise<StoredObject>;

/** A shim's answer read from `/controller/<api>/Port/<id>` (the format is the wire part's). */
export type { ShimResult } from '../wire/index.js';
