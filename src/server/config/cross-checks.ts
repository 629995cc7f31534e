import type { ErrorDetail } from '../../core/errors/index.js';
import { describeOrigin, type ValueOrigin } from './origin.js';
import { secretFileVariable } from './setting.js';
import { CONFIG_KEYS, settingOf, type ConfigKey, type SettingValues } from './settings.js';
import { isWildcardHost } from './value-formats.js';

/** The settings once read and checked one by one, with where each given one came from. */
export interface CheckedSettings {
  readonly values: SettingValues;
  readonly origins: Readonly<Partial<Record<ConfigKey, ValueOrigin>>>;
  /** The settings that were resolved (others keep their defaults). */
  readonly wanted: ReadonlySet<ConfigKey>;
  /** The settings some source gave, valid or not. */
  readonly given: ReadonlySet<ConfigKey>;
}

/** Where a setting may be given, for a message: `--keystone-url / GLUON_KEYSTONE_URL`. */
export function whereToSet(key: ConfigKey): string {
  const setting = settingOf(key);
  if (setting.flag !== undefined) return `${setting.flag.name} / ${setting.env}`;
  return setting.secret === true ? `${setting.env} or ${secretFileVariable(setting)} (never a command-line flag)` : setting.env;
}

/** The problems between settings: a required one missing, a listen address nobody can reach, a maximum below its default. */
export function crossCheckSettings(checked: CheckedSettings): ErrorDetail[] {
  return [...missingRequired(checked), ...unreachableWildcard(checked), ...maxBelowDefault(checked), ...unpairedEtcdAccess(checked), ...incompleteTls(checked)];
}

/** A certificate needs its key and a key its certificate; client certificates need TLS. */
function incompleteTls({ values, given }: CheckedSettings): ErrorDetail[] {
  const pairs: readonly (readonly [ConfigKey, ConfigKey])[] = [
    ['tlsCert', 'tlsKey'],
    ['tlsKey', 'tlsCert'],
    ['tlsClientCa', 'tlsCert'],
  ];
  const byName = values as Readonly<Record<string, unknown>>;
  return pairs.flatMap(([present, needed]) =>
    given.has(present) && byName[present] !== undefined && byName[needed] === undefined && !given.has(needed)
      ? [{ field: needed, rule: 'required', message: `${present} needs ${needed} (${whereToSet(needed)}, or ${needed}: in gluon.yaml).` }]
      : [],
  );
}

/** Settings another one's value makes required (`authStrategy: keystone` needs its service account). */
function missingRequired({ values, given }: CheckedSettings): ErrorDetail[] {
  const byName = values as Readonly<Record<string, unknown>>;
  return CONFIG_KEYS.flatMap((key) => {
    const when = settingOf(key).requiredWhen;
    if (when === undefined || byName[when.setting] !== when.value || given.has(key)) return [];
    return [{ field: key, rule: 'required', message: `${when.setting} ${when.value} needs ${key} (${whereToSet(key)}, or ${key}: in gluon.yaml).` }];
  });
}

function unreachableWildcard({ values, origins, wanted, given }: CheckedSettings): ErrorDetail[] {
  if (!wanted.has('host') || given.has('advertisedUrl') || !isWildcardHost(values.host)) return [];
  const origin = origins.host ?? { source: 'default', name: 'host' };
  const named = origin.source === 'option' ? 'the advertisedUrl option' : `advertisedUrl (${whereToSet('advertisedUrl')})`;
  return [
    {
      field: 'advertisedUrl',
      rule: 'required',
      message:
        `host "${values.host}" (from ${describeOrigin(origin)}) listens on every interface, so the server cannot tell which URL others reach it at: ` +
        `set ${named}, e.g. http://proton.example.net:2705.`,
    },
  ];
}

function maxBelowDefault({ values, origins }: CheckedSettings): ErrorDetail[] {
  const origin = origins.maxBindTimeoutMs;
  if (origin === undefined || values.maxBindTimeoutMs >= values.bindTimeoutMs) return [];
  return [
    {
      field: 'maxBindTimeoutMs',
      rule: 'min',
      value: values.maxBindTimeoutMs,
      message:
        `Invalid maxBindTimeoutMs ${values.maxBindTimeoutMs} (from ${describeOrigin(origin)}): must be at least bindTimeoutMs (${values.bindTimeoutMs}), ` +
        'the wait of a bind that asks for no ?bind_timeout=.',
    },
  ];
}

/** Settings that only work together: a client certificate and its key, an etcd user and its password. */
const ETCD_PAIRS = [
  ['etcdCertFile', 'etcdKeyFile'],
  ['etcdKeyFile', 'etcdCertFile'],
  ['etcdUsername', 'etcdPassword'],
  ['etcdPassword', 'etcdUsername'],
] as const;

function unpairedEtcdAccess({ given, origins }: CheckedSettings): ErrorDetail[] {
  return ETCD_PAIRS.flatMap(([present, missing]) => {
    const origin = origins[present];
    if (!given.has(present) || given.has(missing) || origin === undefined) return [];
    return [{ field: missing, rule: 'required', message: `${present} (from ${describeOrigin(origin)}) needs ${missing} (${whereToSet(missing)}, or ${missing}: in gluon.yaml).` }];
  });
}
