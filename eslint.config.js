// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Part folders: another folder may import them only through their index.ts. */
const parts = [
  'core/errors', 'core/log', 'core/retry', 'core/http-client', 'core/model', 'core/registry', 'core/store', 'core/kv', 'core/sync', 'core/binding',
  'core/http', 'core/auth', 'core/arbiter', 'drivers', 'shim-sdk', 'server', 'cli', 'testing',
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
  { files: ['src/cli/**/*.ts', 'bench/**', 'examples/**', 'test/**', 'bin/**'], rules: { 'no-console': 'off' } },
);
