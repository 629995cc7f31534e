import type { FastifyReply, FastifyRequest } from 'fastify';
import { GluonError, isGluonError } from '../errors/index.js';
import type { KeyValueStore } from '../kv/index.js';
import type { ApiModel, JsonSchema, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { objectKey } from '../wire/index.js';
import { pickFields } from './query-parser.js';
import { SseStream, type SseEndReason } from './sse-stream.js';
import type { GluonRequestContext, ProtonHooks } from './types.js';
import { matchesFilters } from './watch-events.js';
import { parseWatchQuery } from './watch-query.js';
import { WatchSession } from './watch-session.js';

/** Default seconds between heartbeat comments. */
export const DEFAULT_WATCH_HEARTBEAT_SECONDS = 15;
/** Default bytes a watch stream may hold unsent before its client is cut off. */
export const DEFAULT_WATCH_BUFFER_BYTES = 1024 * 1024;
/** Default milliseconds a cut-off stream gets to flush its last bytes before its socket is destroyed. */
export const DEFAULT_WATCH_CLOSE_GRACE_MS = 10_000;

/** Counts watch streams (the reference server turns these calls into Prometheus metrics). */
export interface WatchMonitor {
  /** A stream opened. */
  opened(): void;
  /** A stream ended, and why (`client` left, `slow-client` cut off, `expired` resume point, `token-expired`, `server` closing, `error`). */
  ended(reason: SseEndReason): void;
}

/** Options of the watch stream (`?watch=true`), the protonPlugin option `watch`. */
export interface ProtonWatchOptions {
  /** The key/value store the objects are mirrored in (etcd or the in-process store). */
  readonly kv: KeyValueStore;
  /** Seconds between `: heartbeat` comments on an idle stream (default 15; 0 = none). */
  readonly heartbeatSeconds?: number;
  /** Bytes a stream may hold unsent before the client is cut off as too slow (default 1 MiB). */
  readonly bufferBytes?: number;
  /** Milliseconds a cut-off stream gets to flush before its socket is destroyed (default 10 s). */
  readonly closeGraceMs?: number;
  /** Keys per kv page of the initial list (default 4,000, `DEFAULT_PAGE_SIZE`). */
  readonly pageSize?: number;
  /** Told about every stream opened and ended. */
  readonly monitor?: WatchMonitor;
}

/** What the list route hands to the watch handler. */
export interface WatchTarget {
  /** The API version served. */
  readonly api: ApiModel;
  /** The watched object. */
  readonly object: ObjectModel;
  /** The list request's context (its parent scope restricts the stream). */
  readonly context: GluonRequestContext;
  /** The 200 response schema of a GET of one object: events are serialized with it. */
  readonly responseSchema: JsonSchema;
}

/** Serves `?watch=true` on a collection route; resolves once the stream is set up. */
export type WatchHandler = (request: FastifyRequest, reply: FastifyReply, target: WatchTarget) => Promise<void>;

/** The streams of one plugin instance, so that closing the server ends them. */
export class WatchStreams {
  private readonly open = new Set<SseStream>();

  /** Tracks a stream until it ends. */
  add(stream: SseStream, monitor: WatchMonitor | undefined): void {
    this.open.add(stream);
    monitor?.opened();
    stream.onEnd((reason) => {
      this.open.delete(stream);
      monitor?.ended(reason);
    });
  }

  /** Number of streams open now. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream (server shutdown: clients reconnect elsewhere with Last-Event-ID). */
  endAll(): void {
    for (const stream of [...this.open]) stream.end('server');
  }
}

function unavailable(): GluonError {
  return new GluonError('GLUON_ERR_WATCH_UNAVAILABLE', 'This server cannot stream changes (watch=true): it runs without a key/value store mirror. Poll the list instead.');
}

/** The caller may see this state if a GET of it would be allowed (filters and parent scope first). */
function visibilityFor(request: FastifyRequest, target: WatchTarget, rules: { hooks: ProtonHooks; filters: readonly Readonly<Record<string, readonly unknown[]>>[] }) {
  const { hooks, filters } = rules;
  const { context, object } = target;
  const parent = context.parent;
  return async (stored: StoredObject): Promise<boolean> => {
    if (parent !== undefined && String(stored[parent.key]) !== parent.value) return false;
    if (!filters.every((f) => matchesFilters(stored, f))) return false;
    if (hooks.authorizeStored === undefined) return true;
    const key = String(stored[object.primaryKey]);
    try {
      await hooks.authorizeStored(request, { ...context, action: 'get', key }, stored);
      return true;
    } catch (err) {
      if (isGluonError(err) && err.status < 500) return false;
      throw err;
    }
  };
}

/** Longest delay a Node timer takes (about 24.8 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Ends the stream with `GLUON_ERR_AUTH_INVALID_TOKEN` when the caller's token expires. */
function endWhenTokenExpires(stream: SseStream, expiresAt: Date | undefined): void {
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = expiresAt.getTime() - Date.now();
    if (left > MAX_TIMER_MS) {
      timer = setTimeout(arm, MAX_TIMER_MS);
    } else {
      timer = setTimeout(() => {
        const message = `The token of this watch stream expired at ${expiresAt.toISOString()}; reconnect with a valid token and Last-Event-ID to resume.`;
        stream.fail(new GluonError('GLUON_ERR_AUTH_INVALID_TOKEN', message), 'token-expired');
      }, Math.max(0, left));
    }
    timer.unref();
  };
  arm();
  stream.onEnd(() => clearTimeout(timer));
}

/**
 * Builds the handler of `?watch=true`. Without `options` (no key/value store) every
 * watch request is answered 501 `GLUON_ERR_WATCH_UNAVAILABLE`.
 *
 * Checks run before the stream opens, so they answer with an ordinary fault: the query
 * (400), the list policy (the route already ran `authorize`), the parent (404).
 */
export function createWatchHandler(options: ProtonWatchOptions | undefined, hooks: ProtonHooks, streams: WatchStreams): WatchHandler {
  return async (request, reply, target) => {
    if (options === undefined) throw unavailable();
    const query = parseWatchQuery(target.object, request.url, request.headers['last-event-id']);
    const scope = await hooks.listFilters?.(request, target.context);
    const serialize = reply.compileSerializationSchema(target.responseSchema, '200');
    const fields = query.fields;
    const render = (object: StoredObject): string => serialize(fields === undefined ? object : pickFields(object, fields));
    const stream = new SseStream(reply.raw, {
      heartbeatMs: (options.heartbeatSeconds ?? DEFAULT_WATCH_HEARTBEAT_SECONDS) * 1000,
      maxBufferBytes: options.bufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES,
      closeGraceMs: options.closeGraceMs ?? DEFAULT_WATCH_CLOSE_GRACE_MS,
    });
    const session = new WatchSession(stream, {
      kv: options.kv,
      prefix: objectKey(target.api.name, target.object.name, ''),
      visible: visibilityFor(request, target, { hooks, filters: scope === undefined ? [query.filters] : [query.filters, scope] }),
      render,
      ...(query.resumeAfter === undefined ? {} : { resumeAfter: query.resumeAfter }),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      log: (err, message) => request.log.warn({ err }, message),
    });
    void reply.hijack();
    streams.add(stream, options.monitor);
    endWhenTokenExpires(stream, request.identity?.expiresAt);
    await session.run();
  };
}
