import type { FastifyInstance } from 'fastify';
import { isGluonError } from '../core/errors/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonStore, SqlStore } from '../core/store/index.js';
import type { ReadinessCheck, ReadinessResult } from './types.js';

/** How long one readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2000;

/** The readiness check of the database: `store.ping()` answers. */
export function databaseCheck(store: ProtonStore): ReadinessCheck {
  return {
    name: 'database',
    async run() {
      try {
        await store.ping();
      } catch (err) {
        // a sentence of the store's own (damage found earlier) is the reason as it is
        if (isGluonError(err) && err.cause === undefined) return { ok: false, error: err.message };
        // else the driver's own words, not the request-oriented "retry the request"
        const cause = (err as { cause?: unknown }).cause;
        const why = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
        return { ok: false, error: `the database does not answer: ${why.replace(/;\s*retry the request\.?$/, '')}` };
      }
      return { ok: true };
    },
  };
}

/** What the `etcd` check needs to know about the bind-result watches. */
interface WatchState {
  readonly open: boolean;
  readonly error: string | undefined;
}

/**
 * The readiness check of etcd (only with `etcd` configured): etcd answers a read, and the
 * bind-result watches are open. While etcd is unreachable the server still serves (SQL
 * is the source of truth and the outbox keeps every write), but it is not ready.
 */
export function etcdCheck(kv: KeyValueStore, endpoints: readonly string[] | undefined, watches: WatchState): ReadinessCheck {
  return {
    name: 'etcd',
    async run() {
      if (kv.kind === 'memory') return { ok: true, store: 'in-process' };
      const where = endpoints?.join(',') ?? 'etcd';
      try {
        await kv.currentRevision();
      } catch (err) {
        return { ok: false, error: `etcd at ${where} does not answer: ${err instanceof Error ? err.message : String(err)}; writes wait in the outbox until it does` };
      }
      if (!watches.open) return { ok: false, error: `etcd at ${where}: ${watches.error ?? 'the bind-result watches are not open'}` };
      return { ok: true };
    },
  };
}

/**
 * The readiness check of the schema: the tables still fit the models the server serves
 * (another server or `gluon db upgrade` may have changed them since start). Not ready
 * names the difference and the command that fixes it.
 */
export function schemaCheck(store: ProtonStore): ReadinessCheck | undefined {
  const probe = (store as Partial<Pick<SqlStore, 'schemaProblem'>>).schemaProblem?.bind(store);
  if (probe === undefined) return undefined;
  return {
    name: 'schema',
    async run() {
      const problem = await probe();
      return problem === undefined ? { ok: true } : { ok: false, error: problem };
    },
  };
}

async function runCheck(check: ReadinessCheck): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([check.run(), timeout]);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Adds `/healthz` (liveness: the process answers) and `/readyz` (readiness: 200 when
 * every check passes, else 503; the body lists each check as `{ ok, error? }`).
 */
export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const results = await Promise.all(checks.map(async (check) => [check.name, await runCheck(check)] as const));
    const ready = results.every(([, result]) => result.ok);
    void reply.code(ready ? 200 : 503);
    return { status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  });
}
