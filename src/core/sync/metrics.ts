import { Counter, Gauge, type Registry } from 'prom-client';
import type { Mirror } from './mirror.js';

/** Names of the mirror's Prometheus metrics. */
export const MIRROR_METRICS = {
  pending: 'gluon_outbox_pending',
  oldestAge: 'gluon_outbox_oldest_pending_age_seconds',
  published: 'gluon_mirror_published_total',
  publishedRows: 'gluon_mirror_published_rows_total',
  errors: 'gluon_mirror_publish_errors_total',
  leader: 'gluon_mirror_leader',
} as const;

/**
 * Registers the mirror's metrics on `registry` (one registry per server, never the
 * global default): outbox pending rows and oldest pending age (read from SQL at scrape
 * time), published operations and rows, publish errors, and whether this server leads.
 */
export function registerMirrorMetrics(registry: Registry, mirror: Mirror): void {
  let snapshot: Promise<Awaited<ReturnType<Mirror['stats']>> | undefined> | undefined;
  // one stats() query per scrape, shared by every metric's collect()
  const stats = (): Promise<Awaited<ReturnType<Mirror['stats']>> | undefined> => {
    snapshot ??= mirror.stats().catch(() => undefined);
    const current = snapshot;
    setImmediate(() => {
      if (snapshot === current) snapshot = undefined;
    });
    return current;
  };
  const seen = { published: 0, publishedRows: 0, errors: 0 };
  new Gauge({
    name: MIRROR_METRICS.pending,
    help: 'Outbox rows (committed changes) not yet published to etcd.',
    registers: [registry],
    async collect() {
      const s = await stats();
      if (s !== undefined) this.set(s.pending);
    },
  });
  new Gauge({
    name: MIRROR_METRICS.oldestAge,
    help: 'Age in seconds of the oldest change not yet published to etcd (0 when none).',
    registers: [registry],
    async collect() {
      const s = await stats();
      if (s !== undefined) this.set(s.oldestAgeMs / 1000);
    },
  });
  const counter = ({ name, help }: { name: string; help: string }, field: 'publishedOps' | 'publishedRows' | 'publishErrors', key: keyof typeof seen): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await stats();
        if (s === undefined) return;
        const delta = s[field] - seen[key];
        if (delta > 0) {
          this.inc(delta);
          seen[key] = s[field];
        }
      },
    });
  };
  counter({ name: MIRROR_METRICS.published, help: 'etcd operations published by this server (several changes of one key in one batch count once).' }, 'publishedOps', 'published');
  counter({ name: MIRROR_METRICS.publishedRows, help: 'Outbox rows published to etcd and removed by this server.' }, 'publishedRows', 'publishedRows');
  counter({ name: MIRROR_METRICS.errors, help: 'Failed publish attempts (each retried with backoff).' }, 'publishErrors', 'errors');
  new Gauge({
    name: MIRROR_METRICS.leader,
    help: '1 when this server leads the publisher election (and publishes), else 0.',
    registers: [registry],
    collect() {
      this.set(mirror.isLeader ? 1 : 0);
    },
  });
}
