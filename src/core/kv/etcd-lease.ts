import type { Lease as Etcd3Lease } from 'etcd3';
import { KvError } from './errors.js';
import type { Lease } from './types.js';
import type { Logger } from '../log/index.js';

/** What an {@link EtcdLease} is made of. @internal */
export interface EtcdLeaseParts {
  readonly id: string;
  /** Seconds. */
  readonly ttl: number;
  /** `etcd3`'s lease, kept alive by it. */
  readonly inner: Etcd3Lease;
  /** When the grant was sent (ms since the epoch): the watchdog counts from there. */
  readonly grantSentAt: number;
  /** Called once when the lease stops (released, revoked or lost). */
  readonly onDone: (lease: EtcdLease) => void;
  readonly logger?: Logger | undefined;
}

/**
 * A lease on etcd, kept alive by `etcd3` (a keepalive every TTL/3). Besides `etcd3`'s own
 * `lost` event (which can come as late as 2 × TTL), a local watchdog declares the lease
 * lost when no keepalive was acknowledged for 0.9 × TTL counted from when that keepalive
 * was *sent*: the server cannot have expired the lease before then, so a leader stops
 * before anyone else can take over.
 *
 * @internal
 */
export class EtcdLease implements Lease {
  private running = true;
  private isLost = false;
  private lostError: KvError | undefined;
  private readonly lostHandlers: ((err: KvError) => void)[] = [];
  private lastFired: number;
  private confirmedAt: number;
  private watchdog: NodeJS.Timeout | undefined;

  readonly id: string;
  readonly ttl: number;
  private readonly inner: Etcd3Lease;
  private readonly onDone: (lease: EtcdLease) => void;
  private readonly logger: Logger | undefined;

  constructor(parts: EtcdLeaseParts) {
    const { inner, grantSentAt } = parts;
    this.id = parts.id;
    this.ttl = parts.ttl;
    this.inner = inner;
    this.onDone = parts.onDone;
    this.logger = parts.logger;
    this.lastFired = grantSentAt;
    this.confirmedAt = grantSentAt;
    inner.on('keepaliveFired', () => {
      this.lastFired = Date.now();
    });
    inner.on('keepaliveSucceeded', () => {
      this.confirmedAt = this.lastFired;
      this.arm();
    });
    inner.on('lost', (err: Error) => this.markLost(`etcd reported the lease lost: ${err.message}`));
    this.arm();
  }

  get keepAliveRunning(): boolean {
    return this.running;
  }

  get lost(): boolean {
    return this.isLost;
  }

  private arm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (!this.running) return;
    const deadline = this.confirmedAt + this.ttl * 900;
    this.watchdog = setTimeout(() => {
      this.markLost(`no keepalive was acknowledged for ${(0.9 * this.ttl).toFixed(1)} s (TTL ${this.ttl} s): etcd unreachable`);
      this.inner.revoke().catch(() => undefined);
    }, Math.max(0, deadline - Date.now()));
    this.watchdog.unref();
  }

  private stop(): void {
    this.running = false;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.onDone(this);
  }

  /** @internal */
  markLost(why: string): void {
    if (this.isLost || !this.running) return;
    this.isLost = true;
    this.stop();
    this.inner.release();
    const err = new KvError('GLUON_ERR_KV_LEASE_LOST', `lease ${this.id} lost: ${why}; its keys are (or will soon be) deleted`);
    this.lostError = err;
    this.logger?.warn({ lease: this.id }, err.message);
    for (const cb of this.lostHandlers.splice(0)) cb(err);
  }

  async revoke(): Promise<void> {
    this.stop();
    await this.inner.revoke().catch((err: unknown) => {
      // unreachable etcd: the lease expires by itself after its TTL
      this.logger?.debug({ err, lease: this.id }, 'kv: lease revoke failed; it will expire');
    });
  }

  release(): void {
    if (!this.running) return;
    this.stop();
    this.inner.release();
  }

  onLost(cb: (err: KvError) => void): void {
    // registered after the loss (a campaign that won while its lease was dying): fire anyway
    const lost = this.lostError;
    if (lost !== undefined) queueMicrotask(() => cb(lost));
    else this.lostHandlers.push(cb);
  }
}
