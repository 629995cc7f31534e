import { basename } from 'node:path';
import { Command } from 'commander';
import { BUILT_IN_COMMANDS, addBuiltInCommands } from './built-in-commands.js';
import { applyCliConventions } from './commands/conventions.js';

const args = process.argv.slice(2);
if (basename(process.argv[1] ?? '').startsWith('protonclient')) {
  const client = await import('./client/index.js');
  await client.exitAfterFlush(await client.runProtonclient(args));
}
if (args[0] === undefined || !Object.hasOwn(BUILT_IN_COMMANDS, args[0])) {
  const client = await import('./client/index.js');
  if (client.isClientCommandLine(args, new Set(Object.keys(BUILT_IN_COMMANDS)))) await client.exitAfterFlush(await client.runClient(args));
}
const program = new Command('gluon').description('gluon-net command line').showHelpAfterError();
await addBuiltInCommands(program, args);
// After the last addCommand: the conventions reach every command.
applyCliConventions(program);
program.addHelpText('after', '\nClient commands (generated from the server): gluon <resource> list|show|create|set|unset|delete|describe; see docs/cli.md.');
await program.parseAsync(process.argv);
