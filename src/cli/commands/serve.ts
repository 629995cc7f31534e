import { Command, Option } from 'commander';
import type { DiscoveredPlugins } from '../../drivers/index.js';
import { createProtonServer, loadServerConfig, readEtcdAccess, settingsEcho, type ProtonServer, type ServerConfig } from '../../server/index.js';
import { authTrusting, bundledModelsDir, createServerLogger, readTrustedCa, tlsFilesOf } from '../../server/index.js';
import { describeProvisions, discoverServePlugins, logProvisions } from './serve-plugins.js';
import { EXIT_CONFIG, EXIT_STARTUP, describeError as describe, nextStopSignal, startupExitCode } from './exit.js';
import { reloadTlsOnHangup } from './tls-reload.js';
import { addSettingOptions, SERVE_FLAG_KEYS, typedSettingFlags } from './setting-option.js';

/**
 * `gluon serve`: runs the reference Proton server until SIGTERM/SIGINT, then shuts it
 * down gracefully (in-flight requests finish, the database closes) and exits 0.
 * A configuration error exits 2; any other startup failure exits 1.
 */
export function serveCommand(): Command {
  const serve = new Command('serve').description('Run the Proton server: the REST API of every model, stored in SQL.');
  return addSettingOptions(serve, SERVE_FLAG_KEYS)
    .addOption(new Option('--plugins', 'list the gluon plugins discovered among the dependencies of --root (what each provides) and exit'))
    .addOption(new Option('--root <dir>', 'application root whose package.json lists the plugins').default(process.cwd()))
    .action(async (_opts: Record<string, unknown>, command: Command) => {
      const code = await runServe(command);
      // Explicit exit: a driver's idle handle must not keep a stopped server's process alive.
      process.exit(code);
    });
}

async function runServe(command: Command): Promise<number> {
  let config: ServerConfig;
  let etcdAccess: Awaited<ReturnType<typeof readEtcdAccess>>;
  try {
    config = await loadServerConfig({ flags: typedSettingFlags(command), env: process.env });
    etcdAccess = await readEtcdAccess(config);
  } catch (err) {
    console.error(`gluon serve: ${describe(err)}`);
    return startupExitCode(err);
  }

  const root = String(command.getOptionValue('root'));
  let plugins: DiscoveredPlugins;
  try {
    plugins = await discoverServePlugins(root);
  } catch (err) {
    console.error(`gluon serve: cannot start: a plugin is broken: ${describe(err)}`);
    return EXIT_CONFIG;
  }
  if (command.getOptionValue('plugins') === true) {
    for (const line of describeProvisions(plugins.provided, root)) console.log(line);
    return 0;
  }

  const logger = createServerLogger({ level: config.logLevel }, { format: config.logFormat });
  logger.debug({ settings: settingsEcho(config) }, 'settings');
  const tls = tlsFilesOf(config);
  logProvisions(logger, plugins.provided, root);
  const models = plugins.models.length === 0 ? config.models : [...(config.models ?? [bundledModelsDir()]), ...plugins.models];
  let server: ProtonServer;
  try {
    const auth = authTrusting(config.auth, await readTrustedCa(config));
    server = await createProtonServer({
      ...(models === undefined ? {} : { models }),
      ...(plugins.hooks.size === 0 ? {} : { serverHooks: [...plugins.hooks.values()] }),
      db: config.db,
      host: config.host,
      port: config.port,
      ...(config.advertisedUrl === undefined ? {} : { advertisedUrl: config.advertisedUrl }),
      ...(config.etcd === undefined ? {} : { etcd: config.etcd }),
      etcdPrefix: config.etcdPrefix,
      ...(etcdAccess === undefined ? {} : { etcdAccess }),
      bindTimeoutMs: config.bindTimeoutMs,
      maxBindTimeoutMs: config.maxBindTimeoutMs,
      leaseTtlSeconds: config.leaseTtlSeconds,
      connectionLimits: config.connectionLimits,
      maxJsonDepth: config.maxJsonDepth,
      watchHeartbeatSeconds: config.watchHeartbeatSeconds,
      watchBufferBytes: config.watchBufferBytes,
      mirrorStallSeconds: config.mirrorStallSeconds,
      ...(config.migrate === undefined ? {} : { migrate: config.migrate }),
      ...(auth === undefined ? {} : { auth }),
      ...(config.policyFile === undefined ? {} : { policyFile: config.policyFile }),
      ...(tls === undefined ? {} : { tls }),
      ...(config.trustedProxies === undefined ? {} : { fastify: { trustProxy: [...config.trustedProxies] } }),
      logger,
    });
  } catch (err) {
    console.error(`gluon serve: cannot start: ${describe(err)}`);
    return startupExitCode(err);
  }

  try {
    await server.listen();
  } catch (err) {
    console.error(`gluon serve: cannot listen on ${config.host}:${config.port}: ${describeListenError(err)}`);
    await server.close().catch(() => undefined);
    return EXIT_STARTUP;
  }

  const stopReloading = tls === undefined ? () => undefined : reloadTlsOnHangup(() => server.reloadTls(), logger);
  const signal = await nextStopSignal();
  stopReloading();
  logger.info({ signal }, `received ${signal}: shutting down gracefully (send it again to exit at once)`);
  const force = (): void => {
    console.error(`gluon serve: second ${signal}: exiting without finishing the shutdown`);
    process.exit(EXIT_STARTUP);
  };
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  try {
    await server.close();
    return 0;
  } catch (err) {
    console.error(`gluon serve: shutdown failed: ${describe(err)}`);
    return EXIT_STARTUP;
  }
}

function describeListenError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'the port is already in use; stop the other process or choose another --port (0 picks a free one).';
  if (code === 'EADDRNOTAVAIL') return 'this machine has no such address; choose another --host.';
  if (code === 'EACCES') return 'permission denied; ports below 1024 need privileges, choose another --port.';
  return describe(err);
}
