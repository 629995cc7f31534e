import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { ErrorDetail } from '../core/errors/index.js';

/** Where a configuration value came from. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'option' | 'default';

/** The log levels pino understands (`silent` turns logging off). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where one raw value was read: its source and the name it has there (`--port`, `GLUON_PORT`, `port`). */
export interface ValueOrigin {
  readonly source: ConfigSource;
  /** The flag, environment variable, file key or option name the value was given as. */
  readonly name: string;
  /** The config file, when `source` is `file`. */
  readonly file?: string;
}

/** The outcome of checking one raw value: the normalized value, or a problem. */
export type RuleResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: ErrorDetail };

/** Describes an origin for a message: `flag --port`, `env GLUON_PORT`, `file ./gluon.yaml key "port"`. */
export function describeOrigin(origin: ValueOrigin): string {
  switch (origin.source) {
    case 'flag':
      return `flag ${origin.name}`;
    case 'env':
      return `environment variable ${origin.name}`;
    case 'file':
      return `config file ${origin.file ?? 'gluon.yaml'} key "${origin.name}"`;
    case 'option':
      return `option ${origin.name}`;
    case 'default':
      return `default ${origin.name}`;
  }
}

function fail<T>(field: string, origin: ValueOrigin, rule: string, value: unknown, allowed: string, choices?: readonly unknown[]): RuleResult<T> {
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  const message = `Invalid ${field} ${shown} (from ${describeOrigin(origin)}): ${allowed}.`;
  return { ok: false, detail: { field, rule, value, message, ...(choices === undefined ? {} : { allowed: choices }) } };
}

/** A TCP port: an integer 0–65535 (0 = any free port). Accepts numeric strings. */
export function checkPort(value: unknown, origin: ValueOrigin): RuleResult<number> {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    return fail('port', origin, 'port', value, 'must be an integer from 0 to 65535 (0 picks a free port)');
  }
  return { ok: true, value: n };
}

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A listen address: an IPv4/IPv6 address or a host name. */
export function checkHost(value: unknown, origin: ValueOrigin): RuleResult<string> {
  if (typeof value !== 'string') return fail('host', origin, 'type', value, 'must be a string: an IP address or a host name');
  const host = value.trim();
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return { ok: true, value: bare };
  if (HOSTNAME.test(host)) return { ok: true, value: host };
  return fail('host', origin, 'host', value, 'must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name (localhost)');
}

/** True for the wildcard listen addresses (every interface), which are not reachable URLs. */
export function isWildcardHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0') return true;
  return isIP(bare) === 6 && bare.split(':').every((part) => part === '' || /^0+$/.test(part));
}

function checkHttpUrl(field: string, value: unknown, origin: ValueOrigin, what: string): RuleResult<string> {
  if (typeof value !== 'string' || value.trim() === '') return fail(field, origin, 'url', value, `must be ${what}`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return fail(field, origin, 'url', value, `must be ${what}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(field, origin, 'url', value, `must be ${what} (http: or https:, not ${url.protocol})`);
  if (url.hostname === '') return fail(field, origin, 'url', value, `must be ${what}`);
  return { ok: true, value: value.trim().replace(/\/+$/, '') };
}

/**
 * The base URL others (etcd readers, drivers) use to reach this server: an http(s)
 * URL whose host is not a wildcard address.
 */
export function checkAdvertisedUrl(value: unknown, origin: ValueOrigin): RuleResult<string> {
  const result = checkHttpUrl('advertisedUrl', value, origin, 'an absolute http(s) URL such as http://proton.example.net:2705');
  if (!result.ok) return result;
  const host = new URL(result.value).hostname.replace(/^\[|\]$/g, '');
  if (isWildcardHost(host)) {
    return fail('advertisedUrl', origin, 'url', value, 'must name a host others can reach, not the wildcard address 0.0.0.0 or ::');
  }
  return result;
}

/** A list of etcd endpoints (`http://127.0.0.1:2379`), given as a list or a comma-separated string. */
export function checkEtcd(value: unknown, origin: ValueOrigin): RuleResult<readonly string[]> {
  const items = toList(value);
  if (items === undefined || items.length === 0) {
    return fail('etcd', origin, 'url', value, 'must be one or more http(s) URLs, comma-separated (http://127.0.0.1:2379,http://10.0.0.2:2379)');
  }
  const urls: string[] = [];
  for (const item of items) {
    const result = checkHttpUrl('etcd', item, origin, 'one or more http(s) URLs, comma-separated (http://127.0.0.1:2379)');
    if (!result.ok) return result;
    urls.push(result.value);
  }
  return { ok: true, value: urls };
}

/** A key prefix for etcd: empty, or `/name` with no trailing slash (one is stripped). */
export function checkEtcdPrefix(value: unknown, origin: ValueOrigin): RuleResult<string> {
  if (typeof value !== 'string') return fail('etcdPrefix', origin, 'type', value, 'must be a string such as /deployment-a');
  const prefix = value.trim().replace(/\/+$/, '');
  if (prefix === '') return { ok: true, value: '' };
  if (!prefix.startsWith('/') || /\s/.test(prefix)) {
    return fail('etcdPrefix', origin, 'prefix', value, 'must start with "/" and contain no spaces (e.g. /deployment-a)');
  }
  return { ok: true, value: prefix };
}

/** A database URL: `sqlite:<file>`, `sqlite::memory:`, or `mysql://` / `mariadb://`. */
export function checkDb(value: unknown, origin: ValueOrigin): RuleResult<string> {
  const allowed = 'must be sqlite:<file> (e.g. sqlite:./gluon.db), sqlite::memory:, or mysql://user:password@host:3306/database';
  if (typeof value !== 'string') return fail('db', origin, 'url', value, allowed);
  const db = value.trim();
  if (/^sqlite:.+/.test(db)) return checkSqliteDirectory(db, origin);
  if (/^(mysql|mariadb):\/\//.test(db)) {
    try {
      const url = new URL(db);
      if (url.hostname !== '' && url.pathname.length > 1) return { ok: true, value: db };
    } catch {
      // falls through to the error below
    }
  }
  return fail('db', origin, 'url', value, allowed);
}

/**
 * A SQLite file's directory must exist: the server creates the file, never the
 * directories above it (a typo would otherwise create a tree at an unexpected place).
 */
function checkSqliteDirectory(db: string, origin: ValueOrigin): RuleResult<string> {
  let file = db.slice('sqlite:'.length);
  if (file.startsWith('//')) file = file.slice(2);
  if (file === ':memory:' || file === '') return { ok: true, value: db };
  const dir = dirname(resolve(file));
  if (existsSync(dir) && statSync(dir).isDirectory()) return { ok: true, value: db };
  const what = existsSync(dir) ? 'is not a directory' : 'does not exist';
  return fail('db', origin, 'directory', db, `the directory ${dir} of the SQLite file ${what}; create it first (mkdir -p ${dir}) or choose a file in an existing directory`);
}

/** The log line formats: `pretty` (colourless, one readable line per event) or `json` (one JSON object per line). */
export const LOG_FORMATS = ['pretty', 'json'] as const;
/** A log line format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A log format name. */
export function checkLogFormat(value: unknown, origin: ValueOrigin): RuleResult<LogFormat> {
  const format = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof format === 'string' && (LOG_FORMATS as readonly string[]).includes(format)) return { ok: true, value: format as LogFormat };
  return fail('logFormat', origin, 'enum', value, `must be one of ${LOG_FORMATS.join(', ')}`, LOG_FORMATS);
}

/** The schema changes a server applies at start: `none` or `safe` (docs/migrations.md). */
export function checkMigrate(value: unknown, origin: ValueOrigin): RuleResult<'none' | 'safe'> {
  const mode = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (mode === 'none' || mode === 'safe') return { ok: true, value: mode };
  return fail('migrate', origin, 'enum', value, 'must be none (apply no schema change at start) or safe (apply the changes that lose no data)', ['none', 'safe']);
}

/** A log level name. */
export function checkLogLevel(value: unknown, origin: ValueOrigin): RuleResult<LogLevel> {
  const level = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof level === 'string' && (LOG_LEVELS as readonly string[]).includes(level)) return { ok: true, value: level as LogLevel };
  return fail('logLevel', origin, 'enum', value, `must be one of ${LOG_LEVELS.join(', ')}`, LOG_LEVELS);
}

/** Model paths: a list, or a comma-separated string; each non-empty. */
export function checkModels(value: unknown, origin: ValueOrigin): RuleResult<readonly string[]> {
  const items = toList(value);
  if (items === undefined || items.length === 0 || items.some((item) => typeof item !== 'string' || item.trim() === '')) {
    return fail('models', origin, 'paths', value, 'must be one or more model file or directory paths (comma-separated, or a YAML list)');
  }
  return { ok: true, value: items.map((item) => String(item).trim()) };
}

/**
 * A whole number of at least `min` (milliseconds or seconds, named in `unit`), given as
 * a number or a numeric string.
 */
export function checkWholeNumber(field: string, min: number, unit: string): (value: unknown, origin: ValueOrigin) => RuleResult<number> {
  return (value, origin) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min) return { ok: true, value: n };
    return fail(field, origin, 'integer', value, `must be a whole number of ${unit} (${min} or more)`);
  };
}

/** A list from an array or a comma-separated string; undefined when neither. */
function toList(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value.flatMap((item) => (typeof item === 'string' ? splitComma(item) : [item]));
  if (typeof value === 'string') return splitComma(value);
  return undefined;
}

function splitComma(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
