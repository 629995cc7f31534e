import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { handleAll, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { GluonError, wholeNumberOption } from '../errors/index.js';
import type { KeyValueStore, Leadership } from '../kv/index.js';
import type { ApiModel } from '../model/index.js';
import type { MirrorSource } from '../store/index.js';
import { createOutboxPublisher, type OutboxPublisher, type OutboxPublisherOptions } from './outbox-publisher.js';
import { reconcile, type ReconcileReport } from './reconciler.js';
import { type Fence, type PublisherFailure, type PublisherStats } from './types.js';
import { silentLogger, type Logger } from '../log/index.js';
import { exponentialBackoff, type BackoffDefaults } from '../retry/index.js';

/** Default election the publishers of one deployment campaign in. */
export const DEFAULT_ELECTION = '/gluon/leader/outbox-publisher';

/** Default TTL of a candidate's lease, in seconds: how long a dead leader blocks takeover. */
export const DEFAULT_LEASE_TTL_SECONDS = 10;

/** Publisher tuning passed through {@link MirrorOptions.publisher}. */
export type PublisherTuning = Pick<
  OutboxPublisherOptions,
  'batchSize' | 'concurrency' | 'minPollMs' | 'maxPollMs' | 'retryInitialDelayMs' | 'retryMaxDelayMs'
>;

/** Options of {@link createMirror}. */
export interface MirrorOptions {
  /** The SQL store (outbox and snapshots). */
  readonly source: MirrorSource;
  /** etcd or the in-process store. */
  readonly kv: KeyValueStore;
  /** The APIs this server hosts (reconciled prefixes). */
  readonly apis: readonly ApiModel[];
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
  /** This server's id in the election (default `<hostname>:<pid>:<random>`). */
  readonly candidateId?: string;
  /** Election name (default {@link DEFAULT_ELECTION}). */
  readonly election?: string;
  /** Lease TTL in seconds (default {@link DEFAULT_LEASE_TTL_SECONDS}). */
  readonly leaseTtlSeconds?: number;
  /** Reconcile etcd with SQL each time this server becomes leader, before publishing (default true). */
  readonly reconcileOnStart?: boolean;
  /** Publisher tuning. */
  readonly publisher?: PublisherTuning;
  /**
   * {@link Mirror.check} reports not ready once the oldest change waiting in the outbox
   * is older than this (ms), or publishing has failed for this long (default 60,000).
   */
  readonly stallMs?: number;
}

/** Default of {@link MirrorOptions.stallMs}. */
export const DEFAULT_STALL_MS = 60_000;

/** Publishing counts as failing (not ready) after this many failed attempts in a row, or {@link MirrorOptions.stallMs}. */
const FAILED_ATTEMPTS_NOT_READY = 5;

/** Backoff between failed campaigns or reconciles: 200 ms, doubling up to 2 s. */
const CAMPAIGN_BACKOFF: BackoffDefaults = { initialMs: 200, maxMs: 2000, factor: 2 };

/** The mirror's lag, counters and role. */
export interface MirrorStats {
  /** Outbox rows not yet published (by whichever server leads). */
  readonly pending: number;
  /** Age in ms of the oldest pending change (0 when none). */
  readonly oldestAgeMs: number;
  /** True while this server leads the election and publishes. */
  readonly leader: boolean;
  /** This server's candidate id. */
  readonly candidateId: string;
  /** Highest outbox seq this server published. */
  readonly lastPublishedSeq: number;
  /** etcd operations this server published (cumulative). */
  readonly publishedOps: number;
  /** Outbox rows this server published (cumulative). */
  readonly publishedRows: number;
  /** Failed publish attempts (cumulative; each was retried). */
  readonly publishErrors: number;
  /** Times this server was elected. */
  readonly elections: number;
  /** The last reconciliation this server ran, if any. */
  readonly lastReconcile?: { readonly at: string; readonly added: number; readonly updated: number; readonly deleted: number; readonly skipped: number };
}

/** The durable etcd mirror of one Proton server: election, reconciler and publisher. */
export interface Mirror {
  /** This server's candidate id. */
  readonly candidateId: string;
  /** True while this server leads and publishes. */
  readonly isLeader: boolean;
  /** Starts campaigning; once elected: reconcile, then publish until leadership is lost or stop(). */
  start(): Promise<void>;
  /** Stops publishing and resigns (the next candidate takes over at once). */
  stop(): Promise<void>;
  /**
   * Resolves once every change committed before the call is in etcd; waits for this
   * server to lead (rejects `GLUON_ERR_SYNC_FLUSH_TIMEOUT` after `timeoutMs`, default 60 s).
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Lag, counters and role. */
  stats(): Promise<MirrorStats>;
  /** Reconciles etcd with SQL now (fenced when this server leads). */
  reconcile(options?: { readonly dryRun?: boolean }): Promise<ReconcileReport>;
  /**
   * Readiness details for `/readyz`: `ok` is false, with the reason in `error`, when the
   * outbox cannot be read, when publishing has failed several times in a row (etcd or
   * SQL answers errors), or when a change has waited longer than `stallMs` — naming the
   * leader of the election when another server holds it.
   */
  check(): Promise<{ readonly ok: boolean; readonly error?: string; readonly [extra: string]: unknown }>;
}

/**
 * Creates the mirror. The publisher is woken by the store's commit feed (an urgent
 * write, such as a bind's pending port, is published at once). Only the elected leader publishes: every server campaigns in one
 * etcd election on a lease; the winner reconciles etcd with SQL, then drains the outbox
 * with every transaction fenced on its election key. When the lease is lost (keepalives
 * unanswered for 0.9 × TTL) the publisher stops at once, before the lease can expire
 * on the server and another candidate be elected; and a transaction already in flight
 * cannot land afterwards because its fence fails. The server then campaigns again.
 *
 * Start-up order (no outbox entry is lost): the reconciler runs while this server's
 * publisher is not yet running, and every write it makes is guarded by the key's state
 * as read. A write committed after SQL was read still has its outbox row (rows are
 * deleted only after being published, and nobody publishes while we reconcile), so the
 * drain that follows publishes it: etcd ends with the latest committed value.
 */
export function createMirror(options: MirrorOptions): Mirror {
  return new MirrorImpl(options);
}

class MirrorImpl implements Mirror {
  readonly candidateId: string;
  private readonly logger: Logger;
  private readonly election: string;
  private readonly ttl: number;
  private readonly stallMs: number;
  private lastSharedWarning = 0;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private stopping = false;
  private publisher: OutboxPublisher | undefined;
  private leading = false;
  private fence: Fence | undefined;
  private endLeadership: ((why: string) => void) | undefined;
  /** Counted across terms, from the publishers' reports. */
  private totals = { publishedOps: 0, publishedRows: 0, publishErrors: 0, lastPublishedSeq: 0, elections: 0 };
  /** Campaigning retried forever while etcd does not answer. */
  private readonly campaignPolicy: RetryPolicy;
  /** Reconciling at the start of a term, retried until it succeeds or the term ends. */
  private readonly reconcilePolicy: RetryPolicy;
  private lastReconcile: MirrorStats['lastReconcile'];
  /** Leases of lost leaderships that etcd may still hold (revoked before campaigning again). */
  private readonly staleLeases = new Set<string>();

  constructor(private readonly options: MirrorOptions) {
    this.candidateId = options.candidateId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.logger = options.logger ?? silentLogger;
    this.election = options.election ?? DEFAULT_ELECTION;
    this.ttl = wholeNumberOption('leaseTtlSeconds', options.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS, { min: 1, unit: 'seconds' });
    this.stallMs = wholeNumberOption('stallMs', options.stallMs ?? DEFAULT_STALL_MS, { min: 1, unit: 'ms' });
    const backoff = exponentialBackoff(undefined, CAMPAIGN_BACKOFF);
    this.campaignPolicy = retry(handleAll, { maxAttempts: Number.POSITIVE_INFINITY, backoff });
    this.campaignPolicy.onRetry((event) => {
      if (!('error' in event) || (event.attempt !== 1 && event.attempt % 10 !== 0)) return;
      this.logger.warn({ err: event.error, failures: event.attempt, retryInMs: Math.round(event.delay) }, 'mirror: campaign for the publisher election failed (etcd unreachable?); retrying');
    });
    this.reconcilePolicy = retry(
      handleWhen((err) => !(err instanceof GluonError && err.code === 'GLUON_ERR_SYNC_NOT_LEADER')),
      { maxAttempts: Number.POSITIVE_INFINITY, backoff },
    );
    this.reconcilePolicy.onRetry((event) => {
      if (!('error' in event)) return;
      this.totals.publishErrors += 1;
      this.logger.warn({ err: event.error, attempt: event.attempt }, 'mirror: reconciling etcd with SQL failed; retrying');
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): Promise<void> {
    if (this.loop === undefined) {
      this.stopping = false;
      this.abort = new AbortController();
      this.loop = this.campaignLoop();
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === undefined) return;
    this.stopping = true;
    this.abort.abort();
    this.endLeadership?.('stop');
    await loop;
    this.loop = undefined;
  }

  async flush(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const publisher = this.publisher;
      if (publisher !== undefined) {
        try {
          await publisher.flush(Math.max(1, deadline - Date.now()));
          return;
        } catch (err) {
          // leadership changed under us: wait for the next term unless out of time
          if (!(err instanceof GluonError) || err.code !== 'GLUON_ERR_SYNC_STOPPED' || Date.now() >= deadline || this.stopping) throw err;
        }
      }
      if (this.loop === undefined || this.stopping) {
        throw new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the mirror is not started.');
      }
      if (Date.now() >= deadline) {
        throw new GluonError('GLUON_ERR_SYNC_FLUSH_TIMEOUT', `flush(): this server did not lead the publisher election within ${timeoutMs} ms; the leader publishes.`);
      }
      await delay(20);
    }
  }

  async stats(): Promise<MirrorStats> {
    return (await this.lag()).stats;
  }

  /** The stats, with the publisher's failure while publishing fails. */
  private async lag(): Promise<{ readonly stats: MirrorStats; readonly failure?: PublisherFailure }> {
    // the running publisher counts only what it has not published yet (it deletes published rows lazily)
    const lag: Pick<PublisherStats, 'pending' | 'oldestAgeMs' | 'failure'> =
      this.publisher !== undefined
        ? await this.publisher.stats()
        : await this.options.source.outboxStats().then((o) => ({
            pending: o.pending,
            oldestAgeMs: o.oldest === undefined ? 0 : Math.max(0, Date.now() - o.oldest.getTime()),
          }));
    const stats: MirrorStats = {
      pending: lag.pending,
      oldestAgeMs: lag.oldestAgeMs,
      leader: this.leading,
      candidateId: this.candidateId,
      ...this.totals,
      ...(this.lastReconcile === undefined ? {} : { lastReconcile: this.lastReconcile }),
    };
    return lag.failure === undefined ? { stats } : { stats, failure: lag.failure };
  }

  async check(): Promise<{ readonly ok: boolean; readonly error?: string; readonly [extra: string]: unknown }> {
    const { stats: s, failure } = await this.lag();
    const figures = {
      leader: s.leader,
      pending: s.pending,
      oldestAgeMs: s.oldestAgeMs,
      lastPublishedSeq: s.lastPublishedSeq,
      publishErrors: s.publishErrors,
    };
    if (failure !== undefined && (failure.attempts >= FAILED_ATTEMPTS_NOT_READY || Date.now() - failure.since >= this.stallMs)) {
      return { ok: false, error: `publishing to etcd has failed ${failure.attempts} times in a row since ${new Date(failure.since).toISOString()}: ${failure.error}`, ...figures };
    }
    if (s.pending > 0 && s.oldestAgeMs >= this.stallMs) {
      return { ok: false, error: await this.stallReason(s), ...figures };
    }
    return { ok: true, ...figures };
  }

  /** Why changes have waited past `stallMs`: who leads the publisher election, if anyone. */
  private async stallReason(s: MirrorStats): Promise<string> {
    const head = `the oldest of ${s.pending} change(s) waiting for etcd is ${Math.round(s.oldestAgeMs / 1000)} s old (limit ${Math.round(this.stallMs / 1000)} s)`;
    if (s.leader) return `${head}, although this server leads the publisher election: etcd or the database does not accept the changes (see the log)`;
    let leader: string | undefined;
    try {
      const { kvs } = await this.options.kv.range({ prefix: `${this.election}/` });
      leader = [...kvs].sort((a, b) => a.createRevision - b.createRevision)[0]?.value;
    } catch (err) {
      return `${head} and etcd cannot tell who leads the publisher election (${err instanceof Error ? err.message : String(err)})`;
    }
    if (leader === undefined) return `${head} and no server leads the publisher election ${this.election}`;
    if (Date.now() - this.lastSharedWarning >= 60_000) {
      this.lastSharedWarning = Date.now();
      this.logger.warn({ leader, election: this.election, pending: s.pending, oldestAgeMs: s.oldestAgeMs }, 'mirror: changes are not published although another server leads the election: two deployments on one etcd need distinct --etcd-prefix values');
    }
    return (
      `${head} while ${leader} leads the publisher election ${this.election} and does not publish them: ` +
      'if that server uses another database, two deployments share one election on this etcd — give each deployment its own --etcd-prefix (or let them share one database)'
    );
  }

  async reconcile(options: { readonly dryRun?: boolean } = {}): Promise<ReconcileReport> {
    const report = await reconcile({
      source: this.options.source,
      kv: this.options.kv,
      apis: this.options.apis,
      ...(this.fence === undefined ? {} : { fence: this.fence }),
      ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
      logger: this.logger,
    });
    if (options.dryRun !== true) this.recordReconcile(report);
    return report;
  }

  private recordReconcile(report: ReconcileReport): void {
    const count = (a: string): number => report.changes.filter((c) => c.action === a).length;
    this.lastReconcile = { at: new Date().toISOString(), added: count('add'), updated: count('update'), deleted: count('delete'), skipped: report.skipped.length };
  }

  private published(info: { readonly rows: number; readonly ops: number; readonly maxSeq: number }): void {
    this.totals.publishedRows += info.rows;
    this.totals.publishedOps += info.ops;
    this.totals.lastPublishedSeq = Math.max(this.totals.lastPublishedSeq, info.maxSeq);
  }

  private async campaignLoop(): Promise<void> {
    while (!this.stopping) {
      let leadership: Leadership;
      try {
        leadership = await this.campaignPolicy.execute(() => this.campaign(), this.abort.signal);
      } catch (err) {
        // cancelled by stop(); anything else cannot escape a policy that retries forever
        if (this.stopping) break;
        this.logger.error({ err }, 'mirror: campaigning failed unexpectedly; campaigning again');
        continue;
      }
      await this.lead(leadership);
    }
  }

  private async campaign(): Promise<Leadership> {
    // A leadership lost while etcd was unreachable leaves its key behind (etcd restores
    // leases with a fresh TTL after a restart): revoke it, or we would wait a whole TTL
    // for our own old key before being elected again.
    for (const id of [...this.staleLeases]) {
      await this.options.kv.revokeLease(id);
      this.staleLeases.delete(id);
    }
    return this.options.kv.campaign(this.election, this.candidateId, { ttl: this.ttl, signal: this.abort.signal });
  }

  private async lead(leadership: Leadership): Promise<void> {
    const ended = new Promise<string>((resolve) => {
      this.endLeadership = resolve;
      leadership.onLost((err) => resolve(`lost: ${err.message}`));
      if (this.stopping) resolve('stop');
    });
    const fence: Fence = { key: leadership.key, op: '=', createRevision: leadership.createRevision };
    this.fence = fence;
    this.leading = true;
    this.totals.elections += 1;
    this.logger.info({ candidateId: this.candidateId, key: leadership.key }, 'mirror: elected publisher leader');
    let why: string | undefined;
    ended.then((w) => (why = w), () => undefined);

    if (this.options.reconcileOnStart !== false && leadership.isLeader) {
      const term = new AbortController();
      ended.then(() => term.abort(), () => undefined);
      // stops retrying once the term ended (cancelled) or another server leads (NOT_LEADER)
      await this.reconcilePolicy.execute(() => this.reconcile(), term.signal).catch(() => undefined);
    }

    let publisher: OutboxPublisher | undefined;
    if (why === undefined && leadership.isLeader) {
      publisher = createOutboxPublisher({
        ...this.options.publisher,
        source: this.options.source,
        kv: this.options.kv,
        logger: this.logger,
        fence,
        onFenced: () => this.endLeadership?.('fenced'),
        onPublished: (info) => this.published(info),
        onError: () => void (this.totals.publishErrors += 1),
      });
      this.publisher = publisher;
      publisher.start();
    }
    const reason = await ended;
    // stop publishing first, before anything else (the lease may be about to expire)
    this.leading = false;
    this.fence = undefined;
    if (publisher !== undefined) {
      await publisher.stop();
      this.publisher = undefined;
    }
    this.endLeadership = undefined;
    if (reason.startsWith('lost')) this.staleLeases.add(leadership.leaseId);
    if (reason.startsWith('lost')) this.logger.warn({ reason }, 'mirror: publisher leadership lost; publishing stopped, campaigning again');
    else this.logger.info({ reason }, 'mirror: publisher leadership ended');
    await leadership.resign().catch(() => undefined);
  }
}

