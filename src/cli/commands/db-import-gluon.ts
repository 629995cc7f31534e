import type { Command } from 'commander';
import type { ErrorDetail } from '../../core/errors/index.js';
import { importGluon, type ImportReport, type ImportedObject, type RefusedRow } from '../../core/import/index.js';
import { loadModels } from '../../core/model/index.js';
import { ProtonRegistry } from '../../core/registry/index.js';
import { createStore } from '../../core/store/index.js';
import { bundledModelsDir, loadServerConfig, advertisedUrlOf, type ServerConfig } from '../../server/index.js';
import { addSettingOptions, typedSettingFlags } from './setting-option.js';
import { EXIT_CONFIG, describeError } from './exit.js';

/** Exit code of `gluon db import-gluon` when every row was imported (or was already equal). */
export const IMPORT_EXIT_OK = 0;
/** Exit code when the import stopped on an error (our database unavailable, a write failed for a reason other than the row). */
export const IMPORT_EXIT_FAILED = 1;
/** Exit code of a configuration error: bad flag, config file, models, or an unreadable original database. */
export const IMPORT_EXIT_CONFIG = EXIT_CONFIG;
/** Exit code when the import finished but some rows were refused (use `--allow-refused` to get 0). */
export const IMPORT_EXIT_REFUSED = 3;

/** Where `gluon db import-gluon` writes. */
export interface ImportGluonIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: ImportGluonIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

function showValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

function detailText(d: ErrorDetail): string {
  return `${d.field} [${d.rule}]${'value' in d ? ` = ${showValue(d.value)}` : ''}: ${d.message}`;
}

function objectLine(o: ImportedObject, verbose: boolean): string | undefined {
  const name = `${o.api}/${o.object}/${o.key}`;
  if (o.action === 'create') return `+ ${name}`;
  if (o.action === 'update') return `~ ${name} (${(o.changed ?? []).join(', ')})`;
  return verbose ? `= ${name}` : undefined;
}

function refusedLines(r: RefusedRow): string[] {
  const natural = Object.entries(r.naturalKey ?? {}).map(([n, v]) => `${n}=${showValue(v)}`);
  const key = r.key ?? `(no key${natural.length > 0 ? `; ${natural.join(', ')}` : ''})`;
  const head = `! ${r.api}/${r.object}/${key} (table ${r.table}) refused:`;
  return [head, ...r.details.map((d) => `    ${detailText(d)}`)];
}

function printReport(report: ImportReport, io: ImportGluonIo, verbose: boolean): void {
  for (const a of report.added) io.out(`+ ${a.api}/${a.object}/${a.key} (added: ${a.reason})`);
  if (report.missingTables.length > 0) io.out(`no table in the original for: ${report.missingTables.join(', ')}`);
  if (report.unknownTables.length > 0) io.out(`tables of the original not read (no loaded model object): ${report.unknownTables.join(', ')}`);
  const c = report.counts;
  const verb = report.dryRun ? 'would import' : 'imported';
  io.out(
    `${verb} from ${report.source} (${report.apis.map((a) => `${a.name} ${a.version}`).join(', ')}): ${c.read} rows read, ` +
      `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.refused} refused`,
  );
  if (verbose) for (const o of report.objects) if (o.action === 'unchanged') io.out(objectLine(o, true) ?? '');
}

/** Adds `import-gluon` to `db`. */
function defineImportGluon(db: Command, io: ImportGluonIo): void {
  const command = db
    .command('import-gluon')
    .description("Import the objects of an original (Python) Gluon proton-server from its database, through the store (mirrored to etcd by the publisher).")
    .argument('<source-url>', "the original's database: sqlite:<path of gluon.sqlite> or mysql://user:pass@host:3306/db (its [database] connection)");
  addSettingOptions(command, ['db', 'models', 'advertisedUrl', 'config'], {
    db: 'our database: sqlite:<file> or mysql://user:pass@host:3306/db',
    advertisedUrl: "the servers' advertised base URL, written into /gluon/port/<id>",
  })
    .option('--dry-run', 'compare and report only; write nothing')
    .option('--allow-refused', `exit ${IMPORT_EXIT_OK} even when rows were refused (they are still reported)`)
    .option('--json', 'print the whole report as JSON on stdout instead of lines')
    .option('--verbose', 'also list the objects that were already equal')
    .action(async (sourceUrl: string, _opts: Record<string, unknown>, command: Command) => {
      process.exitCode = await runImportGluon(sourceUrl, command, io);
    });
}

/**
 * Registers `gluon db import-gluon <source-url>` on `program`, under its `db` command
 * (created when absent, so it merges with `gluon db status|plan|upgrade`).
 *
 * Exit codes: {@link IMPORT_EXIT_OK} 0 everything imported or already equal;
 * {@link IMPORT_EXIT_FAILED} 1 the import stopped on an error (rows written so far stay;
 * run it again); {@link IMPORT_EXIT_CONFIG} 2 bad flags, config or models, or the
 * original's database cannot be read; {@link IMPORT_EXIT_REFUSED} 3 finished, but rows
 * were refused (each reported on stderr with object, key, field and rule) — 0 with
 * `--allow-refused`.
 */
export function registerImportGluonCommand(program: Command, io: ImportGluonIo = consoleIo): void {
  const db = program.commands.find((c) => c.name() === 'db') ?? program.command('db').description('work with the database: import from an original Gluon');
  defineImportGluon(db, io);
}

async function runImportGluon(sourceUrl: string, command: Command, io: ImportGluonIo): Promise<number> {
  const opts = command.opts();
  let config: ServerConfig;
  try {
    config = await loadServerConfig({ flags: typedSettingFlags(command), env: process.env });
  } catch (err) {
    io.err(`gluon db import-gluon: ${describeError(err)}`);
    return IMPORT_EXIT_CONFIG;
  }
  const json = opts['json'] === true;
  const verbose = opts['verbose'] === true;
  const store = createStore({ url: config.db, advertisedUrl: advertisedUrlOf(config) });
  try {
    let models;
    try {
      // one storage per API: objects are written in each API's storage version
      models = new ProtonRegistry(await loadModels(config.models ?? [bundledModelsDir()])).storageModels();
    } catch (err) {
      io.err(`gluon db import-gluon: ${describeError(err)}`);
      return IMPORT_EXIT_CONFIG;
    }
    await store.init(models);
    const report = await importGluon({
      source: sourceUrl,
      store,
      models,
      dryRun: opts['dryRun'] === true,
      onRow: (event) => {
        if (json) return;
        if ('action' in event) {
          const line = objectLine(event, false);
          if (line !== undefined) io.out(line);
        } else {
          for (const line of refusedLines(event)) io.err(line);
        }
      },
    });
    if (json) io.out(JSON.stringify(report, null, 2));
    else printReport(report, io, verbose);
    return report.refused.length > 0 && opts['allowRefused'] !== true ? IMPORT_EXIT_REFUSED : IMPORT_EXIT_OK;
  } catch (err) {
    io.err(`gluon db import-gluon: ${describeError(err)}`);
    return (err as { code?: unknown }).code === 'GLUON_ERR_IMPORT_SOURCE' ? IMPORT_EXIT_CONFIG : IMPORT_EXIT_FAILED;
  } finally {
    await store.close().catch(() => undefined);
  }
}
