import { Command } from 'commander';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../core/auth/index.js';

/** `gluon token new` / `gluon token hash`: static API tokens for the token-file authenticator. */
export function tokenCommand(): Command {
  const token = new Command('token').description('Static API tokens for the token-file authenticator (see docs/security.md).');
  token
    .command('new')
    .description('Generate a token; print it once and the token file entry (holding only its SHA-256).')
    .requiredOption('--user <id>', 'user id of the caller')
    .requiredOption('--project <id>', 'project (tenant) id the caller acts in')
    .option('--roles <names>', 'comma-separated roles', 'member')
    .option('--name <label>', 'label for logs (default: the user id)')
    .option('--expires <iso-date>', 'refuse the token from this ISO-8601 date-time on')
    .action((opts: { user: string; project: string; roles: string; name?: string; expires?: string }) => {
      const expiresAt = opts.expires === undefined ? undefined : new Date(opts.expires);
      if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) {
        console.error(`gluon token new: --expires "${opts.expires ?? ''}" is not an ISO-8601 date-time (e.g. 2027-01-01T00:00:00Z)`);
        process.exitCode = 2;
        return;
      }
      const secret = generateApiToken();
      console.log(`token (shown once, send it as X-Auth-Token): ${secret}`);
      console.log('token file entry (add under "tokens:"):');
      process.stdout.write(
        formatTokenEntry({
          name: opts.name ?? opts.user,
          sha256: hashApiToken(secret),
          userId: opts.user,
          projectId: opts.project,
          roles: opts.roles.split(',').map((r) => r.trim()).filter((r) => r !== ''),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        }),
      );
    });
  token
    .command('hash')
    .description('Print the SHA-256 of a token (the "sha256" of its token file entry).')
    .argument('<token>', 'the token')
    .action((secret: string) => {
      console.log(hashApiToken(secret));
    });
  return token;
}
