/** What the chaos load records: one entry per request, as the client saw it. */

/** The state of one object as the checker compares it. */
export interface ObjectState {
  readonly exists: boolean;
  /** The port's `name` (ports only). */
  readonly name?: string;
}

/**
 * How a request ended for the client: `ok` (a 2xx answer), `fail` (a definite refusal:
 * a 4xx, or the connection was refused so nothing was sent), `unknown` (the answer was
 * lost: reset, timeout, a 5xx) — maybe applied, maybe not.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** A bind's answer, when one came. */
export interface BindAnswer {
  readonly status: number;
  readonly vifType: unknown;
  readonly portStatus: unknown;
  /** `vif_details.reason` of a `binding_failed` answer. */
  readonly reason?: string;
}

/** One request of the load. */
export interface Operation {
  readonly seq: number;
  readonly worker: number;
  readonly kind: 'create' | 'update' | 'delete' | 'bind';
  /** `Port` or `VpnBinding`. */
  readonly object: 'Port' | 'VpnBinding';
  /** The object's etcd key (`/proton/net-l3vpn/Port/<id>`). */
  readonly key: string;
  /** The server it was sent to (`server-a`, `server-b`). */
  readonly server: string;
  /** Wall-clock start and end, ms since the epoch. */
  readonly start: number;
  end: number;
  outcome: Outcome;
  /** HTTP status, when an answer came. */
  status?: number;
  /** Why it failed or is unknown (status text or network error code). */
  error?: string;
  /** The object's state once this request is applied. */
  readonly after: ObjectState;
  /** Binds: the deadline asked for (`?bind_timeout=`) and the answer. */
  readonly bindTimeoutMs?: number;
  bind?: BindAnswer;
}

/** A fault as it was carried out. */
export interface FaultEvent {
  readonly target: string;
  /** The process hit (the etcd member's name for `etcd-leader`). */
  readonly resolved: string;
  readonly kind: 'kill' | 'stop' | 'compact';
  readonly start: number;
  /** When the target was restarted or continued (start for a compaction). */
  end: number;
  /** The PID hit (the shim's, for the duplicate-effect rule). */
  readonly pid: number;
  /** Compaction: the revision compacted to; or why the fault was skipped. */
  note?: string;
}

/** One handler effect a chaos shim recorded. */
export interface Effect {
  readonly kind: 'bind' | 'unbind';
  readonly pid: number;
  readonly port: string;
  readonly revision: number | null;
  readonly device: string | null;
  readonly at: number;
}

/** A shim's cache dump (see `gluon shim run --debug-dump`), reduced to key → modRevision. */
export interface CacheDump {
  readonly shim: string;
  readonly pid: number;
  readonly leader: boolean;
  readonly objects: ReadonlyMap<string, number>;
  readonly results: ReadonlyMap<string, number>;
}
