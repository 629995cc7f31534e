import { Command } from 'commander';
import { registerModelsCommand } from './commands/models-check.js';

const program = new Command('gluon').description('gluon-net command line').showHelpAfterError();
registerModelsCommand(program);
await program.parseAsync(process.argv);
