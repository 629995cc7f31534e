#!/usr/bin/env node
// The `protonclient` command: the original Gluon client's command line, served by the
// gluon CLI bundle (dist/cli.js), which picks it from this file's name.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('protonclient: the CLI is not built yet (dist/cli.js is missing). Run `npm run build` in the gluon-net checkout, then try again.\n');
  process.exit(1);
}
await import(cli.href);
