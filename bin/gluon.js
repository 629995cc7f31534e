#!/usr/bin/env node
// The `gluon` command. It runs the built CLI (dist/cli.js); in a source checkout that
// has not been built yet it says how to build instead of failing with a stack trace.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('gluon: the CLI is not built yet (dist/cli.js is missing). Run `npm run build` in the gluon-net checkout, then try again.\n');
  process.exit(1);
}
await import(cli.href);
