#!/usr/bin/env -S node --max-semi-space-size=2
// The `gluon` command. It runs the built CLI (dist/cli.js); in a source checkout that
// has not been built yet it says how to build instead of failing with a stack trace.
//
// The flag on the first line caps V8's young generation at 2 MiB semi-spaces: V8 grows
// them to 16 MiB during start-up and never gives the memory back, which left a `gluon
// serve` or `gluon shim run` idling about 20 MiB larger at the same CPU per request
// (docs/benchmarks.md, "Memory footprint"). Running `node [flags] bin/gluon.js` instead
// (or NODE_OPTIONS) chooses other flags.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('gluon: the CLI is not built yet (dist/cli.js is missing). Run `npm run build` in the gluon-net checkout, then try again.\n');
  process.exit(1);
}
await import(cli.href);
