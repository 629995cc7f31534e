import { isGluonError } from '../../core/errors/index.js';
import { resolveConnection, resolveCredentials } from './credentials.js';
import { discover, type AttributeSchema, type Catalog, type Resource } from './discovery.js';
import { parseAttributeValue } from './flags.js';
import { ClientHttp, ServerFault } from './http.js';
import { processIo, type ClientIo } from './run.js';

const ACTIONS = ['list', 'show', 'create', 'update', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

/** The exception the original printed (its traceback limit 0 left only this line). */
const EXCEPTION = 'gluon.common.exception.GluonClientException';

interface Parsed {
  api?: string;
  host: string;
  port: string;
  command?: string;
  positional: string[];
  flags: Map<string, string>;
  help: boolean;
}

/**
 * A usage error. With `command`, printed as click printed it (`Usage: …`, `Try … --help`,
 * `Error: …`, exit 2); without, the `--api` checks of the original: the message, the
 * usage, exit 255 (its `exit(-1)`).
 */
class ProtonclientUsage extends Error {
  constructor(
    message: string,
    /** The click usage line of the command (`port-create [OPTIONS]`), or '' for the top level. */
    readonly usage?: string,
  ) {
    super(message);
  }
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  const parsed: Parsed = { host: env['OS_PROTON_HOST'] ?? '127.0.0.1', port: env['OS_PROTON_PORT'] ?? '2705', positional: [], flags: new Map(), help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help') parsed.help = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) {
        throw name === 'api' ? new ProtonclientUsage('API name is not specified!') : new ProtonclientUsage(`Option '--${name}' requires an argument.`, `${parsed.command ?? ''} [OPTIONS]`.trim());
      }
      if (name === 'api') parsed.api = value;
      else if (name === 'host') parsed.host = value;
      else if (name === 'port') parsed.port = value;
      else parsed.flags.set(name, value);
    } else if (parsed.command === undefined) parsed.command = arg;
    else parsed.positional.push(arg);
  }
  return parsed;
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

function commandUsage(resource: Resource, action: Action): string {
  const pk = action === 'show' || action === 'update' || action === 'delete' ? ` ${resource.pk.toUpperCase()}` : '';
  return `${resource.name}-${action} [OPTIONS]${pk}`;
}

function clickType(schema: AttributeSchema): string {
  if (schema.enum !== undefined) return `[${schema.enum.filter((v) => v !== null).join('|')}]`;
  return schema.type === 'integer' ? 'INTEGER' : schema.type === 'number' ? 'FLOAT' : schema.type === 'boolean' ? 'BOOLEAN' : 'TEXT';
}

function commandHelp(resource: Resource, action: Action): string {
  const attributes = action === 'create' ? resource.create.attributes : action === 'update' ? resource.update : {};
  const lines = Object.entries(attributes)
    .filter(([name, schema]) => schema.readOnly !== true && !(action === 'update' && name === resource.pk))
    .map(([name, schema]) => `  --${name} ${clickType(schema)}${action === 'create' && resource.create.required.includes(name) ? '  [required]' : ''}`);
  return `Usage: protonclient ${commandUsage(resource, action)}\n\nOptions:\n  --host TEXT  Host of endpoint (OS_PROTON_HOST)\n  --port TEXT  Port of endpoint (OS_PROTON_PORT)\n${lines.map((l) => `${l}\n`).join('')}  --help  Show this message and exit.\n`;
}

function splitCommand(catalog: Catalog, api: string, command: string): { resource: Resource; action: Action } {
  const dash = command.lastIndexOf('-');
  const name = command.slice(0, dash).toLowerCase();
  const action = command.slice(dash + 1) as Action;
  const resource = catalog.resources.find((r) => r.api === api && r.name.toLowerCase() === name);
  if (dash < 0 || resource === undefined || !ACTIONS.includes(action)) throw new ProtonclientUsage(`No such command '${command}'.`, '');
  return { resource, action };
}

function body(resource: Resource, action: Action, flags: ReadonlyMap<string, string>): Record<string, unknown> {
  const attributes = action === 'create' ? resource.create.attributes : resource.update;
  const usage = commandUsage(resource, action);
  const out: Record<string, unknown> = {};
  for (const [name, text] of flags) {
    const schema = attributes[name];
    if (schema === undefined || schema.readOnly === true || (action === 'update' && name === resource.pk)) throw new ProtonclientUsage(`No such option: --${name}`, usage);
    try {
      out[name] = parseAttributeValue(name, schema, text);
    } catch (err) {
      const detail = isGluonError(err) ? err.details[0] : undefined;
      throw new ProtonclientUsage(`Invalid value for '--${name}': '${text}' ${detail === undefined ? 'is not valid' : `(${detail.rule}: ${detail.message})`}.`, usage);
    }
  }
  if (action === 'create') {
    // click checked its options in reverse declaration order (the generator's decorators stacked them): the last one missing is named
    const missing = resource.create.required.filter((r) => out[r] === undefined);
    const named = missing[missing.length - 1];
    if (named !== undefined) throw new ProtonclientUsage(`Missing option '--${named}'.`, usage);
  }
  return out;
}

async function execute(http: ClientHttp, catalog: Catalog, command: { resource: Resource; action: Action; parsed: Parsed }): Promise<unknown> {
  const { resource, action, parsed } = command;
  const base = `${catalog.baseUrl}${resource.path}`;
  const id = parsed.positional[0];
  if (action !== 'list' && action !== 'create' && id === undefined) throw new ProtonclientUsage(`Missing argument '${resource.pk.toUpperCase()}'.`, commandUsage(resource, action));
  const payload = action === 'create' || action === 'update' ? body(resource, action, parsed.flags) : undefined;
  const member = `${base}/${encodeURIComponent(id ?? '')}`;
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string): Promise<unknown> => {
    const answer = await http.send(method, url, { body: payload });
    if (answer.status < 200 || answer.status > 299) throw new ServerFault({ status: answer.status, serverCode: `HTTP_${answer.status}`, message: `Bad return status ${answer.status}`, details: [] });
    return answer.body;
  };
  switch (action) {
    case 'list':
      return ((await call('GET', base)) as Record<string, unknown>)[resource.plural];
    case 'show':
      return call('GET', member);
    case 'create':
      return call('POST', base);
    case 'update':
      return call('PUT', member);
    case 'delete':
      await call('DELETE', member);
      return undefined;
  }
}

/** The original printed the answer with its keys sorted, indented by 4. */
function sortedJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sortKeys(value), null, 4);
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

function usageErrorText(err: ProtonclientUsage, catalog: Catalog | undefined): string {
  if (err.usage === undefined) return `${err.message}\n${usageText(catalog)}`;
  const command = err.usage === '' ? '[OPTIONS] COMMAND [ARGS]...' : err.usage;
  const helpOf = err.usage === '' ? '' : `${err.usage.split(' ')[0] ?? ''} `;
  return `Usage: protonclient ${command}\nTry 'protonclient ${helpOf}--help' for help.\n\nError: ${err.message}\n`;
}

/**
 * `protonclient`: the original Gluon client's command line (`--api <name>
 * <obj>-list|-show|-create|-update|-delete`, `--host`/`--port`, `OS_PROTON_HOST`/`OS_PROTON_PORT`,
 * attribute flags spelled as the attributes), printing what it printed: the JSON answer
 * with sorted keys indented by 4, nothing for a delete, `GluonClientException: Bad return
 * status N` for a failure (exit 1), click's usage errors (exit 2).
 */
export async function runProtonclient(argv: readonly string[], io: ClientIo = processIo()): Promise<number> {
  let catalog: Catalog | undefined;
  const http = new ClientHttp();
  try {
    const parsed = parseArgs(argv, io.env);
    http.useCredentials(await resolveCredentials(http, resolveConnection({ format: 'table', columns: [], debug: false, os: {} }, originalAuthEnv(io.env), io.cwd)));
    catalog = await discover(http, `http://${parsed.host}:${parsed.port}`);
    const api = parsed.api ?? (catalog.apis.length === 1 ? catalog.apis[0] : undefined);
    if (api === undefined) throw new ProtonclientUsage('--api is not specified!');
    if (!catalog.apis.includes(api)) throw new ProtonclientUsage('Invalid API name!');
    if (parsed.command === undefined) {
      io.stdout(usageText(catalog) + commandList(catalog, api));
      return parsed.help ? 0 : 2;
    }
    const { resource, action } = splitCommand(catalog, api, parsed.command);
    if (parsed.help) {
      io.stdout(commandHelp(resource, action));
      return 0;
    }
    const result = await execute(http, catalog, { resource, action, parsed });
    if (action !== 'delete') io.stdout(`${sortedJson(result)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ProtonclientUsage) {
      io.stderr(usageErrorText(err, catalog));
      return err.usage === undefined ? 255 : 2;
    }
    // a fault while discovering the commands reads like one of a command: the original's words
    const message = err instanceof ServerFault ? `Bad return status ${err.status}` : (err as Error).message;
    io.stderr(`${EXCEPTION}: ${message}\n`);
    return 1;
  } finally {
    await http.close();
  }
}
