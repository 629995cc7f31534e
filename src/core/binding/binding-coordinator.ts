import { GluonError, isGluonError, type GluonErrorCode } from '../errors/index.js';
import type { KeyValueStore, Watch } from '../kv/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { bindingOf, classifyPortUpdate, sameBinding } from './classify.js';
import { failedFields, holds, parseShimResult, pendingFields, resultFields, unboundFields } from './result-value.js';
import {
  BINDING_FAILED,
  DEFAULT_BIND_TIMEOUT_MS,
  DEFAULT_MAX_BIND_TIMEOUT_MS,
  type BindOptions,
  type BindingCoordinatorOptions,
  type BindingRequest,
  type PortWrite,
  type ShimResult,
} from './types.js';
import { controllerPrefix as resultPrefix } from '../wire/index.js';
import { KeyedLock } from './keyed-lock.js';
import { silentLogger, type Logger } from '../log/index.js';

/** One bind request of one port, answered once by a shim result (or an unbind). */
interface Attempt {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  readonly binding: BindingRequest;
  /** The port's revision_number stored with the request. */
  revision: number | undefined;
  /** The port as the pending write stored it (lets a result apply without re-reading it). */
  stored: StoredObject | undefined;
  /** Requests currently waiting for it. */
  waiters: number;
  /** A result (or an unbind) answered it. */
  resolved: boolean;
  /** A deadline passed and `binding_failed` was stored (a later result still applies). */
  failedStored: StoredObject | undefined;
  readonly result: Promise<StoredObject>;
  resolve(port: StoredObject): void;
}

const TIMEOUT = Symbol('timeout');

/**
 * The bind protocol of a Proton server (one per server).
 *
 * - **Bind** (a PUT on a port with non-empty `host_id` and `device_id`): the port is
 *   stored with its binding request and the pending state (`vif_type` null, `vif_details`
 *   null, `status` DOWN), which the etcd mirror carries to the shims; the request then
 *   waits, asynchronously, for the shim's result on `/controller/<api>/Port/<id>` up to
 *   its deadline. A VIF is stored with `status` ACTIVE; a reported failure or the
 *   deadline stores `vif_type` `binding_failed` with `{"reason", "message"}` in
 *   `vif_details`, status DOWN. A result arriving after the deadline is still applied.
 * - **Unbind** (both present, either empty or null): `vif_type` null, `vif_details`
 *   `"{}"`, status DOWN; the shims see it through the mirror.
 * - Every other update is a plain update.
 *
 * ONE watch per API on `/controller/<api>/Port/` serves every waiting request; results
 * for an earlier request of the port (other host/device, or a `port_revision` older than
 * the request) are ignored. Bind, unbind, deadlines and result applications of one port
 * run one at a time; different ports never wait for each other.
 */
export class BindingCoordinator {
  private readonly kv: KeyValueStore;
  private readonly logger: Logger;
  /** Default deadline of a bind (ms). */
  readonly defaultTimeoutMs: number;
  /** Largest per-request deadline (ms). */
  readonly maxTimeoutMs: number;
  private readonly ports = new Map<string, { api: ApiModel; object: ObjectModel }>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly lock = new KeyedLock();
  private readonly watches = new Map<string, Watch>();
  private started = false;
  private closed = false;

  constructor(private readonly options: BindingCoordinatorOptions) {
    this.kv = options.kv;
    this.logger = options.logger ?? silentLogger;
    this.defaultTimeoutMs = checkMs('defaultTimeoutMs', options.defaultTimeoutMs, DEFAULT_BIND_TIMEOUT_MS);
    this.maxTimeoutMs = Math.max(this.defaultTimeoutMs, checkMs('maxTimeoutMs', options.maxTimeoutMs, DEFAULT_MAX_BIND_TIMEOUT_MS));
    for (const api of options.apis) {
      const object = api.objects.find((o) => o.role === 'port');
      if (object !== undefined && !this.ports.has(api.name)) this.ports.set(api.name, { api, object });
    }
  }

  /** The API names whose bind results are watched. */
  get apiNames(): readonly string[] {
    return [...this.ports.keys()];
  }

  /** Opens the result watches (one per API with a port object). Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    // a failed start may be retried: only the watches not open yet are opened again
    await Promise.all([...this.ports.keys()].filter((name) => !this.watches.has(name)).map((name) => this.watchResults(name)));
    this.started = true;
  }

  /** Closes the watches. Requests still waiting answer at their deadline. */
  async close(): Promise<void> {
    this.closed = true;
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map((w) => w.close().catch(() => undefined)));
  }

  /**
   * Performs the update of a port-role object: a bind (waits for the result), an unbind,
   * or a plain update (just `write`).
   */
  update(api: ApiModel, object: ObjectModel, id: string, patch: Readonly<Record<string, unknown>>, write: PortWrite, options: BindOptions = {}): Promise<StoredObject> {
    switch (object.role === 'port' ? classifyPortUpdate(patch) : 'plain') {
      case 'bind':
        return this.bind(api, object, id, patch, write, options);
      case 'unbind':
        return this.unbind(api, object, id, patch, write);
      default:
        return write(patch);
    }
  }

  /**
   * Binds port `id` (the patch has non-empty `host_id` and `device_id`; its other fields,
   * e.g. `device_owner` and `profile`, are stored too) and resolves with the port once the
   * shim answered or the deadline passed. A second bind of the same host and device while
   * one waits joins it; one to another host or device fails with `GLUON_ERR_BIND_PENDING`
   * (409). A bind the port already holds (same host and device, a VIF stored) is a plain
   * update answered at once.
   */
  async bind(api: ApiModel, object: ObjectModel, id: string, patch: Readonly<Record<string, unknown>>, write: PortWrite, options: BindOptions = {}): Promise<StoredObject> {
    const binding = bindingOf(patch);
    if (binding === undefined) return write(patch);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const key = portKey(api.name, id);
    const started = await this.lock.run(key, async () => {
      // the caller's fresh read of the port saves reading it again; a write decided on it
      // is guarded by its revision, and a 412 means it was stale: decide again on a re-read
      const snapshot = options.current !== undefined && revisionOf(options.current) !== undefined ? options.current : undefined;
      if (snapshot !== undefined) {
        try {
          return await this.startBind(api, object, id, key, binding, patch, write, timeoutMs, snapshot);
        } catch (err) {
          if (!isGluonErrorCode(err, 'GLUON_ERR_PRECONDITION_FAILED')) throw err;
        }
      }
      return this.startBind(api, object, id, key, binding, patch, write, timeoutMs, undefined);
    });
    if ('immediate' in started) return started.immediate;
    return this.wait(started, key, timeoutMs);
  }

  /**
   * The locked part of a bind: joins the attempt waiting, answers at once, or stores the
   * pending port and registers a new attempt. With `snapshot` (a caller's read of the
   * port) it decides on it, only when no attempt of the port is in memory, and guards its
   * write by the snapshot's revision (a 412 then tells the caller to retry without it).
   */
  private async startBind(
    api: ApiModel,
    object: ObjectModel,
    id: string,
    key: string,
    binding: BindingRequest,
    patch: Readonly<Record<string, unknown>>,
    write: PortWrite,
    timeoutMs: number,
    snapshot: StoredObject | undefined,
  ): Promise<Attempt | { readonly immediate: StoredObject }> {
    const current = this.attempts.get(key);
    if (current !== undefined && !current.resolved) {
      if (sameBinding(current.binding, binding)) {
        if (current.failedStored === undefined) {
          if (timeoutMs === 0) return { immediate: await this.options.store.get(api, object, id) };
          current.waiters++;
          return current;
        }
      } else if (current.waiters > 0) {
        throw pendingConflict(api, id, current.binding, binding);
      }
    }
    let port = current === undefined ? snapshot : undefined;
    if (port !== undefined && sameBinding(bindingOf(port), binding) && port['vif_type'] === BINDING_FAILED) port = undefined;
    const guard = port === undefined ? undefined : { ifRevision: revisionOf(port) as number };
    port ??= await this.options.store.get(api, object, id);
    const vifType = port['vif_type'];
    if (sameBinding(bindingOf(port), binding) && typeof vifType === 'string' && vifType !== BINDING_FAILED && current === undefined) {
      return { immediate: await write(patch, guard) };
    }
    if (sameBinding(bindingOf(port), binding) && vifType === BINDING_FAILED) await this.clearAnswer(api.name, id, binding);
    const attempt = current !== undefined && !current.resolved && sameBinding(current.binding, binding) ? current : newAttempt(api, object, id, binding);
    if (attempt !== current && current !== undefined && !current.resolved) settle(current, port);
    this.attempts.set(key, attempt);
    attempt.failedStored = undefined;
    attempt.waiters++;
    try {
      // the shims must see the pending port for the bind to end: publish it at once
      const stored = await write({ ...patch, ...pendingFields(object) }, { ...guard, urgent: true });
      attempt.revision = revisionOf(stored);
      attempt.stored = stored;
      this.logger.debug({ api: api.name, port: id, host: binding.host_id, revision: attempt.revision }, 'bind: waiting for the shim result');
      if (timeoutMs === 0) {
        attempt.waiters--;
        return { immediate: stored };
      }
      return attempt;
    } catch (err) {
      attempt.waiters--;
      if (attempt.revision === undefined && this.attempts.get(key) === attempt) this.attempts.delete(key);
      throw err;
    }
  }

  /**
   * Unbinds port `id`: stores the patch with `vif_type` null, `vif_details` `"{}"` and
   * status DOWN. Requests still waiting for a bind of the port answer with the unbound port.
   */
  async unbind(api: ApiModel, object: ObjectModel, id: string, patch: Readonly<Record<string, unknown>>, write: PortWrite): Promise<StoredObject> {
    const key = portKey(api.name, id);
    return this.lock.run(key, async () => {
      const updated = await write({ ...patch, ...unboundFields(object) });
      const attempt = this.attempts.get(key);
      this.attempts.delete(key);
      if (attempt !== undefined) settle(attempt, updated);
      return updated;
    });
  }

  /** Waiting requests, for tests and metrics: ports with a bind that has not been answered yet. */
  pendingPorts(): readonly string[] {
    return [...this.attempts.values()].filter((a) => !a.resolved).map((a) => `${a.api.name}/${a.id}`);
  }

  /**
   * Applies the bind-result value `raw` written for port `id` of API `apiName`, as the
   * shared watch does for every result (exposed for tests and tools). Stale results and
   * values without an answer (`{}`) are ignored.
   */
  applyResult(apiName: string, id: string, raw: string | undefined): Promise<void> {
    const result = parseShimResult(raw);
    if (result === undefined) return Promise.resolve();
    const key = portKey(apiName, id);
    return this.lock.run(key, () => this.apply(apiName, id, key, result)).catch((err: unknown) => {
      this.logger.warn({ err, api: apiName, port: id }, 'bind: applying a shim result failed');
    });
  }

  private async wait(attempt: Attempt, key: string, timeoutMs: number): Promise<StoredObject> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const winner = await Promise.race([
        attempt.result,
        new Promise<typeof TIMEOUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
        }),
      ]);
      if (winner !== TIMEOUT) return winner;
      return await this.lock.run(key, () => this.expire(attempt, timeoutMs));
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      attempt.waiters--;
    }
  }

  /** A waiter's deadline passed: store `binding_failed` (once per attempt) unless a result came. */
  private async expire(attempt: Attempt, timeoutMs: number): Promise<StoredObject> {
    if (attempt.resolved) return attempt.result;
    if (attempt.failedStored !== undefined) return attempt.failedStored;
    const { api, object, id } = attempt;
    const port = await this.options.store.get(api, object, id);
    if (!sameBinding(bindingOf(port), attempt.binding)) return port;
    const fields = failedFields(object, 'timeout', `no shim answered the bind to host ${attempt.binding.host_id} within ${timeoutMs} ms`);
    const failed = holds(port, fields) ? port : await this.updateGuarded(api, object, id, port, fields);
    attempt.failedStored = failed;
    this.logger.warn({ api: api.name, port: id, host: attempt.binding.host_id, timeoutMs }, 'bind: no shim result before the deadline');
    return failed;
  }

  private async apply(apiName: string, id: string, key: string, result: ShimResult): Promise<void> {
    const attempt = this.attempts.get(key);
    const target = attempt ?? this.ports.get(apiName);
    if (target === undefined) return;
    const { api, object } = target;
    if (attempt !== undefined && !attempt.resolved) {
      if (!answers(result, attempt.binding)) return this.stale(apiName, id, result, 'another host or device');
      if (result.portRevision !== undefined && attempt.revision !== undefined && result.portRevision < attempt.revision) {
        return this.stale(apiName, id, result, `port_revision ${result.portRevision} < ${attempt.revision}`);
      }
    }
    if (attempt !== undefined && !attempt.resolved && attempt.failedStored === undefined && attempt.stored !== undefined && attempt.revision !== undefined) {
      // Fast path: the port is most likely still exactly what the pending write stored.
      // Write the result guarded by that revision; if anything changed it meanwhile
      // (412), fall through to re-reading it and checking everything again.
      const applied = await this.applyToPending(attempt, result);
      if (applied !== undefined) {
        this.logger.info({ api: apiName, port: id, vif_type: applied['vif_type'], controller: result.controller ?? null, late: false }, 'bind: shim result applied');
        this.attempts.delete(key);
        settle(attempt, applied);
        return;
      }
    }
    let port: StoredObject;
    try {
      port = await this.options.store.get(api, object, id);
    } catch (err) {
      if (isGluonErrorCode(err, 'GLUON_ERR_NOT_FOUND')) return;
      throw err;
    }
    const binding = bindingOf(port);
    const vifType = port['vif_type'];
    if (binding === undefined || !answers(result, binding)) return this.stale(apiName, id, result, 'the port holds another binding');
    if (attempt === undefined && vifType !== null && vifType !== undefined && vifType !== BINDING_FAILED) return;
    if (attempt !== undefined && !sameBinding(attempt.binding, binding)) return;
    const fields = resultFields(object, result);
    const updated = holds(port, fields) ? port : await this.updateGuarded(api, object, id, port, fields);
    this.logger.info({ api: apiName, port: id, vif_type: updated['vif_type'], controller: result.controller ?? null, late: attempt?.failedStored !== undefined }, 'bind: shim result applied');
    if (attempt !== undefined) {
      this.attempts.delete(key);
      settle(attempt, updated);
    }
  }

  /**
   * Applies `result` to the port as the attempt's pending write stored it, guarded by its
   * revision. Resolves undefined when the port changed since (then the caller re-reads).
   */
  private async applyToPending(attempt: Attempt, result: ShimResult): Promise<StoredObject | undefined> {
    const port = attempt.stored as StoredObject;
    const binding = bindingOf(port);
    if (binding === undefined || !answers(result, binding) || !sameBinding(attempt.binding, binding)) return undefined;
    try {
      return await this.options.store.update(attempt.api, attempt.object, attempt.id, resultFields(attempt.object, result), { ifRevision: attempt.revision as number });
    } catch (err) {
      if (isGluonErrorCode(err, 'GLUON_ERR_PRECONDITION_FAILED') || isGluonErrorCode(err, 'GLUON_ERR_NOT_FOUND')) return undefined;
      throw err;
    }
  }

  private stale(api: string, id: string, result: ShimResult, why: string): void {
    this.logger.debug({ api, port: id, controller: result.controller ?? null, why }, 'bind: stale shim result ignored');
  }

  /** Writes `fields` unless someone changed the port meanwhile (then re-reads and retries). */
  private async updateGuarded(api: ApiModel, object: ObjectModel, id: string, port: StoredObject, fields: Record<string, unknown>): Promise<StoredObject> {
    let current = port;
    for (let attempt = 0; ; attempt++) {
      const ifRevision = revisionOf(current);
      try {
        return await this.options.store.update(api, object, id, fields, ifRevision === undefined ? {} : { ifRevision });
      } catch (err) {
        if (!isGluonErrorCode(err, 'GLUON_ERR_PRECONDITION_FAILED') || attempt >= 5) throw err;
        current = await this.options.store.get(api, object, id);
      }
    }
  }

  /** Before a retried bind: a result key still answering this binding is reset to `{}` so shims bind again. */
  private async clearAnswer(api: string, id: string, binding: BindingRequest): Promise<void> {
    const key = `${resultPrefix(api)}${id}`;
    const value = parseShimResult((await this.kv.get(key))?.value);
    if (value !== undefined && answers(value, binding)) await this.kv.put(key, '{}');
  }

  private async watchResults(apiName: string): Promise<void> {
    if (this.closed) return;
    const prefix = resultPrefix(apiName);
    const watch = await this.kv.watch({ prefix }, (event) => {
      if (event.type !== 'put') return;
      this.applyResult(apiName, event.key.slice(prefix.length), event.value).catch((err: unknown) => this.logger.warn({ err, api: apiName }, 'bind: applying a shim result failed'));
    });
    this.watches.set(apiName, watch);
    watch.onError((err) => {
      if (this.closed) return;
      this.logger.warn({ err, api: apiName }, 'bind: result watch ended; watching again and re-reading pending results');
      this.watches.delete(apiName);
      this.rewatch(apiName).catch((err: unknown) => this.logger.warn({ err, api: apiName }, 'bind: re-reading pending results failed'));
    });
  }

  private async rewatch(apiName: string): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.watchResults(apiName);
        break;
      } catch (err) {
        this.logger.warn({ err, api: apiName }, 'bind: result watch could not be opened; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    for (const attempt of [...this.attempts.values()]) {
      if (attempt.api.name !== apiName || attempt.resolved) continue;
      const raw = await this.kv.get(`${resultPrefix(apiName)}${attempt.id}`).catch(() => undefined);
      await this.applyResult(apiName, attempt.id, raw?.value);
    }
  }
}

function isGluonErrorCode(err: unknown, code: GluonErrorCode): boolean {
  return isGluonError(err) && err.code === code;
}

function portKey(api: string, id: string): string {
  return `${api}\u0000${id}`;
}

function revisionOf(port: StoredObject): number | undefined {
  const revision = port['revision_number'];
  return typeof revision === 'number' ? revision : undefined;
}

/** True when `result` answers `binding` (results that name no binding, as the original's, answer any). */
function answers(result: ShimResult, binding: BindingRequest): boolean {
  return (result.host_id === undefined || result.host_id === binding.host_id) && (result.device_id === undefined || result.device_id === binding.device_id);
}

function newAttempt(api: ApiModel, object: ObjectModel, id: string, binding: BindingRequest): Attempt {
  let resolve!: (port: StoredObject) => void;
  const result = new Promise<StoredObject>((r) => {
    resolve = r;
  });
  return { api, object, id, binding, revision: undefined, stored: undefined, waiters: 0, resolved: false, failedStored: undefined, result, resolve };
}

function settle(attempt: Attempt, port: StoredObject): void {
  if (attempt.resolved) return;
  attempt.resolved = true;
  attempt.resolve(port);
}

function pendingConflict(api: ApiModel, id: string, pending: BindingRequest, asked: BindingRequest): GluonError {
  const message =
    `Port ${id} of ${api.name} has a bind to host ${pending.host_id} (device ${pending.device_id}) still waiting for its shim result; ` +
    `it cannot be bound to host ${asked.host_id} (device ${asked.device_id}) meanwhile. Wait for the pending bind to answer or unbind the port first.`;
  return new GluonError('GLUON_ERR_BIND_PENDING', message, {
    details: [{ field: 'host_id', rule: 'bindPending', value: asked.host_id, message: `a bind to ${pending.host_id} is pending`, allowed: [pending.host_id] }],
  });
}

function checkMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GluonError('GLUON_ERR_CONFIG', `Invalid binding option ${name}: expected an integer number of milliseconds >= 0, received ${String(value)}.`, {
      details: [{ field: name, rule: 'integerMin0', value, message: 'expected an integer number of milliseconds >= 0' }],
    });
  }
  return value;
}
