import { Counter, Gauge, type Registry } from 'prom-client';
import { ConfigError } from '../core/errors/index.js';
import type { AuthConfig, Authenticator } from '../core/auth/index.js';
import type { CapabilitiesOptions, ProtonWatchOptions, WatchMonitor } from '../core/http/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import { DEFAULT_BIND_TIMEOUT_MS, DEFAULT_MAX_BIND_TIMEOUT_MS } from '../core/binding/index.js';
import { packageVersion } from './package-version.js';

/**
 * Counts watch streams on the server's registry: `gluon_watch_streams` (open now) and
 * `gluon_watch_streams_ended_total{reason}` (client, slow-client, expired, token-expired, server, error).
 * @internal
 */
export function watchMonitor(registry: Registry): WatchMonitor {
  const open = new Gauge({ name: 'gluon_watch_streams', help: 'Watch streams (?watch=true) open now.', registers: [registry] });
  const ended = new Counter({
    name: 'gluon_watch_streams_ended_total',
    help: 'Watch streams ended, by reason: client (left), slow-client (cut off), expired (resume point compacted), token-expired, server (closing), error.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    opened: () => open.inc(),
    ended: (reason) => {
      open.dec();
      ended.inc({ reason });
    },
  };
}

/** The watch options of the reference server. @internal */
export function serverWatchOptions(input: {
  readonly kv: KeyValueStore;
  readonly metrics: Registry;
  readonly heartbeatSeconds?: number | undefined;
  readonly bufferBytes?: number | undefined;
}): ProtonWatchOptions {
  checkWhole('watchHeartbeatSeconds', input.heartbeatSeconds, { min: 0, unit: 'seconds' });
  checkWhole('watchBufferBytes', input.bufferBytes, { min: 1024, unit: 'bytes' });
  return {
    kv: input.kv,
    monitor: watchMonitor(input.metrics),
    ...(input.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: input.heartbeatSeconds }),
    ...(input.bufferBytes === undefined ? {} : { bufferBytes: input.bufferBytes }),
  };
}

/** What `GET /proton/capabilities` says about the reference server. @internal */
export function serverCapabilities(input: {
  readonly auth: AuthConfig | Authenticator | undefined;
  readonly authenticator: Authenticator;
  readonly bindTimeoutMs?: number | undefined;
  readonly maxBindTimeoutMs?: number | undefined;
}): CapabilitiesOptions {
  const config = input.auth !== undefined && 'strategy' in input.auth && !('authenticate' in input.auth) ? input.auth : undefined;
  const keystone = config?.strategy === 'keystone' ? config.keystone : undefined;
  const authUrl = keystone === undefined ? undefined : (keystone.wwwAuthenticateUri ?? keystone.authUrl);
  const bind = input.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
  return {
    server: { name: 'gluon-net', version: packageVersion() },
    auth: { strategy: input.authenticator.strategy, ...(authUrl === undefined ? {} : { authUrl }) },
    bind: { defaultTimeoutMs: bind, maxTimeoutMs: Math.max(bind, input.maxBindTimeoutMs ?? DEFAULT_MAX_BIND_TIMEOUT_MS) },
  };
}

function checkWhole(field: string, value: number | undefined, bound: { min: number; unit: string }): void {
  const { min, unit } = bound;
  if (value === undefined || (Number.isSafeInteger(value) && value >= min)) return;
  const message = `expected an integer >= ${min} (${unit})`;
  throw new ConfigError(`Invalid option ${field}: ${message}, received ${String(value)}.`, {
    details: [{ field, rule: 'integerMin', value, message }],
  });
}
