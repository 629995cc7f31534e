/**
 * The server hooks contract: what a plugin's `gluon.hooks` entry exports.
 *
 * Server hooks play the role of the original Gluon's managers: they validate or enrich
 * an object before it is written, react after a write, and decide whether a bind goes
 * ahead (and with which values). They run inside the Proton server for every request,
 * with no access to HTTP details, so the same hooks serve `gluon serve` and an
 * embedded app alike.
 * @packageDocumentation
 */

/** The plugin contract version server hooks implement (the same as drivers'). */
export const HOOKS_API_VERSION = 1;

/** The kind of write a hook sees. */
export type HookWriteAction = 'create' | 'update' | 'delete';

/** What every hook call knows about the object it concerns. */
export interface HookTarget {
  /** The API name, e.g. `net-l3vpn`. */
  readonly api: string;
  /** The served API version, e.g. `v1.0`. */
  readonly version: string;
  /** The object's name in the model, e.g. `Port`. */
  readonly object: string;
  /** The object's primary key (absent on a create: the server has not chosen it yet). */
  readonly key?: string;
  /** The caller's project (tenant) id, when the server authenticates callers. */
  readonly tenantId?: string;
}

/** The argument of {@link ServerHooksDefinition.beforeWrite}. */
export interface BeforeWriteEvent extends HookTarget {
  /** `create` (full body) or `update` (the patch the caller sent). */
  readonly action: 'create' | 'update';
  /** The validated values about to be written. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The argument of {@link ServerHooksDefinition.afterWrite}. */
export interface AfterWriteEvent extends HookTarget {
  /** What was written. */
  readonly action: HookWriteAction;
  /** The object as stored (null after a delete). */
  readonly stored: Readonly<Record<string, unknown>> | null;
}

/** The argument of {@link ServerHooksDefinition.decideBind}. */
export interface BindEvent extends HookTarget {
  /** The port's key. */
  readonly key: string;
  /** The host the port is bound to (`host_id`). */
  readonly hostId: string;
  /** The device (VM) the port is bound for (`device_id`). */
  readonly deviceId: string;
  /** The bind patch the caller sent (host_id, device_id and any other attribute). */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Replacement values returned by a hook, or nothing to keep the values unchanged. */
export type HookValues = Readonly<Record<string, unknown>> | undefined | void;

/**
 * A named, versioned set of server hooks — what a plugin's `gluon.hooks` entry exports.
 * Build one with {@link defineHooks}. Every hook is optional; a hook refuses a request by
 * throwing a `GluonError` (its status and code reach the caller, e.g. 400 or 409); any
 * other thrown error is a 500.
 */
export interface ServerHooksDefinition {
  /** Human name, used in logs and errors (e.g. `acme-audit`). */
  readonly name: string;
  /** The plugin contract version; must equal {@link HOOKS_API_VERSION}. */
  readonly apiVersion: 1;
  /** The APIs these hooks apply to (by name); absent = every API the server hosts. */
  readonly apis?: readonly string[];
  /**
   * Validates or enriches the values of a create or update before the store write;
   * return replacement values (they are written as returned, after the model's own
   * validation has passed on the caller's values) or nothing.
   */
  beforeWrite?(event: BeforeWriteEvent): HookValues | Promise<HookValues>;
  /** Reacts to a successful create, update or delete (audit, notifications). Its errors are logged, not answered. */
  afterWrite?(event: AfterWriteEvent): void | Promise<void>;
  /**
   * Decides a bind (an update of a port that sets `host_id` and `device_id`) before it
   * reaches the shims: throw a `GluonError` to refuse it, return replacement values for
   * the bind patch (e.g. a `profile`), or nothing to let it go ahead unchanged.
   */
  decideBind?(event: BindEvent): HookValues | Promise<HookValues>;
}

/** Server hooks found by plugin discovery, with where they came from. */
export interface DiscoveredHooks extends ServerHooksDefinition {
  /** The npm package that provides them. */
  readonly package: string;
}
