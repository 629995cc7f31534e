import { Command, Option } from 'commander';
import { createNeutronFacade, headerIdentity, type IdentifyCaller, type NeutronFacade } from '../../core/arbiter/index.js';
import {
  PolicyEngine,
  callerScopeOf,
  createAuthenticator,
  parsePolicyFile,
  readPolicyFile,
  type Authenticator,
  type KeystoneAuthenticator,
} from '../../core/auth/index.js';
import { isGluonError, type ErrorDetail } from '../../core/errors/index.js';
import { discoverPlugins, type DiscoveredPlugins, type TokenProvider } from '../../drivers/index.js';
import {
  LOG_FORMATS,
  LOG_LEVELS,
  authTrusting,
  configError,
  readEtcdAccess,
  createServerLogger,
  loadServerConfig,
  readTlsServerOptions,
  readTrustedCa,
  tlsFilesOf,
  type LogFormat,
  type ConfigKey,
  type ServerConfig,
  type ServerFlags,
  type TlsFiles,
} from '../../server/index.js';
import { EXIT_CONFIG, EXIT_STARTUP, describeError as describe, nextStopSignal } from './exit.js';
import { ETCD_ACCESS_FLAG_KEYS, ETCD_ACCESS_KEYS, settingOption, typedSettingFlags } from './setting-option.js';
import { reloadTlsOnHangup } from './tls-reload.js';


function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** The settings `gluon arbiter` shares with `gluon serve` (same flags, `GLUON_*` variables and gluon.yaml keys). */
const SHARED_KEYS = [
  'etcd', 'etcdPrefix', ...ETCD_ACCESS_KEYS, 'authStrategy', 'policyFile', 'tokenFile', 'keystoneUrl', 'keystoneUsername', 'keystonePassword',
  'keystoneProject', 'keystoneUserDomain', 'keystoneProjectDomain', 'keystoneCacheTtl', 'tlsCert', 'tlsKey', 'tlsClientCa', 'tlsCa',
] as const satisfies readonly ConfigKey[];
/** The shared settings that have a flag. */
const SHARED_FLAG_KEYS = ['etcd', 'etcdPrefix', ...ETCD_ACCESS_FLAG_KEYS, 'authStrategy', 'keystoneUrl', 'tokenFile', 'policyFile', 'tlsCert', 'tlsKey', 'tlsClientCa', 'tlsCa', 'config'] as const;

interface ArbiterFlags {
  readonly neutronUrl?: string;
  readonly port: string;
  readonly host: string;
  readonly etcd?: string[];
  readonly etcdPrefix?: string;
  readonly plugins?: string[];
  readonly root: string;
  readonly gluonNetworkId?: string;
  readonly gluonSubnetId?: string;
  readonly upstreamKeepAlive: boolean;
  readonly logLevel: string;
  readonly logFormat?: LogFormat;
  readonly authStrategy?: string;
  readonly tokenFile?: string;
  readonly keystoneUrl?: string;
  readonly policyFile?: string;
  readonly config?: string;
}

/** Options of {@link arbiterCommand}. */
export interface ArbiterCommandOptions {
  /** What to do with the exit code once the facade stopped or failed to start (default: `process.exit`). */
  readonly exit?: (code: number) => void;
}

/**
 * `gluon arbiter`: the Neutron API facade. Listens where Nova expects Neutron, answers
 * `GET/PUT /v2.0/ports…` for Gluon ports through the port arbiter and passes every other
 * request to the real Neutron at `--neutron-url`. Runs until SIGTERM/SIGINT (exit 0);
 * a configuration error exits 2, another startup failure 1.
 *
 * `--auth-strategy` is mandatory: `keystone` (callers identified by their Keystone token,
 * the drivers' reads made with the service account from `GLUON_KEYSTONE_*` or gluon.yaml),
 * `token-file`, or — explicitly — `noauth` (the `X-Project-Id` / `X-Roles` headers are
 * trusted and a request without them is admin: only for a facade reachable by trusted callers).
 */
export function arbiterCommand(options: ArbiterCommandOptions = {}): Command {
  const exit = options.exit ?? ((code: number): void => process.exit(code));
  return new Command('arbiter')
    .description('Run the Neutron API facade: Gluon ports answered by the port arbiter, everything else passed to Neutron.')
    .addOption(new Option('--neutron-url <url>', 'the real Neutron, e.g. http://127.0.0.1:9696').env('GLUON_NEUTRON_URL'))
    .addOption(new Option('--port <number>', 'port to listen on (0 = any free port)').default('9697').env('GLUON_ARBITER_PORT'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1').env('GLUON_ARBITER_HOST'))
    .addOption(settingOption('etcd', 'etcd endpoints holding /gluon/port/ (comma-separated or repeated)'))
    .addOption(settingOption('etcdPrefix', "prefix of every etcd key (same as the Proton servers')"))
    .addOption(settingOption('etcdCaFile'))
    .addOption(settingOption('etcdCertFile'))
    .addOption(settingOption('etcdKeyFile'))
    .addOption(settingOption('etcdUsername'))
    .addOption(
      settingOption(
        'authStrategy',
        'how callers are identified (required): keystone, token-file, or noauth (trusts X-Project-Id/X-Roles; no headers = admin: trusted callers only)',
      ),
    )
    .addOption(settingOption('keystoneUrl'))
    .addOption(settingOption('tokenFile'))
    .addOption(settingOption('policyFile', 'policy file overriding the rules (context_is_admin decides who is admin)'))
    .addOption(settingOption('tlsCert', 'serve HTTPS with this PEM certificate chain (with --tls-key; reloaded on SIGHUP)'))
    .addOption(settingOption('tlsKey'))
    .addOption(settingOption('tlsClientCa'))
    .addOption(settingOption('tlsCa', 'trust these CAs (PEM) when calling https servers: Neutron, Keystone, the Proton servers'))
    .addOption(settingOption('config', 'YAML config file shared with gluon serve (etcd and auth keys are read; default: ./gluon.yaml when present)'))
    .addOption(new Option('--plugins <packages>', 'plugin packages providing drivers (comma-separated or repeated; default: the gluon plugins among the dependencies of --root)').argParser(collect))
    .addOption(new Option('--root <dir>', 'application root whose package.json lists the plugins').default(process.cwd()))
    .addOption(new Option('--gluon-network-id <id>', 'id of the dummy GluonNetwork (default: looked up by name)').env('GLUON_NETWORK_ID'))
    .addOption(new Option('--gluon-subnet-id <id>', 'id of the dummy GluonSubnet (default: looked up by name)').env('GLUON_SUBNET_ID'))
    .addOption(new Option('--no-upstream-keep-alive', 'open a new connection to Neutron for every request'))
    .addOption(settingOption('logLevel', 'log level').choices([...LOG_LEVELS]).default('info'))
    .addOption(settingOption('logFormat').choices([...LOG_FORMATS]))
    .action(async (opts: ArbiterFlags, command: Command) => {
      exit(await runArbiter(opts, typedSettingFlags(command, SHARED_FLAG_KEYS)));
    });
}

/** How the facade identifies callers and which token its drivers use without one. */
interface FacadeAuth {
  readonly identify: IdentifyCaller;
  readonly tokenProvider?: TokenProvider;
  readonly authenticator?: Authenticator | KeystoneAuthenticator;
}

/**
 * The facade's caller identification from the resolved settings. No strategy at all is
 * a configuration error: the facade must not trust headers unless told to.
 */
async function facadeAuth(config: ServerConfig, trustedCa: string | undefined): Promise<FacadeAuth> {
  const auth = authTrusting(config.auth, trustedCa);
  if (auth === undefined || auth.strategy === 'noauth') return { identify: headerIdentity };
  const overrides = config.policyFile === undefined ? undefined : parsePolicyFile(await readPolicyFile(config.policyFile), config.policyFile);
  const policy = PolicyEngine.create({ ...(overrides === undefined ? {} : { overrides, overridesOrigin: config.policyFile }) });
  const authenticator = await createAuthenticator(auth);
  const service = 'serviceToken' in authenticator ? authenticator.serviceToken : undefined;
  return { identify: callerScopeOf(authenticator, policy), authenticator, ...(service === undefined ? {} : { tokenProvider: service }) };
}

/**
 * Checks every flag before reporting: all bad values are named at once, in one
 * `GLUON_ERR_CONFIG` error (exit 2), never only the first.
 */
async function checkArbiterFlags(flags: ArbiterFlags, shared: ServerFlags): Promise<{ port: number; neutronUrl: string; config: ServerConfig }> {
  const problems: ErrorDetail[] = [];
  if (flags.neutronUrl === undefined) {
    problems.push({ field: '--neutron-url', rule: 'required', message: '--neutron-url is required: the http(s) URL of the real Neutron, e.g. --neutron-url http://127.0.0.1:9696' });
  } else if (!/^https?:\/\/[^/]+/.test(flags.neutronUrl)) {
    problems.push({ field: '--neutron-url', rule: 'url', value: flags.neutronUrl, message: `--neutron-url: ${JSON.stringify(flags.neutronUrl)} is not the http(s) URL of a Neutron server; e.g. --neutron-url http://127.0.0.1:9696` });
  }
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535) {
    problems.push({ field: '--port', rule: 'range', value: flags.port, message: `--port: ${JSON.stringify(flags.port)} is not a port number (an integer 0–65535)` });
  }
  let config: ServerConfig | undefined;
  try {
    config = await loadServerConfig({ flags: shared, env: process.env, only: SHARED_KEYS });
  } catch (err) {
    if (!(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG')) throw err;
    const details = err.details ?? [];
    problems.push(...(details.length > 0 ? details : [{ field: 'config', rule: 'valid', message: err.message }]));
  }
  if (config?.sources.authStrategy === 'default') {
    problems.push({
      field: '--auth-strategy',
      rule: 'required',
      allowed: ['keystone', 'token-file', 'noauth'],
      message:
        'gluon arbiter needs --auth-strategy (or GLUON_AUTH_STRATEGY / authStrategy: in gluon.yaml): ' +
        'keystone (callers identified by their Keystone token; recommended), token-file, ' +
        'or noauth (X-Project-Id/X-Roles headers trusted, a request without them is admin: only for a facade reachable by trusted callers).',
    });
  }
  if (problems.length > 0 || config === undefined || flags.neutronUrl === undefined) throw configError(problems);
  return { port, neutronUrl: flags.neutronUrl, config };
}

async function runArbiter(flags: ArbiterFlags, shared: ServerFlags): Promise<number> {
  let options: Parameters<typeof createNeutronFacade>[0];
  let port: number;
  let auth: FacadeAuth | undefined;
  let tls: TlsFiles | undefined;
  // never a flag: a token on the command line is in every `ps` listing
  const neutronToken = process.env['GLUON_NEUTRON_TOKEN'];
  let discovered: DiscoveredPlugins['drivers'] = new Map();
  try {
    const checked = await checkArbiterFlags(flags, shared);
    port = checked.port;
    const config = checked.config;
    const trustedCa = await readTrustedCa(config);
    tls = tlsFilesOf(config);
    auth = await facadeAuth(config, trustedCa);
    const etcdAccess = await readEtcdAccess(config);
    const plugins = await discoverPlugins({ root: flags.root, ...(flags.plugins === undefined ? {} : { plugins: flags.plugins }) });
    discovered = plugins.drivers;
    options = {
      neutronUrl: checked.neutronUrl,
      ...(config.etcd === undefined ? {} : { etcd: config.etcd }),
      etcdPrefix: config.etcdPrefix,
      ...(etcdAccess === undefined ? {} : { etcdAccess }),
      drivers: plugins.drivers,
      identify: auth.identify,
      ...(auth.tokenProvider === undefined ? {} : { tokenProvider: auth.tokenProvider }),
      ...(flags.gluonNetworkId === undefined ? {} : { gluonNetworkId: flags.gluonNetworkId }),
      ...(flags.gluonSubnetId === undefined ? {} : { gluonSubnetId: flags.gluonSubnetId }),
      ...(neutronToken === undefined || neutronToken === '' ? {} : { neutronToken }),
      upstreamKeepAlive: flags.upstreamKeepAlive,
      ...(trustedCa === undefined ? {} : { trustedCa }),
      ...(tls === undefined ? {} : { tls: await readTlsServerOptions(tls) }),
    };
    if (config.auth === undefined || config.auth.strategy === 'noauth') {
      console.error('gluon arbiter: --auth-strategy noauth: X-Project-Id/X-Roles headers are trusted and a request without them is admin; only trusted callers must reach this facade');
    }
    if (config.etcd === undefined) console.error('gluon arbiter: no --etcd given: using an empty in-process port registry (every port is passed to Neutron)');
  } catch (err) {
    console.error(`gluon arbiter: ${describe(err)}`);
    await auth?.authenticator?.close?.().catch(() => undefined);
    const config = isGluonError(err) && (err.code === 'GLUON_ERR_CONFIG' || err.code === 'GLUON_ERR_AUTH_CONFIG' || err.code.startsWith('GLUON_ERR_PLUGIN_'));
    return config ? EXIT_CONFIG : EXIT_STARTUP;
  }
  // the same stream and format as gluon serve and gluon shim run: stderr, JSON or pretty
  const logger = createServerLogger({ level: flags.logLevel, name: 'gluon-arbiter' }, { format: flags.logFormat });
  for (const [service, driver] of discovered) {
    logger.info({ service, driver: driver.name, package: driver.package }, `service ${service} is served by driver "${driver.name}" of plugin ${driver.package}`);
  }
  logger.info({ service: '*', driver: 'proton' }, `every other service is served by the built-in Proton REST driver`);
  let facade: NeutronFacade;
  try {
    const lookupNeeded = options.neutronToken === undefined && (options.gluonNetworkId === undefined || options.gluonSubnetId === undefined);
    // the GluonNetwork/GluonSubnet lookup of a Keystone-protected Neutron: the service account's token
    const lookupToken = lookupNeeded ? await auth.tokenProvider?.() : undefined;
    facade = await createNeutronFacade({ ...options, ...(lookupToken === undefined ? {} : { neutronToken: lookupToken }), logger });
  } catch (err) {
    console.error(`gluon arbiter: cannot start: ${describe(err)}`);
    await auth.authenticator?.close?.().catch(() => undefined);
    return EXIT_STARTUP;
  }
  let url: string;
  try {
    url = await facade.listen({ port, host: flags.host });
  } catch (err) {
    console.error(`gluon arbiter: cannot listen on ${flags.host}:${port}: ${describe(err)}`);
    await facade.close().catch(() => undefined);
    await auth.authenticator?.close?.().catch(() => undefined);
    return EXIT_STARTUP;
  }
  logger.info({ url, authStrategy: auth.authenticator?.strategy ?? 'noauth', neutronUrl: flags.neutronUrl, gluonNetworkId: facade.gluonNetworkId, gluonSubnetId: facade.gluonSubnetId, gluonPorts: facade.arbiter.registry.size }, 'Neutron facade listening');
  const tlsFiles = tls;
  const stopReloading =
    tlsFiles === undefined
      ? () => undefined
      : reloadTlsOnHangup(async () => {
          facade.reloadTls(await readTlsServerOptions(tlsFiles));
          logger.info({ cert: tlsFiles.cert }, 'TLS certificate reloaded: new connections get it, open ones keep theirs');
        }, logger);
  const signal = await nextStopSignal();
  stopReloading();
  logger.info({ signal }, `received ${signal}: shutting down`);
  try {
    await facade.close();
    await auth.authenticator?.close?.();
    return 0;
  } catch (err) {
    console.error(`gluon arbiter: shutdown failed: ${describe(err)}`);
    return EXIT_STARTUP;
  }
}
