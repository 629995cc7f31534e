import { Command } from 'commander';
import { loadModels, type ApiModel } from '../../core/model/index.js';
import { ProtonRegistry } from '../../core/registry/index.js';
import {
  createStore,
  rowsText,
  stepLine,
  type MigrationPlan,
  type MigrationStep,
  type SchemaStatus,
  type SqlStore,
} from '../../core/store/index.js';
import { bundledModelsDir, loadServerConfig, advertisedUrlOf, type ServerConfig } from '../../server/index.js';
import { EXIT_CONFIG, describeError as describe } from './exit.js';
import { addSettingOptions, typedSettingFlags } from './setting-option.js';

/** Where the `gluon db` commands write. */
export interface DbIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: DbIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Exit code of `gluon db plan --exit-code` when a step loses or refuses data or cannot be applied. */
export const EXIT_UNSAFE_PLAN = 3;

/** The options every `gluon db` command shares: where the database and the models are. */
function withDatabaseOptions(command: Command): Command {
  return addSettingOptions(command, ['db', 'models', 'config'])
    .option('--drop-removed', 'also plan dropping the tables of objects removed from the models (destructive)');
}

interface Session {
  readonly store: SqlStore;
  readonly models: readonly ApiModel[];
  readonly dropRemoved: boolean;
}

/** Resolves the settings like `gluon serve` (flags > GLUON_* > gluon.yaml), opens the store and loads the models. */
async function open(command: Command, name: string, io: DbIo): Promise<Session | number> {
  let config: ServerConfig;
  try {
    config = await loadServerConfig({ flags: typedSettingFlags(command), env: process.env, only: ['db', 'models', 'host', 'port', 'advertisedUrl'] });
  } catch (err) {
    io.err(`gluon db ${name}: ${describe(err)}`);
    return EXIT_CONFIG;
  }
  let models: readonly ApiModel[];
  try {
    // one storage per API: the tables are those of each API's storage version
    models = new ProtonRegistry(await loadModels(config.models ?? [bundledModelsDir()])).storageModels();
  } catch (err) {
    io.err(`gluon db ${name}: ${describe(err)}`);
    return 1;
  }
  const advertisedUrl = advertisedUrlOf(config);
  return { store: createStore({ url: config.db, advertisedUrl }), models, dropRemoved: command.opts()['dropRemoved'] === true };
}

/** Which `gluon db` command runs, and where it writes. */
interface DbRun {
  readonly name: string;
  readonly io: DbIo;
}

async function run(command: Command, { name, io }: DbRun, work: (session: Session) => Promise<number>): Promise<number> {
  const session = await open(command, name, io);
  if (typeof session === 'number') return session;
  try {
    return await work(session);
  } catch (err) {
    io.err(`gluon db ${name}: ${describe(err)}`);
    return 1;
  } finally {
    await session.store.close().catch(() => undefined);
  }
}

function printSteps(steps: readonly MigrationStep[], io: DbIo, withSql: boolean): void {
  for (const step of steps) {
    io.out(`${String(step.number).padStart(3)}. [${step.risk}] ${step.what}${step.rows === undefined ? '' : ` — ${rowsText(step.rows)} affected`}`);
    if (step.note !== undefined && step.risk !== 'safe') io.out(`       ${step.note}`);
    if (withSql) for (const sql of step.sql) io.out(`       ${sql};`);
  }
}

function printInterrupted(plan: Pick<MigrationPlan, 'interrupted'>, io: DbIo): void {
  const run = plan.interrupted;
  if (run === undefined) return;
  io.out(`An upgrade was interrupted (run ${run.runId}):`);
  for (const step of run.steps) {
    io.out(`  ${String(step.step).padStart(3)}. ${step.status.padEnd(7)} ${step.what}${step.error === undefined ? '' : ` — ${step.error}`}`);
  }
  io.out(run.stoppedAt === undefined ? '  every step is done; `gluon db upgrade` records the new schema.' : `  stopped at step ${run.stoppedAt.step}; \`gluon db upgrade\` with the same models resumes it.`);
}

function printStatus(status: SchemaStatus, io: DbIo): void {
  const apis = [...new Set(status.tables.map((t) => t.api))];
  for (const api of apis) {
    io.out(`${api}:`);
    for (const t of status.tables.filter((x) => x.api === api)) {
      const applied = t.appliedAt === undefined || t.appliedAt.getTime() === 0 ? 'not recorded' : `applied ${t.appliedAt.toISOString()}`;
      io.out(`  ${t.state.padEnd(8)} ${t.object.padEnd(24)} ${t.table}  ${t.hash === undefined ? '' : `${t.hash.slice(0, 12)}  `}${applied}`);
    }
  }
  printInterrupted(status, io);
  if (status.pending.length === 0) io.out('The database matches the models.');
  else {
    io.out(`${status.pending.length} pending step(s) (\`gluon db plan\` shows their SQL):`);
    printSteps(status.pending, io, false);
  }
}

/** `gluon db status`: what the database records per table, and what is pending. Exit 0; 1 on failure. */
function statusCommand(io: DbIo): Command {
  return withDatabaseOptions(new Command('status').description('show the schema the database records per table, and the pending changes'))
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await run(command, { name: 'status', io }, async ({ store, models, dropRemoved }) => {
        printStatus(await store.schemaStatus(models, { dropRemoved }), io);
        return 0;
      });
    });
}

/**
 * `gluon db plan`: every step that would make the database serve the models, with its
 * SQL, its risk and the rows at risk. Exit 0; with `--exit-code`, 3 when a step loses or
 * refuses data or cannot be applied (a project's CI can vote against such a model change).
 */
function planCommand(io: DbIo): Command {
  return withDatabaseOptions(new Command('plan').description('list the schema changes the models need, with their SQL and the rows at risk'))
    .option('--exit-code', `exit ${EXIT_UNSAFE_PLAN} when a step loses or refuses data or cannot be applied`)
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await run(command, { name: 'plan', io }, async ({ store, models, dropRemoved }) => {
        const plan = await store.planSchema(models, { dropRemoved });
        printInterrupted(plan, io);
        if (plan.steps.length === 0) {
          io.out('Nothing to do: the database matches the models.');
          return 0;
        }
        io.out(`Plan ${plan.hash.slice(0, 12)} (${store.dialect}), ${plan.steps.length} step(s):`);
        printSteps(plan.steps, io, true);
        const unsafe = plan.steps.filter((s) => s.risk !== 'safe');
        if (unsafe.length === 0) io.out('Every step is safe: `gluon db upgrade` applies them.');
        else io.out(`${unsafe.length} step(s) lose or refuse data or cannot be applied: ${unsafe.map(stepLine).join('; ')}`);
        return command.opts()['exitCode'] === true && unsafe.length > 0 ? EXIT_UNSAFE_PLAN : 0;
      });
    });
}

/** `gluon db upgrade`: applies the plan (journaled; resumes an interrupted one). Exit 0; 1 when refused or failed. */
function upgradeCommand(io: DbIo): Command {
  return withDatabaseOptions(new Command('upgrade').description('apply the schema changes (journaled: an interrupted upgrade resumes)'))
    .option('--allow-destructive', 'also apply steps that lose or refuse data (back the database up first)')
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await run(command, { name: 'upgrade', io }, async ({ store, models, dropRemoved }) => {
        const result = await store.upgradeSchema(models, { dropRemoved, allowDestructive: command.opts()['allowDestructive'] === true });
        if (result.applied.length === 0 && !result.resumed) io.out('Nothing to do: the database matches the models.');
        else {
          io.out(`${result.resumed ? 'Resumed and finished' : 'Applied'} ${result.applied.length} step(s):`);
          printSteps(result.applied, io, false);
        }
        if (result.republished > 0) io.out(`${result.republished} object(s) queued for the etcd mirror in their new shape (published by the running servers).`);
        return 0;
      });
    });
}

/**
 * The `gluon db` command group: `status`, `plan`, `upgrade` (docs/migrations.md). Other
 * `db` subcommands are added to the returned command.
 */
export function dbCommand(io: DbIo = consoleIo): Command {
  return new Command('db')
    .description('database schema: status, plan and upgrade (docs/migrations.md)')
    .addCommand(statusCommand(io))
    .addCommand(planCommand(io))
    .addCommand(upgradeCommand(io));
}
