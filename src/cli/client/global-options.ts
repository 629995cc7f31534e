import { GluonError } from '../../core/errors/index.js';
import { FORMATS, type OutputFormat } from './output.js';

/** The options every client command takes, wherever they appear on the line. */
export interface GlobalOptions {
  url?: string;
  api?: string;
  apiVersion?: string;
  format: OutputFormat;
  columns: string[];
  debug: boolean;
  /** `--os-*` values, by their clouds.yaml `auth` key (`auth_url`, `username`, `token`, …). */
  os: Record<string, string>;
  osCloud?: string;
}

/** `--os-*` flags and the clouds.yaml keys they set. */
export const OS_FLAGS: Readonly<Record<string, string>> = {
  '--os-auth-url': 'auth_url',
  '--os-username': 'username',
  '--os-password': 'password',
  '--os-project-name': 'project_name',
  '--os-project-id': 'project_id',
  '--os-user-domain-name': 'user_domain_name',
  '--os-project-domain-name': 'project_domain_name',
  '--os-application-credential-id': 'application_credential_id',
  '--os-application-credential-secret': 'application_credential_secret',
  '--os-token': 'token',
  '--os-auth-type': 'auth_type',
  '--os-region-name': 'region_name',
  '--os-interface': 'interface',
  '--os-cacert': 'cacert',
};

const VALUE_FLAGS = new Set(['--url', '--api', '--api-version', '--os-cloud', '-f', '--format', '-c', '--column', ...Object.keys(OS_FLAGS)]);

/** Help text of the global options (appended to every client command's help). */
export const GLOBAL_HELP = `
Global options (anywhere on the line):
  --url <url>              Proton server (default: GLUON_URL, the profile's proton_url, the Keystone catalog, http://127.0.0.1:2705)
  --api <name>             the Proton (API) of the resource when several have it
  --api-version <id>       the version of that API (default: the server's default)
  -f, --format <fmt>       table (default), json, yaml, value or csv
  -c, --column <name>      print only this column (repeatable)
  --os-cloud <name>        profile of clouds.yaml (default: OS_CLOUD)
  --os-auth-url, --os-username, --os-password, --os-project-name, --os-user-domain-name,
  --os-project-domain-name, --os-application-credential-id, --os-application-credential-secret,
  --os-token               credentials, as the openstack CLI reads them (also OS_* variables)
  --os-cacert <file>       CA certificates (PEM) to verify an https server with (also OS_CACERT, the profile's cacert)
  --debug                  print the HTTP exchange on stderr`;

function usageError(message: string): GluonError {
  return new GluonError('GLUON_ERR_CLI_USAGE', message);
}

/**
 * Takes the global options out of `argv` (they may appear anywhere) and returns them
 * with the rest, in which `--attr_name` spellings become `--attr-name`.
 * @throws `GLUON_ERR_CLI_USAGE` for a missing value or an unknown `-f` format
 */
export function extractGlobalOptions(argv: readonly string[]): { options: GlobalOptions; rest: string[] } {
  const options: GlobalOptions = { format: 'table', columns: [], debug: false, os: {} };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--debug') {
      options.debug = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) {
      rest.push(name.startsWith('--') ? name.replace(/_/g, '-') + (eq > 0 ? arg.slice(eq) : '') : arg);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw usageError(`Option ${name} needs a value.`);
    setOption(options, name, value);
  }
  return { options, rest };
}

function setOption(options: GlobalOptions, name: string, value: string): void {
  switch (name) {
    case '--url':
      options.url = value.replace(/\/+$/, '');
      return;
    case '--api':
      options.api = value;
      return;
    case '--api-version':
      options.apiVersion = value;
      return;
    case '--os-cloud':
      options.osCloud = value;
      return;
    case '-f':
    case '--format':
      if (!(FORMATS as readonly string[]).includes(value)) {
        throw new GluonError('GLUON_ERR_CLI_USAGE', `Invalid value for -f: '${value}' (rule enum): expected one of ${FORMATS.join(', ')}.`, {
          details: [{ field: 'format', rule: 'enum', value, message: 'unknown format', allowed: FORMATS }],
        });
      }
      options.format = value as OutputFormat;
      return;
    case '-c':
    case '--column':
      options.columns.push(value);
      return;
    default: {
      const key = OS_FLAGS[name];
      if (key !== undefined) options.os[key] = value;
    }
  }
}
