import { Command } from 'commander';
import { arbiterCommand } from './commands/arbiter.js';
import { registerImportGluonCommand } from './commands/db-import-gluon.js';
import { applyCliConventions } from './commands/conventions.js';
import { dbCommand } from './commands/db.js';
import { registerModelsCommand } from './commands/models-check.js';
import { policyCommand } from './commands/policy.js';
import { tokenCommand } from './commands/token.js';
import { resyncCommand } from './commands/resync.js';
import { serveCommand } from './commands/serve.js';
import { shimCommand } from './commands/shim-run.js';

const program = new Command('gluon').description('gluon-net command line').showHelpAfterError();
program.addCommand(serveCommand());
program.addCommand(resyncCommand());
program.addCommand(dbCommand());
registerModelsCommand(program);
program.addCommand(shimCommand());
program.addCommand(arbiterCommand());
program.addCommand(policyCommand());
program.addCommand(tokenCommand());
registerImportGluonCommand(program);
// After the last addCommand: the conventions reach every command.
applyCliConventions(program);
await program.parseAsync(process.argv);
