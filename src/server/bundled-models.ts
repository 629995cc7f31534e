import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors/index.js';

/** The directory this module's file is in, under ESM (source, tests) and CJS (dist) alike. */
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The `models/` directory bundled with the installed gluon-net package, found by walking
 * up from this module to the package root (the nearest `package.json` named `gluon-net`).
 * It does not depend on the working directory.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` when the package root or its `models/` is missing.
 */
export function bundledModelsDir(): string {
  const root = packageRoot();
  const models = join(root, 'models');
  if (existsSync(models)) return models;
  throw new ConfigError(`The gluon-net package at ${root} has no bundled models/ directory; pass the models option (--models) with your model files.`);
}

/**
 * The `ui/` directory bundled with the installed gluon-net package: the live view's page,
 * script and style sheet (served at `/proton/ui`), found like {@link bundledModelsDir}.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` when the package root or its `ui/` is missing.
 */
export function bundledUiDir(): string {
  const root = packageRoot();
  const ui = join(root, 'ui');
  if (existsSync(ui)) return ui;
  throw new ConfigError(`The gluon-net package at ${root} has no bundled ui/ directory (the live view's files); reinstall the package.`);
}

/**
 * The `templates/` directory bundled with the installed gluon-net package: the starting
 * points `gluon new api|shim|driver|server` copies, found like {@link bundledModelsDir}.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` when the package root or its `templates/` is missing.
 */
export function bundledTemplatesDir(): string {
  const root = packageRoot();
  const templates = join(root, 'templates');
  if (existsSync(templates)) return templates;
  throw new ConfigError(`The gluon-net package at ${root} has no bundled templates/ directory (what gluon new copies); reinstall the package.`);
}

/** The version of the installed gluon-net package (its package.json `version`), e.g. for `gluon --version`. */
export function packageVersion(): string {
  const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

/** The installed package's root: the nearest directory above this module whose `package.json` is named `gluon-net`. */
function packageRoot(): string {
  let dir = moduleDir();
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'gluon-net') return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ConfigError(`Cannot find the gluon-net package root above ${moduleDir()} to locate its bundled models/; pass the models option (--models).`);
    }
    dir = parent;
  }
}

function readPackageName(path: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}
