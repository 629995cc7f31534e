// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Part folders: another folder may import them only through their index.ts. */
const parts = [
  'core/errors', 'core/log', 'core/retry', 'core/http-client', 'core/model', 'core/registry', 'core/store', 'core/kv', 'core/sync', 'core/binding',
  'core/http', 'core/auth', 'core/arbiter', 'core/wire', 'core/import', 'drivers', 'shim-sdk', 'server', 'cli', 'testing',
];

/**
 * Files that keep functions of more than three positional parameters, each for a reason
 * that outweighs an options object. Nothing else may join without one.
 */
const maxParamsExempt = [
  // ProtonHooks.authorizeStored(request, context, stored, patch): the public, documented hook signature embedders implement.
  'src/core/http/auth-hooks.ts',
  // get/list/create/update/delete(api, object, key, …, options): the public ProtonStore interface it implements (docs/, BackendDriver conformance).
  'src/core/http/served-store.ts',
  // the same ProtonStore methods, on the write and read hot path (bench/ figures).
  'src/core/store/sql-store.ts',
  // run/all(sql, params, tx, guard) run once per statement on the hot path: positional arguments allocate nothing per call.
  'src/core/store/sqlite-connection.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-docs/**', 'node_modules/**', 'coverage/**', 'examples/**/dist/**', 'examples/**/node_modules/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'No `export *`: export names explicitly.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      // more than three positional parameters: take an options object instead
      'max-params': ['error', 3],
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: `^(\\.\\./)+(${parts.join('|')})/(?!index\\.js$).+`,
          message: 'Import another part only through its index.ts.',
        }],
      }],
    },
  },
  {
    // Typed lint over the library: a promise nobody awaits or handles becomes an unhandled
    // rejection, which kills the host process of whoever embeds gluon-net.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The live view's script module runs in the browser.
    files: ['ui/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', sessionStorage: 'readonly', TextDecoderStream: 'readonly', HTMLInputElement: 'readonly' } },
    rules: { 'no-console': 'error' },
  },
  { files: maxParamsExempt, rules: { 'max-params': 'off' } },
  { files: ['src/cli/**/*.ts', 'bench/**', 'examples/**', 'test/**', 'bin/**'], rules: { 'no-console': 'off' } },
);
