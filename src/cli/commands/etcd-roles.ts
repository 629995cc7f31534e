import { Command } from 'commander';
import { applyEtcdRoles } from '../../core/kv/index.js';
import { loadModels } from '../../core/model/index.js';
import { etcdRoleCommands, etcdRolePlan } from '../../core/wire/index.js';
import { CONFIG_ENV, bundledModelsDir, loadServerConfig, readEtcdAccess } from '../../server/index.js';
import { EXIT_CONFIG, describeError as describe } from './exit.js';
import { ETCD_ACCESS_FLAG_KEYS, ETCD_ACCESS_KEYS, addSettingOptions, typedSettingFlags } from './setting-option.js';

/** Where `gluon etcd roles` writes. */
export interface EtcdRolesIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: EtcdRolesIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/**
 * `gluon etcd roles`: prints the least-privilege etcd roles and users of a deployment
 * (the Proton server, the arbiter, one shim role per API of the models or of `--api`) as
 * `etcdctl` commands; with `--apply`, creates them in etcd, connecting with the etcd
 * access settings, which must then be those of a user allowed to manage roles (`root`).
 * Exit 0 on success, 1 when etcd refuses, 2 for a configuration error.
 */
export function etcdCommand(io: EtcdRolesIo = consoleIo): Command {
  const etcd = new Command('etcd').description('etcd administration: least-privilege roles for the server, shims and arbiter.');
  const roles = new Command('roles').description('Print (or, with --apply, create) the etcd roles and users of a deployment, one per component.');
  addSettingOptions(roles, ['etcd', 'etcdPrefix', ...ETCD_ACCESS_FLAG_KEYS, 'models', 'config'], {
    etcd: 'etcd endpoints (with --apply)',
    models: 'model files or directories: one shim role per API (default: the bundled models)',
  })
    .option('--api <apis>', 'APIs to create shim roles for, instead of those of the models (comma-separated or repeated)', collect)
    .option('--apply', 'create the roles and users in etcd, connecting as root with the etcd access settings')
    .action(async (opts: { api?: string[]; apply?: boolean }, command: Command) => {
      process.exitCode = await runEtcdRoles({ apis: opts.api, apply: opts.apply === true, command }, io);
    });
  etcd.addCommand(roles);
  return etcd;
}

async function runEtcdRoles(input: { apis: string[] | undefined; apply: boolean; command: Command }, io: EtcdRolesIo): Promise<number> {
  let plan: ReturnType<typeof etcdRolePlan>;
  let config: Awaited<ReturnType<typeof loadServerConfig>>;
  let access: Awaited<ReturnType<typeof readEtcdAccess>>;
  try {
    config = await loadServerConfig({ flags: typedSettingFlags(input.command), env: process.env, only: ['etcd', 'etcdPrefix', 'models', ...ETCD_ACCESS_KEYS] });
    access = await readEtcdAccess(config);
    const apis = input.apis ?? [...new Set((await loadModels(config.models ?? [bundledModelsDir()])).map((model) => model.name))];
    plan = etcdRolePlan({ prefix: config.etcdPrefix, apis });
  } catch (err) {
    io.err(`gluon etcd roles: ${describe(err)}`);
    return EXIT_CONFIG;
  }
  for (const line of etcdRoleCommands(plan)) io.out(line);
  if (!input.apply) return 0;
  if (config.etcd === undefined) {
    io.err(`gluon etcd roles --apply: no etcd to apply to: give --etcd https://host:2379 (or ${CONFIG_ENV.etcd}).`);
    return EXIT_CONFIG;
  }
  try {
    await applyEtcdRoles({ hosts: config.etcd, ...(access === undefined ? {} : { access }), roles: plan });
  } catch (err) {
    io.err(`gluon etcd roles --apply: ${describe(err)}`);
    return 1;
  }
  io.out(`applied: ${plan.length} roles and users (${plan.map((role) => role.name).join(', ')})`);
  return 0;
}
