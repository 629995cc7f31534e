import type { Command, CommanderError } from 'commander';
import { packageVersion } from '../../server/index.js';
import { EXIT_CONFIG } from './exit.js';

/** Commander outcomes that are not usage errors: help and version output exit 0. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

/**
 * The conventions every `gluon` command follows, applied to the program and (recursively)
 * every command added to it — call it once, after the last `addCommand`:
 * - `gluon --version` / `-V` prints the package version;
 * - every usage error (unknown command or flag, missing argument or flag value) exits
 *   {@link EXIT_CONFIG} (2), like a bad flag value, instead of commander's 1.
 */
export function applyCliConventions(program: Command): Command {
  program.version(packageVersion(), '-V, --version', 'print the gluon-net version');
  const visit = (command: Command): void => {
    command.exitOverride((err: CommanderError) => {
      process.exit(NOT_ERRORS.has(err.code) ? err.exitCode : EXIT_CONFIG);
    });
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  return program;
}
