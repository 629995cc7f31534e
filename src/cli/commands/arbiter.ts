import { Command, Option } from 'commander';
import { pino } from 'pino';
import { createNeutronFacade, type NeutronFacade } from '../../core/arbiter/index.js';
import { ConfigError, isGluonError } from '../../core/errors/index.js';
import { resolveEtcdConfig } from '../../core/kv/index.js';
import { discoverPlugins } from '../../drivers/index.js';
import { EXIT_CONFIG, EXIT_STARTUP, describeError as describe, nextStopSignal } from './exit.js';


function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

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
  readonly neutronToken?: string;
  readonly upstreamKeepAlive: boolean;
  readonly logLevel: string;
}

/**
 * `gluon arbiter`: the Neutron API facade. Listens where Nova expects Neutron, answers
 * `GET/PUT /v2.0/ports…` for Gluon ports through the port arbiter and passes every other
 * request to the real Neutron at `--neutron-url`. Runs until SIGTERM/SIGINT (exit 0);
 * a configuration error exits 2, another startup failure 1.
 */
export function arbiterCommand(): Command {
  return new Command('arbiter')
    .description('Run the Neutron API facade: Gluon ports answered by the port arbiter, everything else passed to Neutron.')
    .addOption(new Option('--neutron-url <url>', 'the real Neutron, e.g. http://127.0.0.1:9696').env('GLUON_NEUTRON_URL'))
    .addOption(new Option('--port <number>', 'port to listen on (0 = any free port)').default('9697').env('GLUON_ARBITER_PORT'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1').env('GLUON_ARBITER_HOST'))
    .addOption(new Option('--etcd <urls>', 'etcd endpoints holding /gluon/port/ (comma-separated or repeated)').env('GLUON_ETCD').argParser(collect))
    .addOption(new Option('--etcd-prefix <prefix>', 'prefix of every etcd key (same as the Proton servers\')').env('GLUON_ETCD_PREFIX'))
    .addOption(new Option('--plugins <packages>', 'plugin packages providing drivers (comma-separated or repeated; default: the gluon plugins among the dependencies of --root)').argParser(collect))
    .addOption(new Option('--root <dir>', 'application root whose package.json lists the plugins').default(process.cwd()))
    .addOption(new Option('--gluon-network-id <id>', 'id of the dummy GluonNetwork (default: looked up by name)').env('GLUON_NETWORK_ID'))
    .addOption(new Option('--gluon-subnet-id <id>', 'id of the dummy GluonSubnet (default: looked up by name)').env('GLUON_SUBNET_ID'))
    .addOption(new Option('--neutron-token <token>', 'X-Auth-Token for the GluonNetwork/GluonSubnet lookup (Keystone-protected Neutron)').env('GLUON_NEUTRON_TOKEN'))
    .addOption(new Option('--no-upstream-keep-alive', 'open a new connection to Neutron for every request'))
    .addOption(new Option('--log-level <level>', 'log level').default('info').env('GLUON_LOG_LEVEL'))
    .action(async (opts: ArbiterFlags) => {
      process.exit(await runArbiter(opts));
    });
}

async function runArbiter(flags: ArbiterFlags): Promise<number> {
  let options: Parameters<typeof createNeutronFacade>[0];
  let port: number;
  try {
    if (flags.neutronUrl === undefined || !/^https?:\/\/[^/]+/.test(flags.neutronUrl)) {
      throw new ConfigError(`--neutron-url: ${JSON.stringify(flags.neutronUrl ?? null)} is not the http(s) URL of a Neutron server; e.g. --neutron-url http://127.0.0.1:9696`, {
        details: [{ field: '--neutron-url', rule: 'url', value: flags.neutronUrl ?? null, message: 'required http(s) URL' }],
      });
    }
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`--port: ${JSON.stringify(flags.port)} is not a port number (0–65535)`, {
        details: [{ field: '--port', rule: 'range', value: flags.port, message: 'expected an integer 0–65535' }],
      });
    }
    const etcd = resolveEtcdConfig({ flag: flags.etcd?.join(','), prefixFlag: flags.etcdPrefix });
    const plugins = await discoverPlugins({ root: flags.root, ...(flags.plugins === undefined ? {} : { plugins: flags.plugins }) });
    options = {
      neutronUrl: flags.neutronUrl,
      ...(etcd.url === undefined ? {} : { etcd: etcd.url }),
      etcdPrefix: etcd.prefix,
      drivers: plugins.drivers,
      ...(flags.gluonNetworkId === undefined ? {} : { gluonNetworkId: flags.gluonNetworkId }),
      ...(flags.gluonSubnetId === undefined ? {} : { gluonSubnetId: flags.gluonSubnetId }),
      ...(flags.neutronToken === undefined ? {} : { neutronToken: flags.neutronToken }),
      upstreamKeepAlive: flags.upstreamKeepAlive,
    };
    if (etcd.url === undefined) console.error('gluon arbiter: no --etcd given: using an empty in-process port registry (every port is passed to Neutron)');
  } catch (err) {
    console.error(`gluon arbiter: ${describe(err)}`);
    return isGluonError(err) && (err.code === 'GLUON_ERR_CONFIG' || err.code.startsWith('GLUON_ERR_PLUGIN_')) ? EXIT_CONFIG : EXIT_STARTUP;
  }
  const logger = pino({ level: flags.logLevel, base: { name: 'gluon-arbiter' } });
  let facade: NeutronFacade;
  try {
    facade = await createNeutronFacade({ ...options, logger });
  } catch (err) {
    console.error(`gluon arbiter: cannot start: ${describe(err)}`);
    return EXIT_STARTUP;
  }
  let url: string;
  try {
    url = await facade.listen({ port, host: flags.host });
  } catch (err) {
    console.error(`gluon arbiter: cannot listen on ${flags.host}:${port}: ${describe(err)}`);
    await facade.close().catch(() => undefined);
    return EXIT_STARTUP;
  }
  logger.info({ url, neutronUrl: flags.neutronUrl, gluonNetworkId: facade.gluonNetworkId, gluonSubnetId: facade.gluonSubnetId, gluonPorts: facade.arbiter.registry.size }, 'Neutron facade listening');
  const signal = await nextStopSignal();
  logger.info({ signal }, `received ${signal}: shutting down`);
  try {
    await facade.close();
    return 0;
  } catch (err) {
    console.error(`gluon arbiter: shutdown failed: ${describe(err)}`);
    return EXIT_STARTUP;
  }
}
