import { Command } from 'commander';
import { createProtonServer, loadServerConfig, readEtcdAccess, settingsEcho, type ProtonServer, type ServerConfig } from '../../server/index.js';
import { authTrusting, createServerLogger, readTrustedCa, tlsFilesOf } from '../../server/index.js';
import { EXIT_STARTUP, describeError as describe, nextStopSignal, startupExitCode } from './exit.js';
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

  const logger = createServerLogger({ level: config.logLevel }, { format: config.logFormat });
  logger.debug({ settings: settingsEcho(config) }, 'settings');
  const tls = tlsFilesOf(config);
  let server: ProtonServer;
  try {
    const auth = authTrusting(config.auth, await readTrustedCa(config));
    server = await createProtonServer({
      ...(config.models === undefined ? {} : { models: config.models }),
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
