import type { ServerHooksDefinition } from '../drivers/index.js';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Logger, LoggerOptions } from 'pino';
import type { TlsFiles } from './tls.js';
import type { Registry } from 'prom-client';
import type { AuthConfig, Authenticator, PolicyEngine } from '../core/auth/index.js';
import type { ConnectionLimits } from '../core/http/index.js';
import type { EtcdAccessOptions, KeyValueStore } from '../core/kv/index.js';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { ProtonStore } from '../core/store/index.js';

/** Options of {@link createProtonServer}. Every option is optional. */
export interface ProtonServerOptions {
  /**
   * Model files or directories to serve.
   * @default the `models/` directory bundled with the installed gluon-net package
   */
  readonly models?: string | readonly string[];
  /**
   * Database URL: `sqlite:<file>`, `sqlite::memory:`, or `mysql://user:pass@host:3306/db`.
   * @default 'sqlite:./gluon.db'
   */
  readonly db?: string;
  /**
   * Address to listen on. A wildcard address (`0.0.0.0`, `::`) requires `advertisedUrl`.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port to listen on; 0 picks a free port (see {@link ProtonServer.url} after `listen()`).
   * @default 2705
   */
  readonly port?: number;
  /**
   * Base URL others reach this server at (written into `/gluon/port/<id>` in etcd).
   * Never a wildcard address.
   * @default `http://<host>:<port>` (the bound port when `port` is 0)
   */
  readonly advertisedUrl?: string;
  /**
   * etcd endpoints (`http://127.0.0.1:2379`).
   * @default none: the in-process key/value store
   */
  readonly etcd?: string | readonly string[];
  /**
   * Prefix of every etcd key, so several deployments can share one etcd (`/site-a`).
   * @default ''
   */
  readonly etcdPrefix?: string;
  /**
   * TLS material and etcd user of the `etcd` connection (read from the settings'
   * files by `readEtcdAccess`).
   * @default none: plain connection, no authentication
   */
  readonly etcdAccess?: EtcdAccessOptions;
  /**
   * A pino logger, or pino options to build one.
   * @default pino at level `info`, JSON lines on stderr
   */
  readonly logger?: Logger | LoggerOptions;
  /**
   * Extra fastify options (`bodyLimit`, `requestTimeout`, …). `logger`/`loggerInstance`
   * are ignored: use the `logger` option.
   * @default {}
   */
  readonly fastify?: Omit<FastifyServerOptions, 'logger' | 'loggerInstance'>;
  /**
   * Serve HTTPS with this certificate and key (and require client certificates when
   * `clientCa` is given); {@link ProtonServer.reloadTls} re-reads the files. See docs/tls.md.
   * @default none: plain HTTP
   */
  readonly tls?: TlsFiles;
  /**
   * Serve `/proton/openapi.json` and the Swagger UI at `/proton/docs`.
   * @default true
   */
  readonly docs?: boolean;
  /**
   * Serve the live view at `/proton/ui` (see docs/ui.md; its data needs a token like the API).
   * @default true
   */
  readonly ui?: boolean;
  /**
   * The durable etcd mirror (outbox → etcd publisher, reconciler, leader election).
   * `true` (default): the built-in mirror of the `sync` part, publishing into the
   * in-process store, or into etcd with the `etcd` option; `false`: no outbox rows are
   * written and nothing is published (e.g. to measure the API without it); a function:
   * your own mirror, built once the store and key/value store exist (its `start()` runs
   * on `listen()`, its `stop()` on `close()`, its `check()` joins `/readyz`).
   * @default true
   */
  readonly mirror?: boolean | ((deps: MirrorDeps) => ServerMirror);
  /**
   * Schema changes applied at start when the models differ from what the database
   * records: `none` (only tables of new objects are created; any other difference stops
   * the start with `GLUON_ERR_STORE_SCHEMA`) or `safe` (also every change that loses or
   * refuses no data: new columns, longer strings, new enum values, renames). See
   * docs/migrations.md.
   * @default 'safe' on SQLite, 'none' on MySQL/MariaDB
   */
  readonly migrate?: 'none' | 'safe';
  /**
   * TTL in seconds of the lease this server campaigns on for the publisher election:
   * how long a dead leader blocks the takeover by another server.
   * @default 10
   */
  readonly leaseTtlSeconds?: number;
  /**
   * `/readyz` reports the built-in mirror not ready (`checks.mirror.ok: false`, with the
   * reason) once the oldest change waiting in the outbox is older than this many seconds:
   * etcd is down, no server leads the publisher election, or another deployment holds
   * the election (see docs/configuration.md, "One election per database").
   * @default 60
   */
  readonly mirrorStallSeconds?: number;
  /**
   * How callers authenticate: `noauth` (every caller is an admin of one project),
   * `token-file` (static hashed API tokens), `keystone` (Keystone v3 tokens), or a
   * ready {@link Authenticator}. See docs/security.md.
   * @default { strategy: 'noauth' }
   */
  readonly auth?: AuthConfig | Authenticator;
  /**
   * A policy file (YAML or JSON: rule name → oslo.policy check string) overriding the
   * base rules and the models' policies. Read once at start-up.
   * @default none
   */
  readonly policyFile?: string;
  /**
   * How long a port bind (a PUT with `host_id` and `device_id`) waits for the shim's
   * result, in milliseconds, when the request gives no `?bind_timeout=`.
   * @default 10000
   */
  readonly bindTimeoutMs?: number;
  /**
   * Largest `?bind_timeout=` a request may ask for, in milliseconds.
   * @default 120000
   */
  readonly maxBindTimeoutMs?: number;
  /**
   * Run the dummy shim (answers binds with `ovs` when the port has a service binding)
   * inside the server, so a bind completes with no other process.
   * @default true with the in-process key/value store, false with `etcd` (real shims run elsewhere)
   */
  readonly inProcessShim?: boolean;
  /**
   * Connection limits: idle, header and request timeouts and the connection cap (see
   * docs/configuration.md); unset fields keep their defaults.
   * @default { idleTimeoutMs: 60000, headersTimeoutMs: 10000, requestTimeoutMs: 60000, maxConnections: 1000 }
   */
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /**
   * Deepest nesting of arrays and objects a request body may have (400
   * `GLUON_ERR_JSON_TOO_DEEP` beyond).
   * @default 32
   */
  readonly maxJsonDepth?: number;
  /**
   * Seconds between `: heartbeat` comments on an idle watch stream (`?watch=true`), so
   * proxies do not close it; 0 = none.
   * @default 15
   */
  readonly watchHeartbeatSeconds?: number;
  /**
   * Bytes a watch stream may hold unsent before its client is cut off as too slow
   * (`GLUON_ERR_WATCH_SLOW_CLIENT`): the most memory one stream can take.
   * @default 1048576 (1 MiB)
   */
  readonly watchBufferBytes?: number;
  /**
   * More readiness checks for `/readyz`, next to the built-in `database`, `mirror` and
   * `etcd` ones: each is reported under its `name`, and any failing check makes the
   * server not ready (503). Names must be unique.
   */
  readonly readiness?: readonly ReadinessCheck[];
  /**
   * Server hooks (`defineHooks` from `gluon-net/drivers`, or a plugin's `gluon.hooks`
   * found by `discoverPlugins`): run in order around every write and in front of binds,
   * after authentication and policy. See docs/plugins.md.
   */
  readonly serverHooks?: readonly ServerHooksDefinition[];
}

/** What a {@link ServerMirror} factory receives. */
export interface MirrorDeps {
  /** The SQL store whose outbox the mirror publishes. */
  readonly store: ProtonStore;
  /** The key/value store (etcd or in-process) mirrored into. */
  readonly kv: KeyValueStore;
  /** The hosted APIs (their objects give the etcd keys). */
  readonly registry: ProtonRegistry;
  /** The server's logger. */
  readonly logger: Logger;
  /** The server's advertised base URL (final once `listen()` resolved). */
  readonly advertisedUrl: () => string;
}

/** **Experimental**: the etcd publisher as the server sees it. */
export interface ServerMirror {
  /** Starts publishing (called by `listen()`). */
  start(): Promise<void>;
  /** Stops publishing (called by `close()`, before the store closes). */
  stop(): Promise<void>;
  /** A readiness check (e.g. publisher lag) reported under `checks.mirror` of `/readyz`. */
  check?(): Promise<ReadinessResult>;
  /** Resolves once every change committed before the call is in etcd (tests, tools). */
  flush?(timeoutMs?: number): Promise<void>;
}

/** The outcome of one readiness check. */
export interface ReadinessResult {
  /** True when the dependency answers. */
  readonly ok: boolean;
  /** Why the check failed. */
  readonly error?: string;
  /** Extra figures (e.g. `pending`, `oldestAgeMs`). */
  readonly [extra: string]: unknown;
}

/** A named readiness check run by `/readyz`. */
export interface ReadinessCheck {
  /** The key of this check in `/readyz`'s `checks` (`database`, `mirror`, `etcd`, or a name of your own). */
  readonly name: string;
  /** Probes the dependency; must not throw (report `ok: false` with an `error`). */
  run(): Promise<ReadinessResult>;
}

/** Lifecycle state shared by the server's parts. @internal */
export interface ServerLifecycle {
  /** True once `close()` began: responses then carry `Connection: close`. */
  draining: boolean;
}

/** The options after defaults were applied and values validated. @internal */
export interface ResolvedServerOptions {
  readonly models: readonly string[];
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly advertisedUrl?: string;
  readonly etcd?: readonly string[];
  readonly etcdPrefix: string;
  readonly docs: boolean;
  readonly ui: boolean;
  readonly fastify: Omit<FastifyServerOptions, 'logger' | 'loggerInstance'>;
  readonly connectionLimits: ConnectionLimits;
  readonly maxJsonDepth?: number;
}

/** A running (or ready to listen) reference Proton server. */
export interface ProtonServer {
  /** The fastify app: add your own routes or plugins before `listen()`. */
  readonly app: FastifyInstance;
  /**
   * The server's base URL: `http://<host>:<port>` (`https://` with `tls`) as configured, and after `listen()`
   * the bound address (the real port when `port` was 0).
   */
  readonly url: string;
  /** The advertised base URL (the `advertisedUrl` option, else {@link ProtonServer.url}). */
  readonly advertisedUrl: string;
  /** The Protons served. */
  readonly registry: ProtonRegistry;
  /** The object store. */
  readonly store: ProtonStore;
  /** The key/value store (etcd or in-process). */
  readonly kv: KeyValueStore;
  /** The etcd mirror, or null with `mirror: false`. */
  readonly mirror: ServerMirror | null;
  /** This server's Prometheus registry (served at `/metrics`; never the global one). */
  readonly metrics: Registry;
  /** Who callers are (the configured authenticator). */
  readonly authenticator: Authenticator;
  /** The effective policy rules. */
  readonly policy: PolicyEngine;
  /**
   * Starts listening; resolves with {@link ProtonServer.url}.
   * @throws when the address is in use or not available (the cause says which)
   */
  listen(): Promise<string>;
  /**
   * Re-reads the TLS files (the `tls` option) and serves new connections with them;
   * open connections keep theirs. Does nothing without `tls`.
   * @throws ConfigError `GLUON_ERR_CONFIG` when a file cannot be read or the pair is unusable (the old identity stays)
   */
  reloadTls(): Promise<void>;
  /**
   * Graceful shutdown: stops accepting connections, finishes in-flight requests, stops
   * the mirror, closes the store (draining its write queue) and the key/value store.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void>;
}
