import { defineConfig } from 'tsup';
import pkg from './package.json' with { type: 'json' };

/**
 * The build entries are exactly the package's `exports` map (plus the CLI):
 * every public subpath gets an ESM and a CJS bundle with declarations.
 */
const subpathToSource: Record<string, string> = {
  '.': 'src/index.ts',
  './drivers': 'src/drivers/index.ts',
  './shim-sdk': 'src/shim-sdk/index.ts',
  './testing': 'src/testing/index.ts',
};

const entry: Record<string, string> = {};
for (const subpath of Object.keys(pkg.exports)) {
  if (subpath === './package.json') continue;
  const source = subpathToSource[subpath];
  if (source === undefined) throw new Error(`tsup.config.ts: no source file mapped for export "${subpath}"`);
  entry[subpath === '.' ? 'index' : subpath.slice(2)] = source;
}

/**
 * Optional dependencies stay imports (tsup bundles what is not a dependency or peer
 * dependency): better-sqlite3 is a native module loaded at run time.
 */
const external = Object.keys(pkg.optionalDependencies);

export default defineConfig([
  {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    external,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    clean: false,
    external,
  },
]);
