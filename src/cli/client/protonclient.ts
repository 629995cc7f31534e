import { GluonError } from '../../core/errors/index.js';
import { resolveConnection, resolveCredentials } from './credentials.js';
import { discover, type Catalog, type Resource } from './discovery.js';
import { parseAttributeValue } from './flags.js';
import { ClientHttp, ServerFault } from './http.js';
import { processIo, type ClientIo } from './run.js';

const ACTIONS = ['list', 'show', 'create', 'update', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

interface Parsed {
  api?: string;
  host: string;
  port: string;
  command?: string;
  positional: string[];
  flags: Map<string, string>;
  help: boolean;
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  const parsed: Parsed = { host: env['OS_PROTON_HOST'] ?? '127.0.0.1', port: env['OS_PROTON_PORT'] ?? '2705', positional: [], flags: new Map(), help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw name === 'api' ? new ProtonclientUsage('API name is not specified!', 255) : new ProtonclientUsage(`Error: Option '--${name}' requires an argument.`);
      if (name === 'api') parsed.api = value;
      else if (name === 'host') parsed.host = value;
      else if (name === 'port') parsed.port = value;
      else parsed.flags.set(name, value);
    } else if (parsed.command === undefined) parsed.command = arg;
    else parsed.positional.push(arg);
  }
  return parsed;
}

/** A usage error of protonclient: printed with the usage line; exit 2 (click's), 255 for the `--api` checks (the original's `exit(-1)`). */
class ProtonclientUsage extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

function usageText(catalog: Catalog | undefined): string {
  const apis = catalog === undefined ? '' : `, one of [${catalog.apis.join(', ')}]`;
  return `Usage: protonclient --api <api_name> [OPTIONS] COMMAND [ARGS]...

Options:
  --api TEXT      Name of API${apis}
  --host TEXT     Host of endpoint (OS_PROTON_HOST)
  --port INTEGER  Port of endpoint (OS_PROTON_PORT)
  --help          Show this message and exit.
`;
}

function commandList(catalog: Catalog, api: string): string {
  const names = catalog.resources.filter((r) => r.api === api).flatMap((r) => ACTIONS.map((a) => `${r.name}-${a}`));
  return `\nCommands:\n${names.map((n) => `  ${n}`).join('\n')}\n`;
}

function splitCommand(catalog: Catalog, api: string, command: string): { resource: Resource; action: Action } {
  const dash = command.lastIndexOf('-');
  const name = command.slice(0, dash).toLowerCase();
  const action = command.slice(dash + 1) as Action;
  const resource = catalog.resources.find((r) => r.api === api && r.name.toLowerCase() === name);
  if (dash < 0 || resource === undefined || !ACTIONS.includes(action)) throw new ProtonclientUsage(`Error: No such command "${command}".`);
  return { resource, action };
}

function body(resource: Resource, action: Action, flags: ReadonlyMap<string, string>): Record<string, unknown> {
  const attributes = action === 'create' ? resource.create.attributes : resource.update;
  const out: Record<string, unknown> = {};
  for (const [name, text] of flags) {
    const schema = attributes[name];
    if (schema === undefined || schema.readOnly === true) throw new ProtonclientUsage(`Error: no such option: --${name}`);
    out[name] = parseAttributeValue(name, schema, text);
  }
  if (action === 'create') {
    const missing = resource.create.required.filter((r) => out[r] === undefined);
    if (missing.length > 0) throw new ProtonclientUsage(`Error: Missing option "--${missing[0] ?? ''}".`);
  }
  return out;
}

async function execute(http: ClientHttp, catalog: Catalog, resource: Resource, action: Action, parsed: Parsed): Promise<unknown> {
  const base = `${catalog.baseUrl}${resource.path}`;
  const id = parsed.positional[0];
  if (action !== 'list' && action !== 'create' && id === undefined) throw new ProtonclientUsage(`Error: Missing argument "${resource.pk.toUpperCase()}".`);
  const member = `${base}/${encodeURIComponent(id ?? '')}`;
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<unknown> => {
    const answer = await http.send(method, url, payload);
    if (answer.status < 200 || answer.status > 299) throw new GluonError('GLUON_ERR_CLI_FAULT', `Bad return status ${answer.status}`, { status: answer.status });
    return answer.body;
  };
  switch (action) {
    case 'list':
      return ((await call('GET', base)) as Record<string, unknown>)[resource.plural];
    case 'show':
      return call('GET', member);
    case 'create':
      return call('POST', base, body(resource, action, parsed.flags));
    case 'update':
      return call('PUT', member, body(resource, action, parsed.flags));
    case 'delete':
      await call('DELETE', member);
      return undefined;
  }
}

/**
 * The credentials the original read: a token only when `OS_AUTH_URL`, `OS_TENANT_NAME`,
 * `OS_USERNAME` and `OS_PASSWORD` are all set (it asked Keystone v2.0, which Keystone no
 * longer serves: the same credentials go to v3, in the Default domains), or `OS_TOKEN`.
 */
function originalAuthEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...(env['HOME'] === undefined ? {} : { HOME: env['HOME'] }), ...(env['XDG_CACHE_HOME'] === undefined ? {} : { XDG_CACHE_HOME: env['XDG_CACHE_HOME'] }) };
  if (env['OS_TOKEN'] !== undefined) return { ...out, OS_TOKEN: env['OS_TOKEN'] };
  const project = env['OS_TENANT_NAME'] ?? env['OS_PROJECT_NAME'];
  const { OS_AUTH_URL: authUrl, OS_USERNAME: username, OS_PASSWORD: password } = env;
  if (authUrl === undefined || project === undefined || username === undefined || password === undefined) return out;
  return {
    ...out,
    OS_AUTH_URL: authUrl.replace(/\/v2\.0\/?$/, ''),
    OS_USERNAME: username,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    OS_USER_DOMAIN_NAME: env['OS_USER_DOMAIN_NAME'] ?? 'Default',
    OS_PROJECT_DOMAIN_NAME: env['OS_PROJECT_DOMAIN_NAME'] ?? 'Default',
  };
}

/**
 * `protonclient`: the original Gluon client's command line (`--api <name>
 * <obj>-list|-show|-create|-update|-delete`, `--host`/`--port`, `OS_PROTON_HOST`/`OS_PROTON_PORT`,
 * attribute flags spelled as the attributes), printing what it printed: the JSON answer
 * indented by 4, nothing for a delete, `Bad return status N` for a failure.
 */
export async function runProtonclient(argv: readonly string[], io: ClientIo = processIo()): Promise<number> {
  let catalog: Catalog | undefined;
  try {
    const parsed = parseArgs(argv, io.env);
    const http = new ClientHttp();
    http.useCredentials(await resolveCredentials(http, resolveConnection({ format: 'table', columns: [], debug: false, os: {} }, originalAuthEnv(io.env), io.cwd)));
    catalog = await discover(http, `http://${parsed.host}:${parsed.port}`);
    const api = parsed.api ?? (catalog.apis.length === 1 ? catalog.apis[0] : undefined);
    if (api === undefined) throw new ProtonclientUsage('--api is not specified!', 255);
    if (!catalog.apis.includes(api)) throw new ProtonclientUsage('Invalid API name!', 255);
    if (parsed.command === undefined || parsed.help) {
      io.stdout(usageText(catalog) + commandList(catalog, api));
      return parsed.command === undefined && !parsed.help ? 2 : 0;
    }
    const { resource, action } = splitCommand(catalog, api, parsed.command);
    const result = await execute(http, catalog, resource, action, parsed);
    if (action !== 'delete') io.stdout(`${JSON.stringify(result, null, 4)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ProtonclientUsage) {
      io.stderr(`${err.message}\n${usageText(catalog)}`);
      return err.exitCode;
    }
    const code = (err as { code?: string }).code === 'GLUON_ERR_CLI_USAGE' ? 2 : 1;
    // a fault while discovering the commands reads like one of a command: the original's words
    const message = err instanceof ServerFault ? `Bad return status ${err.status}` : (err as Error).message;
    io.stderr(`GluonClientException: ${message}\n`);
    return code;
  }
}
