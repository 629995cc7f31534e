import { Command } from 'commander';
import { createKeyValueStore } from '../../core/kv/index.js';
import { loadModels } from '../../core/model/index.js';
import { ProtonRegistry } from '../../core/registry/index.js';
import { createStore } from '../../core/store/index.js';
import { reconcile, type ReconcileReport } from '../../core/sync/index.js';
import { EXIT_CONFIG, describeError as describe } from './exit.js';
import { CONFIG_ENV, bundledModelsDir, advertisedUrlOf, loadServerConfig, readEtcdAccess, type ServerConfig } from '../../server/index.js';
import { ETCD_ACCESS_FLAG_KEYS, addSettingOptions, typedSettingFlags } from './setting-option.js';

/** Where `gluon resync` writes. */
export interface ResyncIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: ResyncIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

const SIGN = { add: '+', update: '~', delete: '-' } as const;

/**
 * `gluon resync`: makes etcd's `/proton/<api>/…` and `/gluon/port/…` equal to SQL for the
 * given models (puts what is missing or different, deletes what SQL no longer has; never
 * touches other keys) and prints every change. Reads the same settings as `gluon serve`
 * (flags > `GLUON_*` > gluon.yaml), so port registrations keep the server's advertised URL.
 * Safe while servers run: a key the publisher wrote meanwhile is left alone (reported as
 * skipped). Exit 0 on success, 1 on failure, 2 for a configuration error.
 */
export function resyncCommand(io: ResyncIo = consoleIo): Command {
  const resync = new Command('resync').description('Make etcd equal to SQL (the /proton/<api>/ and /gluon/port/ keys of the models) and print what changed.');
  return addSettingOptions(resync, ['db', 'etcd', 'etcdPrefix', ...ETCD_ACCESS_FLAG_KEYS, 'models', 'advertisedUrl', 'config'], {
    etcd: 'etcd endpoints, comma-separated or repeated (required)',
    advertisedUrl: "the servers' advertised base URL, written into /gluon/port/<id>",
  })
    .option('--dry-run', 'only print what would change')
    .action(async (_opts: Record<string, unknown>, command: Command) => {
      process.exitCode = await runResync(command, io);
    });
}

async function runResync(command: Command, io: ResyncIo): Promise<number> {
  let config: ServerConfig;
  let access: Awaited<ReturnType<typeof readEtcdAccess>>;
  try {
    config = await loadServerConfig({ flags: typedSettingFlags(command), env: process.env });
    access = await readEtcdAccess(config);
  } catch (err) {
    io.err(`gluon resync: ${describe(err)}`);
    return EXIT_CONFIG;
  }
  if (config.etcd === undefined) {
    io.err(`gluon resync: no etcd to resync: give --etcd http://host:2379 (or ${CONFIG_ENV.etcd}).`);
    return EXIT_CONFIG;
  }
  const dryRun = command.opts()['dryRun'] === true;
  const advertisedUrl = advertisedUrlOf(config);
  const store = createStore({ url: config.db, advertisedUrl });
  const kv = createKeyValueStore(config.etcd.join(','), { prefix: config.etcdPrefix, ...(access === undefined ? {} : { access }) });
  try {
    const registry = new ProtonRegistry(await loadModels(config.models ?? [bundledModelsDir()]));
    await store.init(registry.storageModels());
    const report = await reconcile({ source: store, kv, apis: registry.storageModels(), dryRun });
    print(report, dryRun, io);
    return 0;
  } catch (err) {
    io.err(`gluon resync: ${describe(err)}`);
    return 1;
  } finally {
    await store.close().catch(() => undefined);
    await kv.close().catch(() => undefined);
  }
}

function print(report: ReconcileReport, dryRun: boolean, io: ResyncIo): void {
  for (const change of report.changes) io.out(`${SIGN[change.action]} ${change.key}`);
  for (const key of report.skipped) io.out(`= ${key} (written meanwhile by the publisher: left alone)`);
  const n = (a: 'add' | 'update' | 'delete'): number => report.changes.filter((c) => c.action === a).length;
  const verb = dryRun ? 'would change' : 'changed';
  io.out(
    `${verb}: ${n('add')} added, ${n('update')} updated, ${n('delete')} deleted; ${report.unchanged} unchanged, ${report.skipped.length} skipped (prefixes ${report.prefixes.join(' ')})`,
  );
}
