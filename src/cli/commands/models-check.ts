import type { Command } from 'commander';
import { formatModelIssue, isGluonError, type ModelIssue } from '../../core/errors/index.js';
import { loadModels, resolveVersions, toRoutes, versionRoot, type ApiModel, type ApiVersions } from '../../core/model/index.js';
import { bundledModelsDir } from '../../server/index.js';

/** Where `gluon models check` writes. */
export interface ModelsCheckIo {
  /** One line of the report (stdout). */
  out(line: string): void;
  /** One line of a problem (stderr). */
  err(line: string): void;
}

const consoleIo: ModelsCheckIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/**
 * Checks model paths (directories or files) and reports, per API: its version, its
 * objects with primary key and role, and its routes — or every problem as
 * `file:line:col: path: message [code]`.
 *
 * @returns the exit code: 0 when every model is valid, 1 otherwise.
 */
export async function runModelsCheck(paths: readonly string[], io: ModelsCheckIo = consoleIo): Promise<number> {
  let targets = paths;
  let models: readonly ApiModel[];
  try {
    if (targets.length === 0) targets = [bundledModelsDir()];
    models = await loadModels(targets);
  } catch (err) {
    if (isGluonError(err) && err.code === 'GLUON_ERR_MODEL_INVALID') {
      const issues = err.details as readonly ModelIssue[];
      for (const issue of issues) io.err(formatModelIssue(issue));
      io.err(`${issues.length === 1 ? '1 problem' : `${issues.length} problems`} in ${targets.join(', ')}`);
      return 1;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  for (const api of models) printApi(api, io);
  for (const set of resolveVersions(models)) if (set.served.length > 1) printVersions(set, io);
  const objects = models.reduce((n, api) => n + api.objects.length, 0);
  io.out(`OK: ${models.length} API${models.length === 1 ? '' : 's'}, ${objects} API objects`);
  return 0;
}

function printApi(api: ApiModel, io: ModelsCheckIo): void {
  io.out(`${api.name} ${api.version} (${versionRoot(api)})`);
  io.out(`  files: ${api.files.join(', ')}`);
  io.out(`  objects (${api.objects.length}):`);
  const width = Math.max(...api.objects.map((o) => o.name.length), 4);
  const pluralWidth = Math.max(...api.objects.map((o) => o.api.plural.length), 4) + 1;
  for (const object of api.objects) {
    const key = object.attributes.find((a) => a.primary);
    const keyText = key ? `${key.name} (${key.reference ? `${key.reference} → ` : ''}${key.type})` : '(none)';
    const natural = object.naturalKey.length > 0 ? `  natural key: ${object.naturalKey.join(', ')}` : '';
    io.out(`    ${object.name.padEnd(width)}  ${`/${object.api.plural}`.padEnd(pluralWidth)}  role: ${object.role.padEnd(15)}  key: ${keyText}${natural}`);
  }
  const routes = toRoutes(api);
  io.out(`  routes (${routes.length}):`);
  for (const route of routes) io.out(`    ${route.methods.join(',').padEnd(15)} ${versionRoot(api)}${route.path}`);
}

/** The versions of an API served together: status, which one is stored, what each converts. */
function printVersions(set: ApiVersions, io: ModelsCheckIo): void {
  io.out(`${set.name}: ${set.served.length} versions over one storage (${set.storageVersion.versionId})`);
  for (const served of set.served) {
    const changes: string[] = [];
    for (const conversion of served.objects.values()) {
      const object = conversion.served.name;
      for (const [name, stored] of conversion.storageNames) if (name !== stored) changes.push(`${object}.${name} ← ${stored}`);
      for (const hidden of conversion.served.removed ?? []) changes.push(`${object}.${hidden} hidden`);
      for (const added of conversion.added) changes.push(`${object}.${added.name} added${added.default === undefined ? '' : ` (default ${JSON.stringify(added.default)})`}`);
    }
    const storage = served.api === set.storageVersion ? ', storage' : '';
    io.out(`  ${served.api.versionId.padEnd(8)} ${served.status}${storage}${changes.length === 0 ? '' : `: ${changes.join('; ')}`}`);
  }
}

/** Registers `gluon models check [paths…]` on the program. */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('work with model (API spec) files');
  models
    .command('check')
    .description('validate models and print each API: version, objects (key, role) and routes')
    .argument('[paths...]', 'model directories or files (default: the bundled models/)')
    .action(async (paths: string[]) => {
      process.exitCode = await runModelsCheck(paths);
    });
}
