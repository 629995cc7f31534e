import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A listen address: an IPv4/IPv6 address or a host name. */
export function isListenHost(text: string): boolean {
  return isIP(text) !== 0 || HOSTNAME.test(text);
}

/** `[::1]` → `::1`: the brackets of a bracketed IPv6 address are dropped; anything else is kept. */
export function unbracketIp(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return isIP(bare) === 0 ? text : bare;
}

/** True for the wildcard listen addresses (every interface), which are not reachable URLs. */
export function isWildcardHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0') return true;
  return isIP(bare) === 6 && bare.split(':').every((part) => part === '' || /^0+$/.test(part));
}

/** An absolute `http:` or `https:` URL with a host. */
export function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** A database URL: `sqlite:<file>`, `sqlite::memory:`, or `mysql://` / `mariadb://` with a host and a database. */
export function isDatabaseUrl(text: string): boolean {
  if (/^sqlite:.+/.test(text)) return true;
  if (!/^(mysql|mariadb):\/\//.test(text) || !URL.canParse(text)) return false;
  const url = new URL(text);
  return url.hostname !== '' && url.pathname.length > 1;
}

/** Drops the trailing slashes of a URL or key prefix. */
export function withoutTrailingSlash(text: string): string {
  return text.replace(/\/+$/, '');
}

/**
 * A SQLite file's directory must exist: the server creates the file, never the
 * directories above it (a typo would otherwise create a tree at an unexpected place).
 * @returns the problem, or undefined.
 */
export function missingSqliteDirectory(db: string): string | undefined {
  if (!db.startsWith('sqlite:')) return undefined;
  let file = db.slice('sqlite:'.length);
  if (file.startsWith('//')) file = file.slice(2);
  if (file === ':memory:' || file === '') return undefined;
  const dir = dirname(resolve(file));
  if (existsSync(dir) && statSync(dir).isDirectory()) return undefined;
  const what = existsSync(dir) ? 'is not a directory' : 'does not exist';
  return `the directory ${dir} of the SQLite file ${what}; create it first (mkdir -p ${dir}) or choose a file in an existing directory`;
}

/** The advertised URL must name a host others can reach. @returns the problem, or undefined. */
export function wildcardUrlHost(url: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return isWildcardHost(host) ? 'must name a host others can reach, not the wildcard address 0.0.0.0 or ::' : undefined;
}
