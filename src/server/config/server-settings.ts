import { DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_JSON_DEPTH } from '../../core/http/index.js';
import type { SettingDeclaration, SettingSchema } from './setting.js';
import { missingSqliteDirectory, unbracketIp, wildcardUrlHost, withoutTrailingSlash } from './value-formats.js';

/** The log levels pino understands (`silent` turns logging off). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The log line formats: `pretty` (colourless, one readable line per event) or `json` (one JSON object per line). */
export const LOG_FORMATS = ['pretty', 'json'] as const;
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** A log line format. */
export type LogFormat = (typeof LOG_FORMATS)[number];
/** The schema changes a server may apply at start (docs/migrations.md). */
export const MIGRATE_MODES = ['none', 'safe'] as const;

/** A whole number of at least `min`. */
function wholeNumber(min: number): Extract<SettingSchema, { readonly type: 'integer' }> {
  return { type: 'integer', minimum: min, maximum: Number.MAX_SAFE_INTEGER };
}

/** The message of a whole-number setting. */
function wholeNumberOf(unit: string, min: number): string {
  return `must be a whole number of ${unit} (${min} or more)`;
}

/** The settings of the server itself: models, storage, network, etcd, logs and tuning. */
export const SERVER_SETTINGS = {
  models: {
    schema: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    env: 'GLUON_MODELS',
    flag: { name: '--models', arg: '<paths>', help: 'model files or directories, comma-separated or repeated (default: the bundled models/)' },
    expects: 'must be one or more model file or directory paths (comma-separated, or a YAML list)',
    pathFromFile: true,
    doc: { default: 'the `models/` directory bundled with the installed package', allowed: 'model files or directories; comma-separated, or the flag repeated, or a YAML list' },
  },
  db: {
    schema: { type: 'string', format: 'database-url' },
    env: 'GLUON_DB',
    flag: { name: '--db', arg: '<url>', help: 'database: sqlite:<file> or mysql://user:pass@host:3306/db' },
    default: 'sqlite:./gluon.db',
    expects: 'must be sqlite:<file> (e.g. sqlite:./gluon.db), sqlite::memory:, or mysql://user:password@host:3306/database',
    refine: { rule: 'directory', check: missingSqliteDirectory },
    doc: {
      allowed:
        '`sqlite:<file>` (its directory must exist: the server creates the file, never directories), `sqlite::memory:`, `mysql://user:password@host:3306/database` (also `mariadb://`)',
    },
  },
  host: {
    schema: { type: 'string', format: 'listen-host' },
    env: 'GLUON_HOST',
    flag: { name: '--host', arg: '<address>', help: 'address to listen on' },
    default: '127.0.0.1',
    expects: 'must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name (localhost)',
    normalize: unbracketIp,
    doc: { allowed: 'an IP address (`0.0.0.0`, `::1`…) or a host name' },
  },
  port: {
    schema: { type: 'integer', minimum: 0, maximum: 65535 },
    env: 'GLUON_PORT',
    flag: { name: '--port', arg: '<number>', help: 'port to listen on, 0 = any free port' },
    default: 2705,
    expects: 'must be an integer from 0 to 65535 (0 picks a free port)',
    doc: { allowed: 'an integer from 0 to 65535; 0 picks a free port' },
  },
  advertisedUrl: {
    schema: { type: 'string', format: 'http-url' },
    env: 'GLUON_ADVERTISED_URL',
    flag: { name: '--advertised-url', arg: '<url>', help: 'base URL others reach this server at (default: http://<host>:<port>)' },
    expects: 'must be an absolute http(s) URL such as http://proton.example.net:2705',
    normalize: withoutTrailingSlash,
    refine: { rule: 'reachable-host', check: wildcardUrlHost },
    doc: { default: '`http://<host>:<port>`', allowed: 'an absolute `http(s)` URL whose host is not `0.0.0.0` / `::`' },
  },
  etcd: {
    schema: { type: 'array', minItems: 1, items: { type: 'string', format: 'http-url' } },
    env: 'GLUON_ETCD',
    flag: { name: '--etcd', arg: '<urls>', help: 'etcd endpoints, comma-separated or repeated (default: none, in-process store)' },
    expects: 'must be one or more http(s) URLs, comma-separated (http://127.0.0.1:2379,http://10.0.0.2:2379)',
    normalize: withoutTrailingSlash,
    doc: { default: 'none: the in-process key/value store', allowed: '`http(s)` URLs of etcd endpoints, comma-separated (or a YAML list)' },
  },
  etcdPrefix: {
    schema: { type: 'string', pattern: '^(/\\S*)?$' },
    env: 'GLUON_ETCD_PREFIX',
    flag: { name: '--etcd-prefix', arg: '<prefix>', help: 'prefix of every etcd key, e.g. /site-a (default: none)' },
    default: '',
    expects: 'must be empty or start with "/" and contain no spaces (e.g. /deployment-a)',
    normalize: withoutTrailingSlash,
    doc: { default: 'none', allowed: 'empty, or `/name` (a trailing `/` is dropped), so several deployments can share one etcd' },
  },
  logLevel: {
    schema: { type: 'string', enum: LOG_LEVELS },
    env: 'GLUON_LOG_LEVEL',
    flag: { name: '--log-level', arg: '<level>', help: `log level: ${LOG_LEVELS.join(', ')}` },
    default: 'info',
    expects: `must be one of ${LOG_LEVELS.join(', ')}`,
    doc: { allowed: LOG_LEVELS.map((level) => `\`${level}\``).join(', ') },
  },
  bindTimeoutMs: {
    schema: wholeNumber(0),
    env: 'GLUON_BIND_TIMEOUT_MS',
    flag: { name: '--bind-timeout-ms', arg: '<ms>', help: "how long a bind waits for the shim's result when the request gives no ?bind_timeout=" },
    default: 10_000,
    expects: wholeNumberOf('milliseconds', 0),
    doc: { allowed: "a whole number of milliseconds (≥ 0): how long a bind waits for the shim's result when the request gives no `?bind_timeout=` ([docs/api.md](api.md))" },
  },
  maxBindTimeoutMs: {
    schema: wholeNumber(0),
    env: 'GLUON_MAX_BIND_TIMEOUT_MS',
    flag: { name: '--max-bind-timeout-ms', arg: '<ms>', help: 'largest ?bind_timeout= a request may ask for' },
    default: 120_000,
    expects: wholeNumberOf('milliseconds', 0),
    doc: { allowed: 'a whole number of milliseconds (≥ 0), not below `bindTimeoutMs`: the largest `?bind_timeout=` a request may ask for' },
  },
  leaseTtlSeconds: {
    schema: wholeNumber(1),
    env: 'GLUON_LEASE_TTL_SECONDS',
    flag: { name: '--lease-ttl-seconds', arg: '<s>', help: 'TTL of the publisher-election lease: how long a dead leader blocks the takeover' },
    default: 10,
    expects: wholeNumberOf('seconds', 1),
    doc: { allowed: 'a whole number of seconds (≥ 1): TTL of the publisher-election lease, i.e. how long a dead leader blocks the takeover ([docs/etcd.md](etcd.md))' },
  },
  idleTimeoutMs: {
    schema: wholeNumber(1),
    env: 'GLUON_IDLE_TIMEOUT_MS',
    flag: { name: '--idle-timeout-ms', arg: '<ms>', help: 'close a connection silent this long with no request in progress' },
    default: DEFAULT_CONNECTION_LIMITS.idleTimeoutMs,
    expects: wholeNumberOf('milliseconds', 1),
    doc: {
      allowed:
        'a whole number of milliseconds (≥ 1): a connection silent this long with no request in progress (a keep-alive connection between requests, or one that never sends anything) is closed. A request waiting for its answer (a port bind) is never cut by it',
    },
  },
  headersTimeoutMs: {
    schema: wholeNumber(1),
    env: 'GLUON_HEADERS_TIMEOUT_MS',
    flag: { name: '--headers-timeout-ms', arg: '<ms>', help: "time a client has to send a request's headers" },
    default: DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
    expects: wholeNumberOf('milliseconds', 1),
    doc: {
      allowed:
        "a whole number of milliseconds (≥ 1): time a client has to send a request's line and headers; then `408 GLUON_ERR_REQUEST_TIMEOUT` and the connection is closed (capped at `requestTimeoutMs`)",
    },
  },
  requestTimeoutMs: {
    schema: wholeNumber(1),
    env: 'GLUON_REQUEST_TIMEOUT_MS',
    flag: { name: '--request-timeout-ms', arg: '<ms>', help: 'time a client has to send a whole request, body included' },
    default: DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
    expects: wholeNumberOf('milliseconds', 1),
    doc: {
      allowed:
        'a whole number of milliseconds (≥ 1): time a client has to send a whole request, body included (a body trickling byte by byte is cut here); then `408` and close. The time the server takes to answer does not count',
    },
  },
  maxConnections: {
    schema: wholeNumber(1),
    env: 'GLUON_MAX_CONNECTIONS',
    flag: { name: '--max-connections', arg: '<n>', help: 'most connections open at once' },
    default: DEFAULT_CONNECTION_LIMITS.maxConnections,
    expects: wholeNumberOf('connections', 1),
    doc: {
      allowed:
        "a whole number (≥ 1): most connections open at once; one more is closed on arrival, so one client cannot exhaust the server's file descriptors. Keep it below the process's `ulimit -n` minus what the database and etcd need",
    },
  },
  maxJsonDepth: {
    schema: wholeNumber(2),
    env: 'GLUON_MAX_JSON_DEPTH',
    flag: { name: '--max-json-depth', arg: '<n>', help: 'deepest JSON nesting a request body may have' },
    default: DEFAULT_MAX_JSON_DEPTH,
    expects: wholeNumberOf('levels', 2),
    doc: { allowed: 'a whole number (≥ 2): deepest nesting of arrays and objects a request body may have; deeper is refused while parsing with `400 GLUON_ERR_JSON_TOO_DEEP`' },
  },
  watchHeartbeatSeconds: {
    schema: wholeNumber(0),
    env: 'GLUON_WATCH_HEARTBEAT_SECONDS',
    flag: { name: '--watch-heartbeat-seconds', arg: '<s>', help: 'seconds between heartbeat comments on idle watch streams, 0 = none' },
    default: 15,
    expects: wholeNumberOf('seconds', 0),
    doc: {
      allowed:
        'a whole number of seconds (≥ 0; 0 = none): how often an idle watch stream (`?watch=true`) gets a `: heartbeat` comment, so proxies keep it open ([docs/api.md](api.md#watching))',
    },
  },
  watchBufferBytes: {
    schema: wholeNumber(1024),
    env: 'GLUON_WATCH_BUFFER_BYTES',
    flag: { name: '--watch-buffer-bytes', arg: '<n>', help: 'bytes a watch stream may hold unsent before its client is cut off as too slow' },
    default: 1_048_576,
    expects: wholeNumberOf('bytes', 1024),
    doc: {
      allowed:
        'a whole number of bytes (≥ 1024): what one watch stream may hold unsent before its client is cut off with `GLUON_ERR_WATCH_SLOW_CLIENT`, i.e. the most memory one stream takes ([docs/api.md](api.md#watching))',
    },
  },
  mirrorStallSeconds: {
    schema: wholeNumber(1),
    env: 'GLUON_MIRROR_STALL_SECONDS',
    flag: { name: '--mirror-stall-seconds', arg: '<s>', help: '/readyz reports the etcd mirror stalled when a change has waited this long to reach etcd' },
    default: 60,
    expects: wholeNumberOf('seconds', 1),
    doc: { allowed: 'a whole number of seconds (≥ 1): `/readyz` reports the mirror not ready once a change has waited this long to reach etcd (see [Readiness](#readiness-readyz))' },
  },
  logFormat: {
    schema: { type: 'string', enum: LOG_FORMATS },
    env: 'GLUON_LOG_FORMAT',
    flag: { name: '--log-format', arg: '<format>', help: `log lines on stderr: ${LOG_FORMATS.join(' or ')} (default: pretty on a terminal, else json)` },
    expects: `must be one of ${LOG_FORMATS.join(', ')}`,
    doc: {
      default: '`pretty` when stderr is a terminal, else `json`',
      allowed: '`json` (one JSON object per line, every key once) or `pretty` (`12:00:01.234 WARN  [mirror] message key=value …`); see [Logs](#logs)',
    },
  },
  migrate: {
    schema: { type: 'string', enum: MIGRATE_MODES },
    env: 'GLUON_MIGRATE',
    flag: { name: '--migrate', arg: '<mode>', help: 'schema changes applied at start: none, or safe (those that lose no data); default safe on SQLite, none on MySQL' },
    expects: 'must be none (apply no schema change at start) or safe (apply the changes that lose no data)',
    doc: {
      default: '`safe` on SQLite, `none` on MySQL/MariaDB',
      allowed:
        '`none` (only tables of new objects are created; any other model change stops the start with `GLUON_ERR_STORE_SCHEMA`) or `safe` (also apply at start every schema change that loses or refuses no data) — [docs/migrations.md](migrations.md)',
    },
  },
} as const satisfies Record<string, SettingDeclaration>;
