import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/** Time and count limits of the HTTP server's connections (all in milliseconds but `maxConnections`). */
export interface ConnectionLimits {
  /**
   * How long a connection with no request in progress may stay silent (a keep-alive
   * connection between requests, or one that never sends anything) before it is closed.
   * @default 60000
   */
  readonly idleTimeoutMs: number;
  /** How long a client may take to send a request's line and headers; then 408 and close. @default 10000 */
  readonly headersTimeoutMs: number;
  /** How long a client may take to send a whole request, body included; then 408 and close. @default 60000 */
  readonly requestTimeoutMs: number;
  /** Most connections open at once; further ones are closed on arrival. @default 1000 */
  readonly maxConnections: number;
}

/** The defaults of {@link ConnectionLimits}. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  idleTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxConnections: 1000,
};

/**
 * The Node `http.createServer` options that make the header and request timeouts bite
 * promptly: Node checks them every `connectionsCheckingInterval` (30 s by default), so
 * the interval follows the shorter limit (between 100 ms and 30 s). Pass as fastify's
 * `http` option; {@link applyConnectionLimits} sets the rest once the server exists.
 */
export function connectionServerOptions(limits: ConnectionLimits): ServerOptions {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    // Node refuses a header timeout longer than the request timeout.
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(shortest / 4))),
  };
}

const kInFlight = Symbol('gluon.inFlight');
type CountedSocket = Socket & { [kInFlight]?: number };

/**
 * Applies the limits to a created (not yet listening) Node HTTP server: the header and
 * request timeouts (Node answers 408 and closes the connection), the keep-alive timeout,
 * the connection cap, and an idle timeout that closes a silent socket only while no
 * request is in progress on it (a request waiting for a slow answer, such as a port
 * bind, is never cut by it).
 */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('request', (request: { socket: CountedSocket }, response: { once(event: 'close', listener: () => void): unknown }) => {
    const socket = request.socket;
    socket[kInFlight] = (socket[kInFlight] ?? 0) + 1;
    response.once('close', () => {
      socket[kInFlight] = Math.max(0, (socket[kInFlight] ?? 1) - 1);
    });
  });
  // A listener on 'timeout' replaces Node's default (destroy on any inactivity).
  server.setTimeout(limits.idleTimeoutMs, (socket: CountedSocket) => {
    if ((socket[kInFlight] ?? 0) === 0) socket.destroy();
  });
}
