import { Command } from 'commander';

const program = new Command('gluon').description('gluon-net command line').showHelpAfterError();
await program.parseAsync(process.argv);
