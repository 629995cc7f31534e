import { Command, Option } from 'commander';
import { CONFIG_DEFAULTS, CONFIG_ENV, LOG_FORMATS, LOG_LEVELS, createProtonServer, loadServerConfig, type ProtonServer, type ServerConfig, type ServerFlags } from '../../server/index.js';
import { createServerLogger } from '../../server/index.js';
import { EXIT_STARTUP, describeError as describe, nextStopSignal, startupExitCode } from './exit.js';


function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `gluon serve`: runs the reference Proton server until SIGTERM/SIGINT, then shuts it
 * down gracefully (in-flight requests finish, the database closes) and exits 0.
 * A configuration error exits 2; any other startup failure exits 1.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the Proton server: the REST API of every model, stored in SQL.')
    .addOption(new Option('--models <paths>', 'model files or directories, comma-separated or repeated (default: the bundled models/)').env(CONFIG_ENV.models).argParser(collect))
    .addOption(new Option('--db <url>', `database: sqlite:<file> or mysql://user:pass@host:3306/db (default: ${CONFIG_DEFAULTS.db})`).env(CONFIG_ENV.db))
    .addOption(new Option('--host <address>', `address to listen on (default: ${CONFIG_DEFAULTS.host})`).env(CONFIG_ENV.host))
    .addOption(new Option('--port <number>', `port to listen on, 0 = any free port (default: ${CONFIG_DEFAULTS.port})`).env(CONFIG_ENV.port))
    .addOption(new Option('--advertised-url <url>', 'base URL others reach this server at (default: http://<host>:<port>)').env(CONFIG_ENV.advertisedUrl))
    .addOption(new Option('--etcd <urls>', 'etcd endpoints, comma-separated or repeated (default: none, in-process store)').env(CONFIG_ENV.etcd).argParser(collect))
    .addOption(new Option('--etcd-prefix <prefix>', 'prefix of every etcd key, e.g. /site-a (default: none)').env(CONFIG_ENV.etcdPrefix))
    .addOption(new Option('--config <file>', 'YAML config file (default: ./gluon.yaml when present)').env(CONFIG_ENV.config))
    .addOption(new Option('--auth-strategy <strategy>', 'noauth (default), token-file or keystone; see docs/security.md').env(CONFIG_ENV.authStrategy))
    .addOption(new Option('--policy-file <file>', 'policy file (YAML or JSON) overriding the rules').env(CONFIG_ENV.policyFile))
    .addOption(new Option('--token-file <file>', 'token file of the token-file strategy').env(CONFIG_ENV.tokenFile))
    .addOption(new Option('--keystone-url <url>', `Keystone v3 URL of the keystone strategy (service account from ${CONFIG_ENV.keystoneUsername}, ${CONFIG_ENV.keystonePassword}, ${CONFIG_ENV.keystoneProject})`).env(CONFIG_ENV.keystoneUrl))
    .addOption(new Option('--bind-timeout-ms <ms>', `how long a bind waits for the shim's result when the request gives no ?bind_timeout= (default: ${CONFIG_DEFAULTS.bindTimeoutMs})`).env(CONFIG_ENV.bindTimeoutMs))
    .addOption(new Option('--max-bind-timeout-ms <ms>', `largest ?bind_timeout= a request may ask for (default: ${CONFIG_DEFAULTS.maxBindTimeoutMs})`).env(CONFIG_ENV.maxBindTimeoutMs))
    .addOption(new Option('--lease-ttl-seconds <s>', `TTL of the publisher-election lease: how long a dead leader blocks the takeover (default: ${CONFIG_DEFAULTS.leaseTtlSeconds})`).env(CONFIG_ENV.leaseTtlSeconds))
    .addOption(new Option('--idle-timeout-ms <ms>', `close a connection silent this long with no request in progress (default: ${CONFIG_DEFAULTS.idleTimeoutMs})`).env(CONFIG_ENV.idleTimeoutMs))
    .addOption(new Option('--headers-timeout-ms <ms>', `time a client has to send a request's headers (default: ${CONFIG_DEFAULTS.headersTimeoutMs})`).env(CONFIG_ENV.headersTimeoutMs))
    .addOption(new Option('--request-timeout-ms <ms>', `time a client has to send a whole request, body included (default: ${CONFIG_DEFAULTS.requestTimeoutMs})`).env(CONFIG_ENV.requestTimeoutMs))
    .addOption(new Option('--max-connections <n>', `most connections open at once (default: ${CONFIG_DEFAULTS.maxConnections})`).env(CONFIG_ENV.maxConnections))
    .addOption(new Option('--max-json-depth <n>', `deepest JSON nesting a request body may have (default: ${CONFIG_DEFAULTS.maxJsonDepth})`).env(CONFIG_ENV.maxJsonDepth))
    .addOption(new Option('--watch-heartbeat-seconds <s>', `seconds between heartbeat comments on idle watch streams, 0 = none (default: ${CONFIG_DEFAULTS.watchHeartbeatSeconds})`).env(CONFIG_ENV.watchHeartbeatSeconds))
    .addOption(new Option('--watch-buffer-bytes <n>', `bytes a watch stream may hold unsent before its client is cut off as too slow (default: ${CONFIG_DEFAULTS.watchBufferBytes})`).env(CONFIG_ENV.watchBufferBytes))
    .addOption(new Option('--mirror-stall-seconds <s>', `/readyz reports the etcd mirror stalled when a change has waited this long to reach etcd (default: ${CONFIG_DEFAULTS.mirrorStallSeconds})`).env(CONFIG_ENV.mirrorStallSeconds))
    .addOption(new Option('--migrate <mode>', 'schema changes applied at start: none, or safe (those that lose no data); default safe on SQLite, none on MySQL').env(CONFIG_ENV.migrate))
    .addOption(new Option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (default: ${CONFIG_DEFAULTS.logLevel})`).env(CONFIG_ENV.logLevel))
    .addOption(new Option('--log-format <format>', `log lines on stderr: ${LOG_FORMATS.join(' or ')} (default: pretty on a terminal, else json)`).env(CONFIG_ENV.logFormat))
    .action(async (_opts: Record<string, unknown>, command: Command) => {
      const code = await runServe(command);
      // Explicit exit: a driver's idle handle must not keep a stopped server's process alive.
      process.exit(code);
    });
}

/**
 * Flags as the user typed them. Values commander read from the environment are left
 * out: `loadServerConfig` reads the environment itself, so it can name the variable.
 */
function typedFlags(command: Command): ServerFlags {
  const flags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(command.opts())) {
    if (command.getOptionValueSource(key) === 'cli') flags[key] = value;
  }
  return flags as ServerFlags;
}

async function runServe(command: Command): Promise<number> {
  let config: ServerConfig;
  try {
    config = await loadServerConfig({ flags: typedFlags(command), env: process.env });
  } catch (err) {
    console.error(`gluon serve: ${describe(err)}`);
    return startupExitCode(err);
  }

  const logger = createServerLogger({ level: config.logLevel }, { format: config.logFormat });
  let server: ProtonServer;
  try {
    server = await createProtonServer({
      ...(config.models === undefined ? {} : { models: config.models }),
      db: config.db,
      host: config.host,
      port: config.port,
      ...(config.advertisedUrl === undefined ? {} : { advertisedUrl: config.advertisedUrl }),
      ...(config.etcd === undefined ? {} : { etcd: config.etcd }),
      etcdPrefix: config.etcdPrefix,
      bindTimeoutMs: config.bindTimeoutMs,
      maxBindTimeoutMs: config.maxBindTimeoutMs,
      leaseTtlSeconds: config.leaseTtlSeconds,
      connectionLimits: config.connectionLimits,
      maxJsonDepth: config.maxJsonDepth,
      watchHeartbeatSeconds: config.watchHeartbeatSeconds,
      watchBufferBytes: config.watchBufferBytes,
      mirrorStallSeconds: config.mirrorStallSeconds,
      ...(config.migrate === undefined ? {} : { migrate: config.migrate }),
      ...(config.auth === undefined ? {} : { auth: config.auth }),
      ...(config.policyFile === undefined ? {} : { policyFile: config.policyFile }),
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

  const signal = await nextStopSignal();
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
