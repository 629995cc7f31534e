import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { GluonError } from '../../core/errors/index.js';

/** A plugin package found on disk. @internal */
export interface PluginPackage {
  /** Package name (from its package.json; the path for unnamed local packages). */
  readonly name: string;
  /** Absolute package directory. */
  readonly dir: string;
  /** Its parsed package.json. */
  readonly manifest: Readonly<Record<string, unknown>>;
}

/** Reads and parses a package.json. @internal */
export function readManifest(file: string, owner: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new GluonError('GLUON_ERR_PLUGIN_MALFORMED', `Cannot read the package.json of ${owner} (${file}): ${err instanceof Error ? err.message : String(err)}.`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GluonError('GLUON_ERR_PLUGIN_MALFORMED', `The package.json of ${owner} (${file}) is not a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Finds a package as the application at `root` would import it: resolution runs from the
 * application's package.json (`createRequire`), never from gluon-net's own location, so
 * strict layouts (pnpm) work. A specifier starting with `.` or `/` is a local package
 * directory relative to `root`.
 * @internal
 */
export function resolvePackage(root: string, specifier: string): PluginPackage {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const dir = resolve(root, specifier);
    const file = join(dir, 'package.json');
    if (!existsSync(file)) {
      throw new GluonError('GLUON_ERR_PLUGIN_NOT_FOUND', `Plugin "${specifier}" not found: ${file} does not exist (local plugins are package directories relative to ${root}).`);
    }
    const manifest = readManifest(file, `plugin "${specifier}"`);
    return { name: typeof manifest['name'] === 'string' ? manifest['name'] : specifier, dir, manifest };
  }
  const require = createRequire(join(root, 'package.json'));
  let file: string | undefined;
  try {
    file = require.resolve(`${specifier}/package.json`);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') file = walkUpToPackage(require, specifier);
    else {
      throw new GluonError(
        'GLUON_ERR_PLUGIN_NOT_FOUND',
        `Plugin package "${specifier}" cannot be resolved from the application root ${root}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}. Install it there (npm install ${specifier}).`,
        { cause: err },
      );
    }
  }
  return { name: specifier, dir: dirname(file), manifest: readManifest(file, `plugin package "${specifier}"`) };
}

/** For packages whose `exports` hide package.json: resolve the main entry and walk up. */
function walkUpToPackage(require: NodeJS.Require, specifier: string): string {
  let entry: string;
  try {
    entry = require.resolve(specifier);
  } catch (err) {
    throw new GluonError('GLUON_ERR_PLUGIN_NOT_FOUND', `Plugin package "${specifier}" hides its package.json and has no resolvable main entry: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}.`, { cause: err });
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = readManifest(file, `plugin package "${specifier}"`);
      if (manifest['name'] === specifier) return file;
    }
    if (dirname(dir) === dir) break;
  }
  throw new GluonError('GLUON_ERR_PLUGIN_NOT_FOUND', `Plugin package "${specifier}": no package.json named "${specifier}" above ${entry}.`);
}
