import { wholeNumberOption } from '../errors/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { controllerPrefix } from '../wire/index.js';
import { applyResult } from './apply-result.js';
import type { BindAttempt } from './bind-attempt.js';
import { hasCode, portKey, type BindContext } from './bind-context.js';
import { bindingOf, classifyPortUpdate, revisionOf } from './classify.js';
import { expireAttempt } from './expire-attempt.js';
import { KeyedLock } from './keyed-lock.js';
import { parseShimResult, unboundFields } from './result-value.js';
import { ResultWatches } from './result-watches.js';
import { startBind, type BindStart, type BindStarted } from './start-bind.js';
import { DEFAULT_BIND_TIMEOUT_MS, DEFAULT_MAX_BIND_TIMEOUT_MS, type BindOptions, type BindingCoordinatorOptions, type PortUpdate } from './types.js';
import { silentLogger } from '../log/index.js';

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
 * run one at a time; different ports never wait for each other. Each bind request is a
 * {@link BindAttempt} moving through explicit states (opening, waiting, expired, settled).
 */
export class BindingCoordinator {
  /** Default deadline of a bind (ms). */
  readonly defaultTimeoutMs: number;
  /** Largest per-request deadline (ms). */
  readonly maxTimeoutMs: number;
  private readonly options: BindingCoordinatorOptions;
  private readonly context: BindContext;
  private readonly ports = new Map<string, { api: ApiModel; object: ObjectModel }>();
  private readonly lock = new KeyedLock();
  private readonly watches: ResultWatches;
  private started = false;

  constructor(options: BindingCoordinatorOptions) {
    this.options = options;
    this.defaultTimeoutMs = checkMs('defaultTimeoutMs', options.defaultTimeoutMs, DEFAULT_BIND_TIMEOUT_MS);
    this.maxTimeoutMs = Math.max(this.defaultTimeoutMs, checkMs('maxTimeoutMs', options.maxTimeoutMs, DEFAULT_MAX_BIND_TIMEOUT_MS));
    const logger = options.logger ?? silentLogger;
    this.context = { store: options.store, kv: options.kv, logger, attempts: new Map() };
    this.watches = new ResultWatches({
      kv: options.kv,
      logger,
      onResult: ({ apiName, id, raw }) => this.applyResult(apiName, id, raw),
      onReopened: (apiName) => this.reapplyResults(apiName),
    });
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
    await this.watches.open(this.apiNames);
    this.started = true;
  }

  /** Closes the watches. Requests still waiting answer at their deadline. */
  close(): Promise<void> {
    return this.watches.close();
  }

  /**
   * Performs the update of a port-role object: a bind (waits for the result), an unbind,
   * or a plain update (just `write`).
   */
  update(update: PortUpdate, options: BindOptions = {}): Promise<StoredObject> {
    switch (update.object.role === 'port' ? classifyPortUpdate(update.patch) : 'plain') {
      case 'bind':
        return this.bind(update, options);
      case 'unbind':
        return this.unbind(update);
      default:
        return update.write(update.patch);
    }
  }

  /**
   * Binds the port (the patch has non-empty `host_id` and `device_id`; its other fields,
   * e.g. `device_owner` and `profile`, are stored too) and resolves with the port once the
   * shim answered or the deadline passed. A second bind of the same host and device while
   * one waits joins it; one to another host or device fails with `GLUON_ERR_BIND_PENDING`
   * (409). A bind the port already holds (same host and device, a VIF stored) is a plain
   * update answered at once.
   */
  async bind(update: PortUpdate, options: BindOptions = {}): Promise<StoredObject> {
    const binding = bindingOf(update.patch);
    if (binding === undefined) return update.write(update.patch);
    const key = portKey(update.api.name, update.id);
    const start: BindStart = { ...update, key, binding, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs };
    const started = await this.lock.run(key, () => this.startOnSnapshot(start, options.current));
    if ('immediate' in started) return started.immediate;
    return this.wait(started, start);
  }

  /**
   * Unbinds the port: stores the patch with `vif_type` null, `vif_details` `"{}"` and
   * status DOWN. Requests still waiting for a bind of the port answer with the unbound port.
   */
  unbind(update: PortUpdate): Promise<StoredObject> {
    const key = portKey(update.api.name, update.id);
    return this.lock.run(key, async () => {
      const updated = await update.write({ ...update.patch, ...unboundFields(update.object) });
      const attempt = this.context.attempts.get(key);
      this.context.attempts.delete(key);
      attempt?.settle(updated);
      return updated;
    });
  }

  /** Waiting requests, for tests and metrics: ports with a bind that has not been answered yet. */
  pendingPorts(): readonly string[] {
    return [...this.context.attempts.values()].filter((a) => a.live).map((a) => `${a.api.name}/${a.id}`);
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
    return this.lock
      .run(key, () => {
        const target = this.context.attempts.get(key) ?? this.ports.get(apiName);
        return target === undefined ? Promise.resolve() : applyResult(this.context, { api: target.api, object: target.object, id, key, result });
      })
      .catch((err: unknown) => {
        this.context.logger.warn({ err, api: apiName, port: id }, 'bind: applying a shim result failed');
      });
  }

  /**
   * The caller's fresh read of the port saves reading it again; a write decided on it is
   * guarded by its revision, and a 412 means it was stale: decide again on a re-read.
   */
  private async startOnSnapshot(start: BindStart, current: StoredObject | undefined): Promise<BindStarted> {
    if (current !== undefined && revisionOf(current) !== undefined) {
      try {
        return await startBind(this.context, start, current);
      } catch (err) {
        if (!hasCode(err, 'GLUON_ERR_PRECONDITION_FAILED')) throw err;
      }
    }
    return startBind(this.context, start, undefined);
  }

  private async wait(attempt: BindAttempt, start: BindStart): Promise<StoredObject> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const winner = await Promise.race([
        attempt.result,
        new Promise<typeof TIMEOUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), start.timeoutMs);
        }),
      ]);
      if (winner !== TIMEOUT) return winner;
      return await this.lock.run(start.key, () => expireAttempt(this.context, attempt, start.timeoutMs));
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      attempt.leave();
    }
  }

  /** After a result watch was opened again: applies the results written for pending attempts meanwhile. */
  private async reapplyResults(apiName: string): Promise<void> {
    for (const attempt of [...this.context.attempts.values()]) {
      if (attempt.api.name !== apiName || !attempt.live) continue;
      const raw = await this.options.kv.get(`${controllerPrefix(apiName)}${attempt.id}`).catch(() => undefined);
      await this.applyResult(apiName, attempt.id, raw?.value);
    }
  }
}

function checkMs(name: string, value: number | undefined, fallback: number): number {
  return wholeNumberOption(name, value ?? fallback, { min: 0, unit: 'ms' });
}
