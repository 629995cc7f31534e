/**
 * How the benchmarks start the `gluon` command: as a user's shell does, with the node
 * flags of `bin/gluon.js`'s `#!` line (`gluon` on the PATH runs them; `node bin/gluon.js`
 * alone would not), plus any flags a benchmark adds (e.g. `--cpu-prof`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout the benchmarks run from. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The `gluon` command of a checkout. */
export function gluonBin(root: string = ROOT): string {
  return join(root, 'bin', 'gluon.js');
}

/**
 * The node flags on the `#!` line of a checkout's `bin/gluon.js`
 * (`#!/usr/bin/env -S node --max-semi-space-size=2` → `['--max-semi-space-size=2']`).
 */
export function gluonNodeFlags(root: string = ROOT): string[] {
  const first = readFileSync(gluonBin(root), 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!\s*/, '').split(/\s+/).filter((word) => word !== '');
  const node = words.findIndex((word) => word === 'node' || word.endsWith('/node'));
  return node < 0 ? [] : words.slice(node + 1);
}

/** Arguments of `node` that run `gluon <args>` as the shell would, with `extraFlags` after the `#!` line's. */
export function gluonArgv(args: readonly string[], options: { readonly extraFlags?: readonly string[]; readonly root?: string } = {}): string[] {
  const root = options.root ?? ROOT;
  return [...gluonNodeFlags(root), ...(options.extraFlags ?? []), gluonBin(root), ...args];
}
