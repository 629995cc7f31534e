import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors/index.js';
import { createKeyValueStore, type EtcdAccessOptions, type KeyValueStore } from '../core/kv/index.js';
import { shimElectionName } from '../core/wire/index.js';
import { silentLogger, type Logger } from '../core/log/index.js';
import { sharedElection, type SharedElection } from './shared-election.js';
import { createShim } from './shim.js';
import type { Shim, ShimDefinition, ShimElectionOptions } from './types.js';

/** One API a multi-API shim serves: a shim definition (its handlers) with its API named. */
export type ShimApi = ShimDefinition & {
  /** The API, e.g. `net-l3vpn` (required here or in the definition). */
  readonly api?: string;
};

/** Options of {@link createMultiApiShim}. */
export interface MultiApiShimOptions {
  /** The APIs served, each with its own handlers (and hosts, model…); API names must differ. */
  readonly apis: readonly ShimApi[];
  /** Controller name written in every bind result (default: the first API's definition's `name`). */
  readonly name?: string;
  /** A key/value store to use (the caller keeps ownership). Give this or `etcd`. */
  readonly kv?: KeyValueStore;
  /** etcd URL(s); one connection is opened for every API and closed by `close()`. */
  readonly etcd?: string | readonly string[];
  /** Prefix of every etcd key (with `etcd`). */
  readonly etcdPrefix?: string;
  /** etcd's TLS and credentials (with `etcd`), as {@link ShimOptions.etcdAccess}. */
  readonly etcdAccess?: EtcdAccessOptions;
  /**
   * One active/standby election for the whole process (default name
   * `/election/shim/<api>+<api>…/<name>`): all its APIs lead, or stand by, together.
   */
  readonly election?: ShimElectionOptions;
  /** Logger (pino-compatible; default silent); each API logs with its `api` bound. */
  readonly logger?: Logger;
}

/** A shim process serving several APIs. */
export interface MultiApiShim {
  /** The controller name. */
  readonly name: string;
  /** The APIs served, in order. */
  readonly apis: readonly string[];
  /** One shim per API (for their informers and port states). */
  readonly shims: readonly Shim[];
  /** The one key/value store every API uses. */
  readonly kv: KeyValueStore;
  /** True while this process runs handlers. */
  readonly isLeader: boolean;
  /** Starts every API's informers and handlers (campaigning first with election). */
  start(): Promise<void>;
  /** Resolves once every API's queued changes are handled. */
  idle(): Promise<void>;
  /** Graceful shutdown of every API, then of the etcd connection and the election. */
  close(): Promise<void>;
}

/**
 * A shim for several APIs in one process — the original's `handlers = model:backend,…`:
 * each API has its own handlers (and hosts), all share one etcd connection and, with
 * `election`, one election.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` for no APIs, an API without a name, the same API twice, or no `kv`/`etcd`
 * @example
 * ```ts
 * const shim = createMultiApiShim({ etcd: 'http://127.0.0.1:2379', name: 'acme',
 *   apis: [l3vpnShim, { ...sfcShim, hosts: ['compute-2'] }] });
 * await shim.start();
 * ```
 */
export function createMultiApiShim(options: MultiApiShimOptions): MultiApiShim {
  const apis = checkedApis(options.apis);
  const name = options.name ?? options.apis[0]?.name;
  if (name === undefined || name === '') throw new ConfigError('createMultiApiShim: name is required (in the options or the first API\'s definition)', { details: [{ field: 'name', rule: 'required', value: name, message: 'a non-empty controller name' }] });
  const logger = options.logger ?? silentLogger;
  const ownsKv = options.kv === undefined;
  const kv = options.kv ?? openKv(options, logger);
  let election: SharedElection | undefined;
  let electionOptions: ShimElectionOptions | undefined;
  if (options.election !== undefined) {
    const electionName = options.election.name ?? shimElectionName(apis.join('+'), name);
    election = sharedElection(kv, electionName, options.election.candidateId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    electionOptions = { ...options.election, name: electionName };
  }
  const shims = options.apis.map((definition, i) =>
    createShim({
      ...definition,
      api: apis[i] ?? '',
      name,
      kv: election?.kv ?? kv,
      logger,
      ...(electionOptions === undefined ? {} : { election: electionOptions }),
    }),
  );
  return {
    name,
    apis,
    shims,
    kv,
    get isLeader() {
      return shims.every((s) => s.isLeader);
    },
    async start() {
      for (const shim of shims) await shim.start();
    },
    async idle() {
      await Promise.all(shims.map((s) => s.idle()));
    },
    async close() {
      await Promise.all(shims.map((s) => s.close()));
      election?.close();
      if (ownsKv) await kv.close();
    },
  };
}

function checkedApis(apis: readonly ShimApi[]): string[] {
  if (apis.length === 0) throw new ConfigError('createMultiApiShim: apis is empty; give at least one API with its handlers', { details: [{ field: 'apis', rule: 'minItems', value: [], message: 'at least one API' }] });
  const names = apis.map((a, i) => {
    if (a.api === undefined || a.api === '') throw new ConfigError(`createMultiApiShim: apis[${i}] names no API; set its api`, { details: [{ field: `apis[${i}].api`, rule: 'required', value: a.api, message: 'an API name' }] });
    return a.api;
  });
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new ConfigError(`createMultiApiShim: the API ${twice} is given twice; one set of handlers per API`, { details: [{ field: 'apis', rule: 'unique', value: twice, message: 'each API once' }] });
  return names;
}

function openKv(options: MultiApiShimOptions, logger: Logger): KeyValueStore {
  if (options.etcd === undefined) {
    throw new ConfigError('createMultiApiShim: give `kv` (a key/value store) or `etcd` (etcd URLs, e.g. http://127.0.0.1:2379)', { details: [{ field: 'etcd', rule: 'required', value: undefined, message: 'no key/value store and no etcd URL' }] });
  }
  const url = typeof options.etcd === 'string' ? options.etcd : options.etcd.join(',');
  return createKeyValueStore(url, {
    ...(options.etcdPrefix === undefined ? {} : { prefix: options.etcdPrefix }),
    ...(options.etcdAccess === undefined ? {} : { access: options.etcdAccess }),
    logger,
  });
}
