import type { Command } from 'commander';

/** Loads one built-in command's module and adds the command to the program. */
type CommandLoader = (program: Command) => Promise<void>;

/**
 * The built-in `gluon` commands, in the order `gluon --help` lists them. Each entry loads
 * its command's module only when called, so a process pays only for the command it
 * runs: `gluon shim run` loads no HTTP server, database or metrics code.
 */
export const BUILT_IN_COMMANDS: Readonly<Record<string, CommandLoader>> = {
  serve: async (program) => {
    program.addCommand((await import('./commands/serve.js')).serveCommand());
  },
  resync: async (program) => {
    program.addCommand((await import('./commands/resync.js')).resyncCommand());
  },
  db: async (program) => {
    program.addCommand((await import('./commands/db.js')).dbCommand());
    (await import('./commands/db-import-gluon.js')).registerImportGluonCommand(program);
  },
  models: async (program) => {
    (await import('./commands/models-check.js')).registerModelsCommand(program);
  },
  shim: async (program) => {
    program.addCommand((await import('./commands/shim-run.js')).shimCommand());
  },
  arbiter: async (program) => {
    program.addCommand((await import('./commands/arbiter.js')).arbiterCommand());
  },
  policy: async (program) => {
    program.addCommand((await import('./commands/policy.js')).policyCommand());
  },
  token: async (program) => {
    program.addCommand((await import('./commands/token.js')).tokenCommand());
  },
  etcd: async (program) => {
    program.addCommand((await import('./commands/etcd-roles.js')).etcdCommand());
  },
  new: async (program) => {
    program.addCommand((await import('./commands/new.js')).newCommand());
  },
};

/**
 * Adds to `program` the built-in commands `args` can reach: only the named one when the
 * command line starts with a built-in command's name, otherwise all of them (for the
 * help listing and for usage errors).
 */
export async function addBuiltInCommands(program: Command, args: readonly string[]): Promise<void> {
  const first = args[0];
  const names = first !== undefined && Object.hasOwn(BUILT_IN_COMMANDS, first) ? [first] : Object.keys(BUILT_IN_COMMANDS);
  for (const name of names) await BUILT_IN_COMMANDS[name]?.(program);
}
