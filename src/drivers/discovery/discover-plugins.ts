import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GluonError } from '../../core/errors/index.js';
import { isDriverDefinition } from '../define-driver.js';
import { HOOKS_API_VERSION, type DiscoveredHooks, type ServerHooksDefinition } from '../hooks/types.js';
import { isHooksDefinition } from '../hooks/define-hooks.js';
import {
  DRIVER_API_VERSION,
  type DiscoveredDriver,
  type DiscoveredPlugins,
  type DiscoveredShim,
  type DiscoverPluginsOptions,
  type DriverDefinition,
  type PluginProvision,
} from '../types.js';
import { readManifest, resolvePackage, type PluginPackage } from './resolve-package.js';

/** The keys a `gluon` field may have. */
export const GLUON_FIELD_KEYS = ['apiVersion', 'drivers', 'shims', 'hooks', 'models', 'dependencies'] as const;

/** A `"./file.js#export"` entry, resolved inside its package. */
interface Entry {
  readonly file: string;
  readonly exportName: string;
  /** Where it was declared, e.g. `gluon.drivers.net-l3vpn`. */
  readonly where: string;
}

/**
 * Finds the drivers, shims, server hooks and models plugin packages provide.
 *
 * Reads the `gluon` field of the packages listed in `plugins` — or, when none are listed,
 * of every `dependencies` entry of the application's own package.json that has one —
 * resolving each package from the application root. Driver modules are imported (with
 * `import()` of a file URL) and checked, and so are server hooks; shims are only located (imported by
 * {@link DiscoveredShim.load}); model paths are made absolute.
 *
 * @param options - `root`: the application directory; `plugins`: explicit package names
 *   (or local package directories starting with `.`)
 * @throws GluonError naming the package: `GLUON_ERR_PLUGIN_NOT_FOUND`,
 *   `GLUON_ERR_PLUGIN_MALFORMED`, `GLUON_ERR_PLUGIN_API_VERSION`,
 *   `GLUON_ERR_PLUGIN_FILE_NOT_FOUND`, `GLUON_ERR_PLUGIN_LOAD_FAILED`,
 *   `GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND`, `GLUON_ERR_PLUGIN_NOT_A_DRIVER`, `GLUON_ERR_PLUGIN_NOT_HOOKS`,
 *   `GLUON_ERR_PLUGIN_DUPLICATE_DRIVER` (naming both packages)
 * @example
 * ```ts
 * const { drivers, models } = await discoverPlugins({ root: process.cwd() });
 * const driver = await drivers.get('net-l3vpn')?.create({ service: 'net-l3vpn', gluonNetworkId, gluonSubnetId, logger });
 * ```
 */
export async function discoverPlugins(options: DiscoverPluginsOptions): Promise<DiscoveredPlugins> {
  const root = resolve(options.root);
  const explicit = options.plugins !== undefined;
  const specifiers = options.plugins ?? applicationDependencies(root);

  const drivers = new Map<string, DiscoveredDriver>();
  const shims = new Map<string, DiscoveredShim>();
  const models: string[] = [];
  const hooks = new Map<string, DiscoveredHooks>();
  const packages: string[] = [];
  const provided: PluginProvision[] = [];

  for (const specifier of [...new Set(specifiers)]) {
    const pkg = resolvePackage(root, specifier);
    const field = pkg.manifest['gluon'];
    if (field === undefined) {
      if (!explicit) continue;
      throw malformed(pkg, 'has no "gluon" field in its package.json, so it provides no drivers, shims or models');
    }
    if (packages.includes(pkg.name)) continue;
    const gluon = checkGluonField(pkg, field);
    packages.push(pkg.name);

    for (const [service, spec] of Object.entries(gluon.drivers)) {
      const entry = parseEntry(pkg, `gluon.drivers.${service}`, spec);
      const definition = await loadDriver(pkg, service, entry);
      const other = drivers.get(service);
      if (other !== undefined) {
        throw new GluonError(
          'GLUON_ERR_PLUGIN_DUPLICATE_DRIVER',
          `Two plugin packages provide a driver for service "${service}": "${other.package}" and "${pkg.name}". Keep one (uninstall the other, or list plugins explicitly).`,
          { details: [{ field: `gluon.drivers.${service}`, rule: 'unique', value: [other.package, pkg.name], message: 'one driver per service' }] },
        );
      }
      drivers.set(service, {
        name: definition.name,
        apiVersion: DRIVER_API_VERSION,
        create: (factoryOptions) => definition.create(factoryOptions),
        package: pkg.name,
      });
    }

    for (const [name, spec] of Object.entries(gluon.shims)) {
      const entry = parseEntry(pkg, `gluon.shims.${name}`, spec);
      const other = shims.get(name);
      if (other !== undefined) {
        throw new GluonError('GLUON_ERR_PLUGIN_DUPLICATE_DRIVER', `Two plugin packages provide a shim named "${name}": "${other.package}" and "${pkg.name}". Keep one.`);
      }
      shims.set(name, {
        name,
        package: pkg.name,
        file: entry.file,
        exportName: entry.exportName,
        load: () => loadExport(pkg, entry),
      });
    }

    for (const [name, spec] of Object.entries(gluon.hooks)) {
      const entry = parseEntry(pkg, `gluon.hooks.${name}`, spec);
      const definition = await loadHooks(pkg, entry);
      const other = hooks.get(name);
      if (other !== undefined) {
        throw new GluonError('GLUON_ERR_PLUGIN_DUPLICATE_DRIVER', `Two plugin packages provide server hooks named "${name}": "${other.package}" and "${pkg.name}". Keep one.`);
      }
      hooks.set(name, {
        name: definition.name,
        apiVersion: HOOKS_API_VERSION,
        ...(definition.apis === undefined ? {} : { apis: definition.apis }),
        ...(definition.beforeWrite === undefined ? {} : { beforeWrite: definition.beforeWrite.bind(definition) }),
        ...(definition.afterWrite === undefined ? {} : { afterWrite: definition.afterWrite.bind(definition) }),
        ...(definition.decideBind === undefined ? {} : { decideBind: definition.decideBind.bind(definition) }),
        package: pkg.name,
      });
    }

    const packageModels = gluon.models.map((model, i) => {
      const file = insidePackage(pkg, `gluon.models[${i}]`, model);
      if (!existsSync(file)) throw fileNotFound(pkg, { where: `gluon.models[${i}]`, spec: String(model), file });
      return file;
    });
    models.push(...packageModels);
    provided.push({ package: pkg.name, drivers: Object.keys(gluon.drivers), shims: Object.keys(gluon.shims), hooks: Object.keys(gluon.hooks), models: packageModels });
  }
  return { drivers, shims, models, hooks, packages, provided };
}

/** The application's `dependencies` names (its package.json at `root`). */
function applicationDependencies(root: string): string[] {
  const file = join(root, 'package.json');
  if (!existsSync(file)) {
    throw new GluonError('GLUON_ERR_PLUGIN_NOT_FOUND', `Cannot discover plugins: the application root ${root} has no package.json. Pass the plugins explicitly or point root at the application.`);
  }
  const deps = readManifest(file, 'the application')['dependencies'];
  return typeof deps === 'object' && deps !== null ? Object.keys(deps) : [];
}

interface GluonField {
  readonly drivers: Readonly<Record<string, unknown>>;
  readonly shims: Readonly<Record<string, unknown>>;
  readonly hooks: Readonly<Record<string, unknown>>;
  readonly models: readonly unknown[];
}

function checkGluonField(pkg: PluginPackage, field: unknown): GluonField {
  if (typeof field !== 'object' || field === null || Array.isArray(field)) {
    throw malformed(pkg, `has a "gluon" field that is not an object (received ${JSON.stringify(field)})`);
  }
  const gluon = field as Record<string, unknown>;
  const unknownKeys = Object.keys(gluon).filter((key) => !(GLUON_FIELD_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw malformed(pkg, `has unknown key(s) ${unknownKeys.map((k) => `"${k}"`).join(', ')} in its "gluon" field; allowed: ${GLUON_FIELD_KEYS.join(', ')}`);
  }
  if (gluon['apiVersion'] !== DRIVER_API_VERSION) {
    const received = gluon['apiVersion'] === undefined ? 'no gluon.apiVersion' : `gluon.apiVersion ${JSON.stringify(gluon['apiVersion'])}`;
    throw new GluonError(
      'GLUON_ERR_PLUGIN_API_VERSION',
      `Plugin package "${pkg.name}" declares ${received}; this gluon-net implements plugin contract version ${DRIVER_API_VERSION}: install a version of the plugin built for it.`,
      { details: [{ field: 'gluon.apiVersion', rule: 'enum', value: gluon['apiVersion'], message: 'the plugin contract version', allowed: [DRIVER_API_VERSION] }] },
    );
  }
  const map = (key: 'drivers' | 'shims' | 'hooks'): Readonly<Record<string, unknown>> => {
    const value = gluon[key];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw malformed(pkg, `has a "gluon.${key}" that is not an object of name → "./file.js#export" (received ${JSON.stringify(value)})`);
    }
    return value as Record<string, unknown>;
  };
  const models = gluon['models'] ?? [];
  if (!Array.isArray(models)) throw malformed(pkg, `has a "gluon.models" that is not a list of paths (received ${JSON.stringify(models)})`);
  return { drivers: map('drivers'), shims: map('shims'), hooks: map('hooks'), models };
}

function parseEntry(pkg: PluginPackage, where: string, spec: unknown): Entry {
  if (typeof spec !== 'string' || spec === '' || spec.startsWith('#')) {
    throw malformed(pkg, `has ${where} = ${JSON.stringify(spec)}; expected "./file.js" or "./file.js#export"`);
  }
  const hash = spec.indexOf('#');
  const path = hash < 0 ? spec : spec.slice(0, hash);
  const exportName = hash < 0 ? 'default' : spec.slice(hash + 1);
  if (exportName === '') throw malformed(pkg, `has ${where} = ${JSON.stringify(spec)} with an empty export name after "#"`);
  const file = insidePackage(pkg, where, path);
  if (!existsSync(file)) throw fileNotFound(pkg, { where, spec, file });
  return { file, exportName, where };
}

/** `path` resolved in the package directory; paths escaping the package are malformed. */
function insidePackage(pkg: PluginPackage, where: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw malformed(pkg, `has ${where} = ${JSON.stringify(path)}; expected a relative path like "./dist/x.js"`);
  const file = resolve(pkg.dir, path);
  if (file !== pkg.dir && !file.startsWith(pkg.dir + sep)) {
    throw malformed(pkg, `has ${where} = ${JSON.stringify(path)}, which points outside the package directory ${pkg.dir}`);
  }
  return file;
}

async function loadExport(pkg: PluginPackage, entry: Entry): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(entry.file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new GluonError(
      'GLUON_ERR_PLUGIN_LOAD_FAILED',
      `Plugin package "${pkg.name}": importing ${entry.where} (${entry.file}) failed: ${err instanceof Error ? err.message : String(err)}.`,
      { cause: err },
    );
  }
  const value = module[entry.exportName];
  if (value === undefined) {
    const names = Object.keys(module);
    throw new GluonError(
      'GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND',
      `Plugin package "${pkg.name}": ${entry.where} names export "${entry.exportName}" but ${entry.file} exports ${names.length === 0 ? 'nothing' : names.map((n) => `"${n}"`).join(', ')}.`,
      { details: [{ field: entry.where, rule: 'export', value: entry.exportName, message: 'the module has no such export', allowed: names }] },
    );
  }
  return value;
}

async function loadDriver(pkg: PluginPackage, service: string, entry: Entry): Promise<DriverDefinition> {
  const value = await loadExport(pkg, entry);
  if (!isDriverDefinition(value)) {
    throw new GluonError(
      'GLUON_ERR_PLUGIN_NOT_A_DRIVER',
      `Plugin package "${pkg.name}": ${entry.where} (export "${entry.exportName}" of ${entry.file}) is not a driver definition { name, apiVersion, create() } (received ${describe(value)}); export defineDriver({ name, apiVersion: 1, create }).`,
    );
  }
  if (value.apiVersion !== DRIVER_API_VERSION) {
    throw new GluonError(
      'GLUON_ERR_PLUGIN_API_VERSION',
      `Plugin package "${pkg.name}": the driver "${value.name}" for service "${service}" declares apiVersion ${JSON.stringify(value.apiVersion)}; this gluon-net implements version ${DRIVER_API_VERSION}.`,
    );
  }
  return value;
}

async function loadHooks(pkg: PluginPackage, entry: Entry): Promise<ServerHooksDefinition> {
  const value = await loadExport(pkg, entry);
  if (!isHooksDefinition(value)) {
    throw new GluonError(
      'GLUON_ERR_PLUGIN_NOT_HOOKS',
      `Plugin package "${pkg.name}": ${entry.where} (export "${entry.exportName}" of ${entry.file}) is not a server hooks definition { name, apiVersion, beforeWrite?, afterWrite?, decideBind? } (received ${describe(value)}); export defineHooks({ name, apiVersion: 1, … }).`,
    );
  }
  if (value.apiVersion !== HOOKS_API_VERSION) {
    throw new GluonError(
      'GLUON_ERR_PLUGIN_API_VERSION',
      `Plugin package "${pkg.name}": the server hooks "${value.name}" declare apiVersion ${JSON.stringify(value.apiVersion)}; this gluon-net implements version ${HOOKS_API_VERSION}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function malformed(pkg: PluginPackage, why: string): GluonError {
  return new GluonError('GLUON_ERR_PLUGIN_MALFORMED', `Plugin package "${pkg.name}" ${why}.`);
}

function fileNotFound(pkg: PluginPackage, missing: { where: string; spec: string; file: string }): GluonError {
  const { where, spec, file } = missing;
  return new GluonError(
    'GLUON_ERR_PLUGIN_FILE_NOT_FOUND',
    `Plugin package "${pkg.name}": ${where} = ${JSON.stringify(spec)} but ${file} does not exist (is the plugin built?).`,
    { details: [{ field: where, rule: 'file', value: spec, message: `${file} does not exist` }] },
  );
}
