import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors/index.js';
import { createKeyValueStore, isKvError, type Compare, type KeyValueStore, type Leadership } from '../core/kv/index.js';
import { controllerKey, controllerPrefix, objectKey, parseObjectKey, protonPrefix, shimElectionName } from '../core/wire/index.js';
import { BindReporter } from './bind-reporter.js';
import { Informer } from './informer.js';
import { decidePort } from './port-state.js';
import type { BindOutcome, PortHandlers, PortObject, PortState, ProtonObject, Shim, ShimContext, ShimOptions } from './types.js';
import { WorkQueue, type WorkItemContext } from './work-queue.js';
import { silentLogger, type Logger } from '../core/log/index.js';
import { retrying, type BackoffDefaults } from '../core/retry/index.js';

/** A failed campaign (etcd unreachable) is tried again every 500 ms until the shim stops. */
const CAMPAIGN_BACKOFF: BackoffDefaults = { initialMs: 500, maxMs: 500, factor: 1 };

/**
 * A bind outcome whose report has not been written yet (etcd failed, or leadership moved):
 * a retry of the same request reports it again instead of running the handler twice.
 */
interface UnreportedOutcome {
  readonly revision: unknown;
  readonly host: unknown;
  readonly device: unknown;
  readonly outcome: BindOutcome;
}

/** A result this instance wrote, until its informer catches up with it. */
interface LocalResult {
  readonly value: Record<string, unknown> | undefined;
  readonly revision: number;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`createShim: ${what} is required (received ${JSON.stringify(value)}); give it in the shim definition or the options`, {
      details: [{ field: what, rule: 'required', value, message: `${what} must be a non-empty string` }],
    });
  }
  return value;
}

function isFailure(outcome: BindOutcome): outcome is Extract<BindOutcome, { error: unknown }> {
  return typeof outcome === 'object' && outcome !== null && 'error' in outcome;
}

function checkOutcome(outcome: unknown, portId: string): BindOutcome {
  if (typeof outcome === 'object' && outcome !== null) {
    const o = outcome as Record<string, unknown>;
    if (typeof o['vif_type'] === 'string' && o['vif_type'] !== '' && typeof o['vif_details'] === 'object' && o['vif_details'] !== null && !Array.isArray(o['vif_details'])) {
      return outcome as BindOutcome;
    }
    const e = o['error'] as Record<string, unknown> | undefined;
    if (typeof e === 'object' && e !== null && typeof e['reason'] === 'string') {
      return { error: { reason: e['reason'], message: typeof e['message'] === 'string' ? e['message'] : e['reason'] } };
    }
  }
  throw new TypeError(
    `bind handler for port ${portId} returned ${JSON.stringify(outcome)}; expected { vif_type: string, vif_details: object } or { error: { reason, message } }`,
  );
}

class ShimRuntime implements Shim {
  readonly name: string;
  readonly api: string;
  readonly kv: KeyValueStore;
  readonly objects: Informer<ProtonObject>;
  readonly results: Informer<ProtonObject>;
  private readonly ownsKv: boolean;
  private readonly logger: Logger;
  private readonly hosts: readonly string[];
  private readonly portObject: string;
  private readonly serviceBindingObjects: readonly string[];
  private readonly queue: WorkQueue<string>;
  private readonly reporter: BindReporter;
  private readonly delivered = new Map<string, ProtonObject>();
  private readonly localResults = new Map<string, LocalResult>();
  private readonly unreported = new Map<string, UnreportedOutcome>();
  private leadership: Leadership | undefined;
  /** Ends the current term early: a fenced write showed this instance no longer leads. */
  private abdicate: (() => void) | undefined;
  private campaignAbort: AbortController | undefined;
  private campaignLoop: Promise<void> | undefined;
  private running = false;
  private closed = false;

  constructor(private readonly options: ShimOptions) {
    this.name = required(options.name, 'name');
    this.api = required(options.api, 'api');
    this.logger = options.logger ?? silentLogger;
    this.hosts = options.hosts && options.hosts.length > 0 ? options.hosts : ['*'];
    const model = options.model;
    this.portObject = model?.objects.find((o) => o.role === 'port')?.name ?? options.portObject ?? 'Port';
    this.serviceBindingObjects = model
      ? model.objects.filter((o) => o.role === 'service-binding').map((o) => o.name)
      : (options.serviceBindingObjects ?? ['VpnBinding']);
    if (options.kv) {
      this.kv = options.kv;
      this.ownsKv = false;
    } else if (options.etcd !== undefined) {
      const url = typeof options.etcd === 'string' ? options.etcd : options.etcd.join(',');
      this.kv = createKeyValueStore(url, {
        ...(options.etcdPrefix === undefined ? {} : { prefix: options.etcdPrefix }),
        ...(options.etcdAccess === undefined ? {} : { access: options.etcdAccess }),
        logger: this.logger,
      });
      this.ownsKv = true;
    } else {
      throw new ConfigError('createShim: give `kv` (a key/value store) or `etcd` (etcd URLs, e.g. http://127.0.0.1:2379)', {
        details: [{ field: 'etcd', rule: 'required', value: undefined, message: 'no key/value store and no etcd URL' }],
      });
    }
    this.objects = new Informer<ProtonObject>(this.kv, { prefix: protonPrefix(this.api), logger: this.logger, parse: parseObject });
    this.results = new Informer<ProtonObject>(this.kv, { prefix: controllerPrefix(this.api), logger: this.logger, parse: parseObject });
    this.queue = new WorkQueue<string>({
      handler: (key, ctx) => this.handle(key, ctx),
      paused: true,
      logger: this.logger,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
    this.reporter = new BindReporter(this.kv, { api: this.api, controller: this.name, fence: () => this.fence() });
    this.objects.on((ev) => this.queue.add(ev.key));
    this.results.on((ev) => {
      const id = ev.key.slice(controllerPrefix(this.api).length);
      if (id.length === 0) return;
      // our own write coming back: it leads to the state the shim already acted on
      if (!ev.synthetic && this.localResults.get(id)?.revision === ev.revision) return;
      this.queue.add(objectKey(this.api, this.portObject, id));
    });
  }

  get isLeader(): boolean {
    return this.running && !this.queue.isPaused;
  }

  portState(portId: string): PortState | undefined {
    const port = this.objects.get(objectKey(this.api, this.portObject, portId));
    if (!port) return undefined;
    return decidePort(port, this.resultOf(portId), { name: this.name, hosts: this.hosts }).state;
  }

  async start(): Promise<void> {
    if (this.closed) throw new ConfigError(`shim ${this.name}: start() after close()`);
    if (this.running) return;
    this.running = true;
    try {
      await this.objects.start();
      await this.results.start();
    } catch (err) {
      this.running = false;
      await this.objects.stop();
      throw err;
    }
    if (this.options.election) this.startCampaign();
    else this.queue.resume();
    this.logger.info({ shim: this.name, api: this.api, hosts: this.hosts, objects: this.objects.size, election: this.options.election !== undefined }, 'shim started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.campaignAbort?.abort();
    await this.queue.pause();
    await this.campaignLoop?.catch(() => undefined);
    await this.resign();
    await this.objects.stop();
    await this.results.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    await this.queue.shutdown({ drain: true });
    if (this.ownsKv) await this.kv.close();
    this.logger.info({ shim: this.name }, 'shim stopped');
  }

  // ── leader election ───────────────────────────────────────────────────────

  private fence(): readonly Compare[] {
    const l = this.leadership;
    return l ? [{ key: l.key, op: '=', createRevision: l.createRevision }] : [];
  }

  private async resign(): Promise<void> {
    const l = this.leadership;
    this.leadership = undefined;
    if (l) await l.resign().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'shim: could not resign leadership'));
  }

  private startCampaign(): void {
    const election = this.options.election ?? {};
    const name = election.name ?? shimElectionName(this.api, this.name);
    const candidateId = election.candidateId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const ttl = election.ttl ?? 10;
    const abort = new AbortController();
    this.campaignAbort = abort;
    this.campaignLoop = (async () => {
      while (!abort.signal.aborted) {
        let leadership: Leadership;
        try {
          leadership = await retrying(() => this.kv.campaign(name, candidateId, { ttl, signal: abort.signal }), {
            backoff: CAMPAIGN_BACKOFF,
            signal: abort.signal,
            onRetry: ({ err }) => this.logger.warn({ election: name, err: (err as Error).message }, 'shim: campaign failed; retrying'),
          });
        } catch {
          return; // only an abort ends the retries
        }
        if (abort.signal.aborted) {
          await leadership.resign().catch(() => undefined);
          return;
        }
        const lost = new Promise<void>((resolve) => {
          leadership.onLost(() => resolve());
          this.abdicate = resolve;
        });
        this.leadership = leadership;
        this.logger.info({ election: name, candidate: candidateId }, 'shim: elected leader; handling events');
        // a new leader knows nothing of what the previous one handled: resync every key
        this.delivered.clear();
        this.localResults.clear();
        for (const entry of this.objects.list()) this.queue.add(entry.key);
        this.queue.resume();
        await Promise.race([lost, new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }))]);
        if (abort.signal.aborted) return;
        this.leadership = undefined;
        this.abdicate = undefined;
        this.logger.warn({ election: name, candidate: candidateId }, 'shim: leadership lost; stopped handling events');
        await this.queue.pause();
        // a term ended by a refused (fenced) write may still hold its lease: give it up
        await leadership.resign().catch(() => undefined);
      }
    })();
  }

  // ── handling one key ──────────────────────────────────────────────────────

  private resultOf(portId: string): Record<string, unknown> | undefined {
    const local = this.localResults.get(portId);
    // until the results informer has seen our own write, trust the write
    if (local && this.results.revision < local.revision) return local.value;
    if (local) this.localResults.delete(portId);
    return this.results.get(controllerKey(this.api, portId));
  }

  private context(signal: AbortSignal): ShimContext {
    const prefix = protonPrefix(this.api);
    return {
      api: this.api,
      name: this.name,
      logger: this.logger,
      signal,
      get: <T extends ProtonObject>(objectName: string, id: string) => this.objects.get(objectKey(this.api, objectName, id)) as T | undefined,
      list: <T extends ProtonObject>(objectName: string) => this.objects.list(`${prefix}${objectName}/`).map((e) => e.object as T),
      serviceBindingOf: <T extends ProtonObject>(portId: string) => {
        for (const objectName of this.serviceBindingObjects) {
          const found = this.objects.get(objectKey(this.api, objectName, portId));
          if (found) return found as T;
        }
        return undefined;
      },
      bindResultOf: (portId: string) => this.resultOf(portId),
    };
  }

  /**
   * Runs the bind handler once per request (port revision, host, device): when the
   * outcome of this very request is still unreported (its write failed), that outcome is
   * reported again instead of programming the controller a second time.
   */
  private async bindOnce(id: string, port: PortObject, run: { handlers: PortHandlers | undefined; ctx: ShimContext }): Promise<BindOutcome> {
    const { handlers, ctx } = run;
    const kept = this.unreported.get(id);
    if (kept !== undefined && kept.revision === port.revision_number && kept.host === port.host_id && kept.device === port.device_id) return kept.outcome;
    const outcome = handlers?.bind
      ? checkOutcome(await handlers.bind(port, ctx), id)
      : { error: { reason: 'no_bind_handler', message: `shim ${this.name} has no bind handler for ${this.portObject}` } };
    this.unreported.set(id, { revision: port.revision_number, host: port.host_id, device: port.device_id, outcome });
    return outcome;
  }

  /**
   * A result write; when its fence refused it (`GLUON_ERR_KV_LEASE_LOST`: another
   * instance leads now), this term ends at once (handlers pause, the lease is given up,
   * the campaign starts again) instead of retrying as leader.
   */
  private async fenced<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (err) {
      if (isKvError(err, 'GLUON_ERR_KV_LEASE_LOST') && this.abdicate !== undefined) {
        this.logger.warn({ err: (err as Error).message }, 'shim: a fenced write was refused; giving up leadership');
        this.abdicate();
      }
      throw err;
    }
  }

  private async handle(key: string, item: WorkItemContext): Promise<void> {
    const parts = parseObjectKey(this.api, key);
    if (!parts) return;
    const { objectName, id } = parts;
    const handlers: PortHandlers | undefined = this.options.handlers[objectName];
    const isPort = objectName === this.portObject;
    const ctx = this.context(item.signal);
    const current = this.objects.get(key);
    const prev = this.delivered.get(key);

    if (current === undefined) {
      if (prev === undefined) return;
      if (isPort) {
        const result = this.resultOf(id);
        if (result?.['controller'] === this.name) {
          if (typeof result['vif_type'] === 'string') await handlers?.unbind?.(prev, ctx);
          this.localResults.set(id, { value: undefined, revision: await this.fenced(this.reporter.remove(id)) });
        }
      }
      await handlers?.deleted?.(prev, ctx);
      this.delivered.delete(key);
      if (isPort) this.unreported.delete(id);
      return;
    }

    if (current !== prev) {
      await handlers?.changed?.(current, prev, ctx);
      this.delivered.set(key, current);
    }
    if (!isPort) return;

    const port = current as PortObject;
    const decision = decidePort(port, this.resultOf(id), { name: this.name, hosts: this.hosts });
    if (decision.action === 'none') return;
    if (item.signal.aborted) throw new Error(`port ${id}: handling aborted (leadership lost or shutting down)`);
    // the lease may have been lost a moment ago, before the queue could pause: act only while leading
    if (this.options.election !== undefined && this.leadership?.isLeader !== true) throw new Error(`port ${id}: not the leader now; left to the leader`);
    if (decision.action === 'bind') {
      const outcome = await this.bindOnce(id, port, { handlers, ctx });
      if (item.signal.aborted) throw new Error(`port ${id}: bind finished after leadership was lost; result not written`);
      const reported = await this.fenced(isFailure(outcome) ? this.reporter.reportFailed(id, port, outcome) : this.reporter.reportBound(id, port, outcome));
      this.unreported.delete(id);
      this.localResults.set(id, { value: reported.value as Record<string, unknown>, revision: reported.revision });
      this.logger.info({ port: id, host: port.host_id, ...(isFailure(outcome) ? { error: outcome.error } : { vif_type: outcome.vif_type }) }, 'shim: bind result reported');
      return;
    }
    if (decision.action === 'unbind') await handlers?.unbind?.(port, ctx);
    this.unreported.delete(id);
    this.localResults.set(id, { value: {}, revision: await this.fenced(this.reporter.reportUnbound(id)) });
    this.logger.info({ port: id }, 'shim: unbind reported');
  }
}

function parseObject(value: string): ProtonObject {
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('value is not a JSON object');
  return parsed as ProtonObject;
}

/**
 * Creates a shim: informers on `/proton/<api>/` and `/controller/<api>/Port/`, a work
 * queue running the handlers per key, the port state machine and the bind reporter,
 * and (with `election`) leader election. Call {@link Shim.start}.
 *
 * ```ts
 * const shim = createShim({ etcd: 'http://127.0.0.1:2379', api: 'net-l3vpn', name: 'my-shim',
 *   hosts: ['compute-1'], handlers: { Port: { bind: async (port) => ({ vif_type: 'ovs', vif_details: {} }) } } });
 * await shim.start();
 * ```
 */
export function createShim(options: ShimOptions): Shim {
  return new ShimRuntime(options);
}
