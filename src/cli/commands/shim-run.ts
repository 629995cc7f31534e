import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { ConfigError, isGluonError, type ErrorDetail } from '../../core/errors/index.js';
import { LOG_FORMATS, LOG_LEVELS, SETTINGS, configError, createServerLogger, loadServerConfig, readEtcdAccess, type LogFormat, type ServerConfig, type ServerFlags } from '../../server/index.js';
import type { EtcdAccessOptions } from '../../core/kv/index.js';
import { ETCD_ACCESS_FLAG_KEYS, ETCD_ACCESS_KEYS, settingOption } from './setting-option.js';
import { EXIT_STARTUP, describeError, startupExitCode } from './exit.js';
import { createMultiApiShim, createShim, isShimDefinition, shimSnapshot, type MultiApiShim, type Shim, type ShimDefinition, type ShimElectionOptions } from '../../shim-sdk/index.js';
import type { Logger } from '../../core/log/index.js';

/** A shim module located on disk: the file to import and the export to use. */
export interface ShimEntry {
  readonly file: string;
  readonly exportName: string;
  /** The `gluon.shims` entry name, when it came from a package. */
  readonly shimName?: string;
}

interface GluonField {
  readonly apiVersion?: unknown;
  readonly shims?: Record<string, unknown>;
}

function splitExport(spec: string): { path: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  return hash > 0 ? { path: spec.slice(0, hash), exportName: spec.slice(hash + 1) || 'default' } : { path: spec, exportName: 'default' };
}

function fromPackage(dir: string, select: string | undefined): ShimEntry {
  const pkgFile = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { gluon?: GluonField; name?: string };
  const shims = pkg.gluon?.shims;
  if (typeof shims !== 'object' || shims === null || Object.keys(shims).length === 0) {
    throw new ConfigError(`${pkgFile}: no "gluon": { "shims": { "<name>": "./shim.js#default" } } field; a shim package declares its shims there`, {
      details: [{ field: 'gluon.shims', rule: 'required', value: pkg.gluon ?? null, message: 'missing shims map' }],
    });
  }
  if (pkg.gluon?.apiVersion !== 1) {
    throw new ConfigError(`${pkgFile}: gluon.apiVersion is ${JSON.stringify(pkg.gluon?.apiVersion)}; this gluon supports apiVersion 1`, {
      details: [{ field: 'gluon.apiVersion', rule: 'enum', value: pkg.gluon?.apiVersion, message: 'unsupported', allowed: [1] }],
    });
  }
  const names = Object.keys(shims);
  const shimName = select ?? names[0]!;
  const spec = shims[shimName];
  if (typeof spec !== 'string') {
    throw new ConfigError(`${pkgFile}: --shim ${JSON.stringify(shimName)} is not one of its gluon.shims (${names.join(', ')})`, {
      details: [{ field: '--shim', rule: 'enum', value: shimName, message: 'unknown shim', allowed: names }],
    });
  }
  const { path, exportName } = splitExport(spec);
  return { file: resolve(dir, path), exportName, shimName };
}

/**
 * Locates a shim: a file (`./my-shim.ts`, `./dist/shim.js#myShim`), a package directory
 * or an installed package name (both read the `gluon.shims` field of package.json;
 * `select` picks one entry, default the first).
 */
export function locateShim(target: string, cwd: string, select?: string): ShimEntry {
  const { path, exportName } = splitExport(target);
  const local = isAbsolute(path) ? path : resolve(cwd, path);
  if (existsSync(local)) {
    if (statSync(local).isDirectory()) return fromPackage(local, select);
    return { file: local, exportName };
  }
  if (!path.startsWith('.') && !isAbsolute(path)) {
    let pkgJson: string | undefined;
    try {
      pkgJson = createRequire(join(cwd, 'package.json')).resolve(`${path}/package.json`);
    } catch {
      // not an installed package either
    }
    if (pkgJson !== undefined) return fromPackage(dirname(pkgJson), select);
  }
  throw new ConfigError(`${JSON.stringify(target)} is neither a file, a package directory nor an installed package (looked in ${cwd})`, {
    details: [{ field: 'module', rule: 'exists', value: target, message: 'not found' }],
  });
}

/** Imports a located shim and checks it default-exports (or exports) a shim definition. */
export async function loadShimDefinition(entry: ShimEntry): Promise<ShimDefinition> {
  if (/\.[cm]?tsx?$/.test(entry.file) && !process.execArgv.some((a) => a.includes('tsx'))) {
    try {
      const specifier = 'tsx/esm/api'; // a variable, so the CLI bundle does not inline tsx
      const tsx = (await import(specifier)) as { register: () => unknown };
      tsx.register();
    } catch {
      throw new ConfigError(`${entry.file} is TypeScript; install tsx (npm i -D tsx) or build the shim to JavaScript`, {
        details: [{ field: 'module', rule: 'javascript', value: entry.file, message: 'TypeScript needs tsx' }],
      });
    }
  }
  const mod = (await import(pathToFileURL(entry.file).href)) as Record<string, unknown>;
  let value = mod[entry.exportName];
  // a CommonJS or transpiled module may nest its default export
  if (entry.exportName === 'default' && !isShimDefinition(value) && isShimDefinition((value as Record<string, unknown> | undefined)?.['default'])) {
    value = (value as Record<string, unknown>)['default'];
  }
  if (!isShimDefinition(value)) {
    throw new ConfigError(
      `export ${JSON.stringify(entry.exportName)} of ${entry.file} is not a shim definition (received ${typeof value}); ` +
        'default-export defineShim({ name, api, handlers: { Port: { bind } } }) from gluon-net/shim-sdk',
      { details: [{ field: 'module', rule: 'shimDefinition', value: entry.exportName, message: 'no handlers object' }] },
    );
  }
  return value;
}

/** Options of `gluon shim run`, as parsed. */
export interface ShimRunOptions {
  /** etcd member URLs: one comma-separated string, or one per repeated `--etcd`. */
  readonly etcd?: string | readonly string[];
  readonly etcdPrefix?: string;
  /** etcd's CA, this shim's client certificate and key, its etcd user (the password comes from the environment or gluon.yaml). */
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  readonly etcdUsername?: string;
  /** The config file (`gluon.yaml`) whose etcd keys are read. */
  readonly config?: string;
  /** `h1,h2` (every API) or `<api>=h1,h2`; repeated. */
  readonly hosts?: string | readonly string[];
  readonly name?: string;
  readonly api?: string;
  readonly shim?: string;
  readonly concurrency?: string;
  readonly election?: string | boolean;
  readonly electionTtl?: string;
  readonly logLevel?: string;
  readonly debugDump?: string;
  /** `pretty` or `json` (default: pretty on a terminal, else json). */
  readonly logFormat?: LogFormat;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`${flag}: ${JSON.stringify(value)} is not a positive integer`, {
      details: [{ field: flag, rule: 'positiveInteger', value, message: `${flag}: ${JSON.stringify(value)} is not a positive integer` }],
    });
  }
  return n;
}

/** The shared settings `gluon shim run` was given as options. */
function shimSettingFlags(opts: ShimRunOptions): ServerFlags {
  const flags: Record<string, unknown> = {};
  for (const key of ['etcd', 'etcdPrefix', ...ETCD_ACCESS_FLAG_KEYS, 'config'] as const) {
    if (opts[key] !== undefined) flags[key] = opts[key];
  }
  return flags as ServerFlags;
}

/** Where {@link prepareShim} logs and resolves the shim from. */
export interface PrepareShimContext {
  readonly logger: Logger;
  /** The directory a relative shim path is resolved from. @default process.cwd() */
  readonly cwd?: string;
}

/** The flags every `gluon shim run` checks, checked; and the shims' definitions, loaded. */
interface CheckedRun {
  readonly etcd: readonly string[];
  readonly etcdPrefix: string;
  /** etcd's TLS and credentials, when given. */
  readonly access: EtcdAccessOptions | undefined;
  readonly concurrency: number | undefined;
  readonly ttl: number | undefined;
  readonly shims: readonly { readonly entry: ShimEntry; readonly definition: ShimDefinition }[];
}

async function checkRun(targets: readonly string[], opts: ShimRunOptions, cwd: string): Promise<CheckedRun> {
  // every bad flag is reported at once (one GLUON_ERR_CONFIG listing them), not only the first
  const problems: ErrorDetail[] = [];
  const collectProblems = <T>(check: () => T): T | undefined => {
    try {
      return check();
    } catch (err) {
      if (!(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG')) throw err;
      const details = err.details ?? [];
      // one problem: its error's message is the complete one; several: each detail says its own
      problems.push(...(details.length > 1 ? details : [{ field: details[0]?.field ?? 'config', rule: details[0]?.rule ?? 'valid', message: err.message }]));
      return undefined;
    }
  };
  // the same etcd settings (and rules) as `gluon serve`: flags > GLUON_* > gluon.yaml
  let etcd: ServerConfig | undefined;
  let access: EtcdAccessOptions | undefined;
  try {
    etcd = await loadServerConfig({ flags: shimSettingFlags(opts), env: process.env, only: ['etcd', 'etcdPrefix', ...ETCD_ACCESS_KEYS] });
    access = await readEtcdAccess(etcd);
  } catch (err) {
    collectProblems(() => {
      throw err;
    });
  }
  if (etcd !== undefined && etcd.etcd === undefined) {
    problems.push({ field: '--etcd', rule: 'required', message: `no etcd given; pass ${SETTINGS.etcd.flag.name} http://host:2379 or set ${SETTINGS.etcd.env}` });
  }
  const concurrency = collectProblems(() => positiveInt(opts.concurrency, '--concurrency'));
  const ttl = collectProblems(() => positiveInt(opts.electionTtl, '--election-ttl'));
  const entries = targets.map((target) => collectProblems(() => locateShim(target, cwd, opts.shim)));
  if (problems.length > 0 || etcd?.etcd === undefined || entries.some((e) => e === undefined)) throw configError(problems);
  const shims = [];
  for (const entry of entries as ShimEntry[]) shims.push({ entry, definition: await loadShimDefinition(entry) });
  return { etcd: etcd.etcd, etcdPrefix: etcd.etcdPrefix, access, concurrency, ttl, shims };
}

/** `--election [name]` and `--election-ttl` over the definition's own election. */
function electionOf(opts: ShimRunOptions, definition: ShimDefinition | undefined, ttl: number | undefined): ShimElectionOptions | undefined {
  if (opts.election === undefined || opts.election === false) return definition?.election;
  return { ...definition?.election, ...(typeof opts.election === 'string' ? { name: opts.election } : {}), ...(ttl === undefined ? {} : { ttl }) };
}

/**
 * The `--hosts` values by API: `h1,h2` applies to every API, `<api>=h1,h2` to that API
 * only (and wins over a plain list). An `<api>=` naming no served API is refused.
 */
export function hostsByApi(values: string | readonly string[] | undefined, apis: readonly string[]): ReadonlyMap<string, readonly string[]> {
  const all = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const split = (list: string): string[] => list.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  const byApi = new Map<string, readonly string[]>();
  const everyApi: string[] = [];
  for (const value of all) {
    const eq = value.indexOf('=');
    if (eq < 0) {
      everyApi.push(...split(value));
      continue;
    }
    const api = value.slice(0, eq).trim();
    if (!apis.includes(api)) {
      throw new ConfigError(`--hosts ${JSON.stringify(value)} names the API ${JSON.stringify(api)}, which this shim process does not serve (it serves ${apis.join(', ')})`, {
        details: [{ field: '--hosts', rule: 'enum', value: api, message: 'an API served', allowed: [...apis] }],
      });
    }
    byApi.set(api, [...(byApi.get(api) ?? []), ...split(value.slice(eq + 1))]);
  }
  return new Map(apis.flatMap((api) => {
    const hosts = byApi.get(api) ?? everyApi;
    return hosts.length === 0 ? [] : [[api, hosts] as const];
  }));
}

/** Builds the shim `gluon shim run` would start (exported for tests and embedding). */
export async function prepareShim(target: string, opts: ShimRunOptions, { logger, cwd = process.cwd() }: PrepareShimContext): Promise<Shim> {
  const run = await checkRun([target], opts, cwd);
  const { entry, definition } = run.shims[0]!;
  const api = opts.api ?? definition.api;
  const hosts = hostsByApi(opts.hosts, [api ?? '']).get(api ?? '');
  const election = electionOf(opts, definition, run.ttl);
  const name = opts.name ?? definition.name ?? entry.shimName;
  return createShim({
    ...definition,
    etcd: run.etcd.join(','),
    etcdPrefix: run.etcdPrefix,
    ...(run.access === undefined ? {} : { etcdAccess: run.access }),
    logger,
    ...(name === undefined ? {} : { name }),
    ...(opts.api === undefined ? {} : { api: opts.api }),
    ...(hosts === undefined || hosts.length === 0 ? {} : { hosts }),
    ...(run.concurrency === undefined ? {} : { concurrency: run.concurrency }),
    ...(election === undefined ? {} : { election }),
  });
}

/**
 * Builds the one shim process `gluon shim run <a> <b>…` starts for several APIs: each
 * module's definition brings its API and handlers; one etcd connection, one election.
 */
export async function prepareMultiApiShim(targets: readonly string[], opts: ShimRunOptions, { logger, cwd = process.cwd() }: PrepareShimContext): Promise<MultiApiShim> {
  const run = await checkRun(targets, opts, cwd);
  if (opts.api !== undefined) {
    throw new ConfigError('--api names the API of a single shim; with several shims each module names its own API', {
      details: [{ field: '--api', rule: 'single', value: opts.api, message: 'only with one module' }],
    });
  }
  const apis = run.shims.map(({ entry, definition }) => {
    if (definition.api === undefined) {
      throw new ConfigError(`${entry.file}: the shim definition names no api; with several shims each must name its API`, {
        details: [{ field: 'api', rule: 'required', value: entry.file, message: 'defineShim({ api, … })' }],
      });
    }
    return definition.api;
  });
  const hosts = hostsByApi(opts.hosts, apis);
  const election = electionOf(opts, undefined, run.ttl);
  const name = opts.name ?? run.shims[0]?.definition.name ?? run.shims[0]?.entry.shimName;
  return createMultiApiShim({
    etcd: run.etcd.join(','),
    etcdPrefix: run.etcdPrefix,
    ...(run.access === undefined ? {} : { etcdAccess: run.access }),
    logger,
    ...(name === undefined ? {} : { name }),
    ...(election === undefined ? {} : { election }),
    apis: run.shims.map(({ definition }, i) => {
      const apiHosts = hosts.get(apis[i] ?? '');
      // one election for the process: the definitions' own ones are not used
      const { election: _own, ...rest } = definition;
      return {
        ...rest,
        ...(apiHosts === undefined ? {} : { hosts: apiHosts }),
        ...(run.concurrency === undefined ? {} : { concurrency: run.concurrency }),
      };
    }),
  });
}

/**
 * `gluon shim run <module-or-package>`: runs a shim until SIGTERM/SIGINT, then shuts it
 * down gracefully (handlers in flight finish, the leadership lease is released) and
 * exits 0. Logs are JSON lines on stdout. A configuration error exits 2, any other
 * startup failure 1.
 */
export function shimCommand(): Command {
  const shim = new Command('shim').description('Shims: the SDN-controller side of Gluon.');
  shim
    .command('run')
    .description('Run one or several shim modules or packages (each default-exports defineShim({...})) against etcd: several serve their APIs in one process, with one etcd connection and one election.')
    .argument('<module-or-package...>', 'a shim file (./shim.ts, ./dist/shim.js#name), a package directory or an installed package name; several for several APIs')
    .addOption(settingOption('etcd', 'etcd endpoints, comma-separated or repeated (e.g. http://127.0.0.1:2379)'))
    .addOption(settingOption('etcdPrefix', 'prefix of every etcd key, e.g. /site-a'))
    .addOption(settingOption('etcdCaFile'))
    .addOption(settingOption('etcdCertFile'))
    .addOption(settingOption('etcdKeyFile'))
    .addOption(settingOption('etcdUsername'))
    .addOption(settingOption('config', 'YAML config file shared with gluon serve (its etcd keys are read; default: ./gluon.yaml when present)'))
        .option('--hosts <hosts>', "compute hosts this shim binds for, comma-separated ('*' = all; default from the shim, else '*'); <api>=<hosts> for one API of several; repeatable", collectValues)
    .option('--name <name>', 'controller name written in bind results (default from the shim)')
    .option('--api <api>', 'the API to serve, e.g. net-l3vpn (default from the shim)')
    .option('--shim <entry>', 'which entry of the package\'s gluon.shims to run (default: the first)')
    .option('--concurrency <n>', 'most handlers running at once (default 4)')
    .option('--election [name]', 'active/standby: run handlers only while leading this election (default name /election/shim/<api>/<name>)')
    .option('--election-ttl <seconds>', 'lease TTL of the election: how fast a standby takes over (default 10)')
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .option('--debug-dump <file>', 'on SIGUSR2, write the shim\'s caches (both informers, their revisions, leader or not) as JSON to this file (see docs/reliability.md)')
    .addOption(settingOption('logFormat').choices([...LOG_FORMATS]))
    .action(async (targets: string[], opts: ShimRunOptions) => {
      process.exit(await runShim(targets.length === 1 ? targets[0]! : targets, opts));
    });
  return shim;
}

/** A repeated option keeps every value. */
function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs a shim (several modules: one process for their APIs) until SIGTERM/SIGINT; resolves to the process exit code. */
export async function runShim(target: string | readonly string[], opts: ShimRunOptions): Promise<number> {
  // the same stream and format as gluon serve: stderr, JSON or pretty
  const logger = createServerLogger({ level: opts.logLevel ?? 'info', name: 'gluon-shim' }, { format: opts.logFormat });
  let shim: Shim | MultiApiShim;
  try {
    shim = typeof target === 'string' ? await prepareShim(target, opts, { logger }) : await prepareMultiApiShim(target, opts, { logger });
  } catch (err) {
    console.error(`gluon shim run: ${describeError(err)}`);
    return startupExitCode(err);
  }
  let stopping: Promise<number> | undefined;
  const stopped = new Promise<number>((resolveStop) => {
    const stop = (signal: string): void => {
      stopping ??= (async () => {
        logger.info({ signal }, 'shim: shutting down');
        try {
          await shim.close();
          return 0;
        } catch (err) {
          logger.error({ err: (err as Error).message }, 'shim: shutdown failed');
          return 1;
        }
      })();
      stopping.then(resolveStop, () => resolveStop(1));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await shim.start();
  } catch (err) {
    console.error(`gluon shim run: cannot start: ${describeError(err)}`);
    await shim.close().catch(() => undefined);
    return EXIT_STARTUP;
  }
  const shims = 'shims' in shim ? shim.shims : [shim];
  if (opts.debugDump !== undefined && shims.length === 1 && shims[0] !== undefined) dumpOnSignal(shims[0], opts.debugDump, logger);
  for (const one of shims) logger.info({ shim: one.name, api: one.api }, 'shim running');
  return stopped;
}

/**
 * `--debug-dump <file>`: on each SIGUSR2, writes the shim's caches ({@link shimSnapshot})
 * to `file` (through a temp file and a rename, so a reader never sees half a dump).
 */
function dumpOnSignal(shim: Shim, file: string, logger: Logger): void {
  process.on('SIGUSR2', () => {
    try {
      writeFileSync(`${file}.tmp`, `${JSON.stringify(shimSnapshot(shim))}\n`);
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      logger.error({ err: (err as Error).message, file }, 'shim: could not write the debug dump');
    }
  });
}
