import type { ServerResponse } from 'node:http';
import { GluonError, type GluonErrorCode } from '../errors/index.js';

/** One Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`). */
  readonly event: string;
  /** The `id:` field (a revision), or none. */
  readonly id?: string;
  /** The `data:` field: one line of JSON. */
  readonly data: string;
}

/** Limits of one {@link SseStream}. */
export interface SseStreamLimits {
  /** Milliseconds between `: heartbeat` comments (0 = none). */
  readonly heartbeatMs: number;
  /** Bytes the stream may hold unsent before the client is cut off as too slow. */
  readonly maxBufferBytes: number;
  /** Milliseconds a cut-off stream gets to flush its last bytes before its socket is destroyed. */
  readonly closeGraceMs: number;
}

/** Why a stream ended. */
export type SseEndReason = 'client' | 'slow-client' | 'expired' | 'token-expired' | 'server' | 'error';

/** Frames one event: `event:`, optional `id:`, `data:` and the blank line ending it. */
export function formatSseEvent(event: SseEvent): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `event: ${event.event}\n${id}data: ${event.data}\n\n`;
}

/** The `data:` of an `ERROR` event: the fault's `code` and `faultstring`. */
export function errorEventData(code: GluonErrorCode, message: string): string {
  return JSON.stringify({ code, faultstring: message });
}

/**
 * A `text/event-stream` response with a bounded buffer and heartbeats.
 *
 * Live events go through {@link SseStream.send}, which never waits: when more than
 * `maxBufferBytes` are queued unsent (the socket's own buffer included), the stream
 * sends an `ERROR` event with `GLUON_ERR_WATCH_SLOW_CLIENT` and ends, so a client that
 * stops reading never grows the server's memory. The initial list goes through
 * {@link SseStream.sendPaced}, which waits for the socket to drain instead (the caller
 * reads the next page only then).
 */
export class SseStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly endListeners: ((reason: SseEndReason) => void)[] = [];

  constructor(
    private readonly raw: ServerResponse,
    private readonly limits: SseStreamLimits,
  ) {
    raw.once('close', () => this.finish('client'));
  }

  /** True once the stream ended (by the client, the server or a cut-off). */
  get closed(): boolean {
    return this.ended;
  }

  /** Sends the status line and headers; starts the heartbeat. */
  open(): void {
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.raw.flushHeaders();
    if (this.limits.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.limits.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** Registers a callback called once when the stream ends, with the reason. */
  onEnd(listener: (reason: SseEndReason) => void): void {
    if (this.ended) listener('server');
    else this.endListeners.push(listener);
  }

  /** Sends a live event; cuts the client off when its buffer is full. Returns false once the stream is closed. */
  send(event: SseEvent): boolean {
    return this.write(formatSseEvent(event));
  }

  /** Sends an event of the initial list, resolving once the socket can take more. */
  async sendPaced(event: SseEvent): Promise<boolean> {
    if (this.ended) return false;
    if (this.raw.write(formatSseEvent(event))) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
    return !this.ended;
  }

  /** Sends an `ERROR` event with the error's code and message, then ends the stream. */
  fail(error: GluonError, reason: SseEndReason): void {
    if (this.ended) return;
    this.raw.write(formatSseEvent({ event: 'ERROR', data: errorEventData(error.code, error.message) }));
    this.end(reason);
  }

  /** Ends the stream (its buffered bytes get `closeGraceMs` to reach the client). */
  end(reason: SseEndReason = 'server'): void {
    if (this.ended) return;
    this.finish(reason);
    this.raw.end();
    const grace = setTimeout(() => this.raw.destroy(), this.limits.closeGraceMs);
    grace.unref();
    this.raw.once('close', () => clearTimeout(grace));
  }

  private write(text: string): boolean {
    if (this.ended) return false;
    this.raw.write(text);
    if (this.raw.writableLength > this.limits.maxBufferBytes) {
      const message =
        `The client read this watch stream too slowly: more than ${this.limits.maxBufferBytes} bytes were waiting to be sent. ` +
        'Reconnect with Last-Event-ID to resume.';
      this.fail(new GluonError('GLUON_ERR_WATCH_SLOW_CLIENT', message), 'slow-client');
      return false;
    }
    return true;
  }

  private finish(reason: SseEndReason): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const listener of this.endListeners.splice(0)) listener(reason);
  }
}
