import { Command, CommanderError } from 'commander';
import { readFile } from 'node:fs/promises';
import { GluonError, isGluonError } from '../../core/errors/index.js';
import { resourceCommand, type ClientContext } from './commands.js';
import { completionScript } from './completion.js';
import { resolveConnection, resolveCredentials } from './credentials.js';
import { discover, findResource } from './discovery.js';
import { extractGlobalOptions, GLOBAL_HELP } from './global-options.js';
import { ClientHttp, ServerFault } from './http.js';

/** Exit code of a success. */
export const EXIT_OK = 0;
/** Exit code of a runtime failure (server fault, unreachable server, refused credentials). */
export const EXIT_RUNTIME = 1;
/** Exit code of a usage error (unknown command or flag, a value refused locally). */
export const EXIT_USAGE = 2;

/** Where a client run reads and writes (the process's by default; tests pass their own). */
export interface ClientIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Stops a `--watch` (embedders and tests; the command line stops it with Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** The process's own streams and environment (Ctrl-C ends the process as usual, a `--watch` too). */
export function processIo(): ClientIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() };
}

/** Prints an error the way the client does: the message, `[code]`, and each detail. */
export function errorText(prog: string, err: unknown): string {
  if (err instanceof ServerFault) {
    const details = err.details.map((d) => `  - ${d.field}: ${d.message} (rule ${d.rule}, value ${JSON.stringify(d.value ?? null)})`);
    return [`${prog}: the server answered ${err.status} [${err.serverCode}]: ${err.message}`, ...details].join('\n') + '\n';
  }
  if (isGluonError(err)) {
    const details = err.details.length > 1 ? err.details.map((d) => `  - ${d.field}: ${d.message} (rule ${d.rule})`) : [];
    return [`${prog}: ${err.message} [${err.code}]`, ...details].join('\n') + '\n';
  }
  return `${prog}: ${err instanceof Error ? err.message : String(err)}\n`;
}

/** Exit code of a failure: 2 for usage errors, 1 for everything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return isGluonError(err) && err.code === 'GLUON_ERR_CLI_USAGE' ? EXIT_USAGE : EXIT_RUNTIME;
}

/**
 * Runs one client command line (`<resource> <action> …` with global options anywhere):
 * reads the credentials, discovers what the server serves, builds the typed commands
 * and runs the one asked for. Returns the exit code.
 */
export async function runClient(argv: readonly string[], io: ClientIo = processIo()): Promise<number> {
  let http: ClientHttp | undefined;
  let serverUrl: string | undefined;
  try {
    const { options, rest } = extractGlobalOptions(argv);
    if (rest[0] === 'completion' && rest[1] !== 'resources') {
      io.stdout(completionScript(rest[1] ?? 'bash'));
      return EXIT_OK;
    }
    const connection = resolveConnection(options, io.env, io.cwd);
    const trustedCa = await readCaFile(connection.cacert);
    http = new ClientHttp({ ...(options.debug ? { debug: (line: string) => io.stderr(`${line}\n`) } : {}), ...(trustedCa === undefined ? {} : { trustedCa }) });
    const credentials = await resolveCredentials(http, connection);
    http.useCredentials(credentials);
    serverUrl = credentials.url;
    const catalog = await discover(http, credentials.url, options.api !== undefined && options.apiVersion !== undefined ? { [options.api]: options.apiVersion } : {});
    if (rest[0] === 'completion') {
      io.stdout(`${[...new Set(catalog.resources.map((r) => r.name))].sort().join('\n')}\n`);
      return EXIT_OK;
    }
    const resource = findResource(catalog, rest[0] ?? '', options.api);
    const ctx: ClientContext = {
      http,
      catalog,
      output: { format: options.format, columns: options.columns },
      print: (text) => {
        if (text !== '') io.stdout(`${text}\n`);
      },
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    };
    const program = new Command('gluon').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    program.addCommand(resourceCommand(ctx, resource));
    for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
      command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).addHelpText('after', GLOBAL_HELP);
    }
    await program.parseAsync([resource.name, ...rest.slice(1)], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof CommanderError)) io.stderr(errorText('gluon', err));
    if (err instanceof ServerFault && err.status === 401 && http !== undefined && serverUrl !== undefined) io.stderr(await tokenHint(http, serverUrl));
    return exitCodeOf(err);
  } finally {
    await http?.close();
  }
}

/**
 * True when a `gluon` command line is a client command (`[global options] <resource> …`
 * or `completion …`), false when it is one of the built-in commands, help or version.
 */
export function isClientCommandLine(argv: readonly string[], builtins: ReadonlySet<string>): boolean {
  let rest: string[];
  try {
    rest = extractGlobalOptions(argv).rest;
  } catch {
    return true;
  }
  const [first, second] = rest;
  if (first === undefined || first.startsWith('-') || first === 'help' || builtins.has(first)) return false;
  if (first === 'completion') return true;
  // `gluon <resource> <action> …`: a lone unknown word is a usage error for commander (exit 2)
  return second !== undefined && (CLIENT_ACTIONS.has(second) || second === 'help' || second.startsWith('-'));
}

/** The actions of every resource command (`gluon <resource> <action>`). */
const CLIENT_ACTIONS: ReadonlySet<string> = new Set(['list', 'show', 'create', 'set', 'unset', 'delete', 'describe']);

/** After a 401: how to give gluon credentials, and how this server wants callers to get a token (from `GET /proton/capabilities`, when it serves one). */
async function tokenHint(http: ClientHttp, url: string): Promise<string> {
  const withGluon = 'give gluon credentials: --os-cloud <profile>, the OS_* variables or --os-token (docs/cli.md).';
  try {
    const answer = await http.send('GET', `${url}/proton/capabilities`);
    const auth = (answer.body as { auth?: { strategy?: string; auth_url?: string; how_to_get_token?: string } } | undefined)?.auth;
    if (answer.status !== 200 || auth?.how_to_get_token === undefined) return `hint: ${withGluon}\n`;
    const where = auth.auth_url === undefined ? '' : ` (Keystone: ${auth.auth_url})`;
    return `hint: the server authenticates with ${auth.strategy ?? '?'}${where}: ${auth.how_to_get_token} To ${withGluon}\n`;
  } catch {
    return `hint: ${withGluon}\n`;
  }
}

/**
 * Ends the process with `code` once everything written to stdout and stderr has been
 * handed to the OS (a pipe is written asynchronously: `process.exit` alone could cut a
 * long `list -f json | jq` short).
 */
export async function exitAfterFlush(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}

/** The PEM text of the CA file the connection names (undefined: the system CAs). */
async function readCaFile(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new GluonError('GLUON_ERR_CLI_USAGE', `The CA file ${file} (--os-cacert, OS_CACERT or the profile's cacert) cannot be read (${reason}); give a readable PEM file.`, { cause: err });
  }
}
