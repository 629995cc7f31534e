import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';
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
const external = [...Object.keys(pkg.optionalDependencies), 'mysql2'];

/**
 * The CLI is one bundle per command plus a small dispatcher (`dist/cli.js`): the
 * dispatcher's dynamic `import('./commands/<name>.js')` (and of the client) becomes an
 * import of the separately built `dist/cli-<name>.js`, so a process loads only the
 * command it runs. (esbuild's code splitting would not do: it shares chunks by whole
 * files, and the part doors pull every file of a part into the chunk shared by all.)
 */
const cliCommandEntries: Record<string, string> = { 'cli-client': 'src/cli/client/index.ts' };
for (const [, name] of readFileSync('src/cli/built-in-commands.ts', 'utf8').matchAll(/import\('\.\/commands\/([\w-]+)\.js'\)/g)) {
  cliCommandEntries[`cli-${name!}`] = `src/cli/commands/${name!}.ts`;
}

/** Resolves the dispatcher's dynamic imports of commands to their own bundles. */
const cliCommandsAsOwnBundles: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'cli-commands-as-own-bundles',
  setup(build) {
    build.onResolve({ filter: /^\.\/(commands\/[\w-]+|client\/index)\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = args.path === './client/index.js' ? 'client' : args.path.slice('./commands/'.length, -'.js'.length);
      return { path: `./cli-${name}.js`, external: true };
    });
  },
};

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
    entry: { cli: 'src/cli/main.ts', ...cliCommandEntries },
    format: ['esm'],
    // each entry is self-contained: a command's bundle holds exactly the code it uses
    splitting: false,
    esbuildPlugins: [cliCommandsAsOwnBundles],
    sourcemap: true,
    target: 'node20',
    clean: false,
    external,
  },
]);
