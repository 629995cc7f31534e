import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory this module's file is in, under ESM (source, tests) and CJS (dist) alike. */
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The version of the installed gluon-net package (the nearest `package.json` named
 * `gluon-net` above this module), or `unknown` when it cannot be read.
 * @internal
 */
export function packageVersion(): string {
  let dir = moduleDir();
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
        if (parsed.name === 'gluon-net' && typeof parsed.version === 'string') return parsed.version;
      } catch {
        // unreadable manifest: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
