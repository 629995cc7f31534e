import { AUTH_STRATEGIES, type AuthConfig } from '../core/auth/index.js';
import type { ErrorDetail } from '../core/errors/index.js';
import { describeOrigin, type RuleResult, type ValueOrigin } from './config-rules.js';

/** The auth settings of `gluon serve` (flags, `GLUON_*` variables, gluon.yaml keys). */
export const AUTH_CONFIG_KEYS = [
  'authStrategy',
  'policyFile',
  'tokenFile',
  'keystoneUrl',
  'keystoneUsername',
  'keystonePassword',
  'keystoneProject',
  'keystoneUserDomain',
  'keystoneProjectDomain',
  'keystoneCacheTtl',
] as const;
/** One auth setting name. */
export type AuthConfigKey = (typeof AUTH_CONFIG_KEYS)[number];

/** An auth strategy name. */
export function checkAuthStrategy(value: unknown, origin: ValueOrigin): RuleResult<AuthConfig['strategy']> {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof text === 'string' && (AUTH_STRATEGIES as readonly string[]).includes(text)) return { ok: true, value: text as AuthConfig['strategy'] };
  return bad('authStrategy', origin, 'enum', value, `must be one of ${AUTH_STRATEGIES.join(', ')}`, AUTH_STRATEGIES);
}

/** A non-empty string (paths, URLs, names, the password). */
export function checkText(field: AuthConfigKey): (value: unknown, origin: ValueOrigin) => RuleResult<string> {
  return (value, origin) => {
    if (typeof value === 'string' && value.trim() !== '') return { ok: true, value: value.trim() };
    return bad(field, origin, 'type', field === 'keystonePassword' ? '***' : value, 'must be a non-empty string');
  };
}

/** An http(s) URL. */
export function checkHttpUrl(field: AuthConfigKey): (value: unknown, origin: ValueOrigin) => RuleResult<string> {
  return (value, origin) => {
    if (typeof value === 'string' && /^https?:\/\/\S+$/.test(value.trim())) return { ok: true, value: value.trim() };
    return bad(field, origin, 'url', value, 'must be an http(s) URL such as http://keystone:5000/v3');
  };
}

/** A non-negative number of seconds. */
export function checkSeconds(field: AuthConfigKey): (value: unknown, origin: ValueOrigin) => RuleResult<number> {
  return (value, origin) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isInteger(n) && n >= 0) return { ok: true, value: n };
    return bad(field, origin, 'integer', value, 'must be a whole number of seconds (0 or more)');
  };
}

function bad<T>(field: string, origin: ValueOrigin, rule: string, value: unknown, allowed: string, choices?: readonly unknown[]): RuleResult<T> {
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  const detail: ErrorDetail = { field, rule, value, message: `Invalid ${field} ${shown} (from ${describeOrigin(origin)}): ${allowed}.`, ...(choices === undefined ? {} : { allowed: choices }) };
  return { ok: false, detail };
}

/** The resolved auth settings (undefined ones were not given). */
export type AuthSettings = Partial<{
  authStrategy: AuthConfig['strategy'];
  policyFile: string;
  tokenFile: string;
  keystoneUrl: string;
  keystoneUsername: string;
  keystonePassword: string;
  keystoneProject: string;
  keystoneUserDomain: string;
  keystoneProjectDomain: string;
  keystoneCacheTtl: number;
}>;

/**
 * The `auth` option of createProtonServer from resolved settings, or the problems
 * (e.g. `token-file` without a token file, `keystone` without its service account).
 */
export function authConfigFromSettings(settings: AuthSettings): { auth?: AuthConfig; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  switch (settings.authStrategy) {
    case undefined:
    case 'noauth':
      return { problems };
    case 'token-file':
      if (settings.tokenFile === undefined) {
        problems.push({ field: 'tokenFile', rule: 'required', message: 'authStrategy token-file needs tokenFile (--token-file / GLUON_TOKEN_FILE / tokenFile: in gluon.yaml).' });
        return { problems };
      }
      return { auth: { strategy: 'token-file', tokenFile: settings.tokenFile }, problems };
    case 'keystone': {
      const need: [AuthConfigKey, string][] = [
        ['keystoneUrl', '--keystone-url / GLUON_KEYSTONE_URL'],
        ['keystoneUsername', 'GLUON_KEYSTONE_USERNAME'],
        ['keystonePassword', 'GLUON_KEYSTONE_PASSWORD (never a command-line flag)'],
        ['keystoneProject', 'GLUON_KEYSTONE_PROJECT'],
      ];
      for (const [key, where] of need) {
        if (settings[key] === undefined) problems.push({ field: key, rule: 'required', message: `authStrategy keystone needs ${key} (${where}, or ${key}: in gluon.yaml).` });
      }
      if (problems.length > 0) return { problems };
      return {
        auth: {
          strategy: 'keystone',
          keystone: {
            authUrl: settings.keystoneUrl ?? '',
            username: settings.keystoneUsername ?? '',
            password: settings.keystonePassword ?? '',
            projectName: settings.keystoneProject ?? '',
            ...(settings.keystoneUserDomain === undefined ? {} : { userDomainName: settings.keystoneUserDomain }),
            ...(settings.keystoneProjectDomain === undefined ? {} : { projectDomainName: settings.keystoneProjectDomain }),
            ...(settings.keystoneCacheTtl === undefined ? {} : { cacheTtlSeconds: settings.keystoneCacheTtl }),
          },
        },
        problems,
      };
    }
  }
  return { problems };
}
