import { AUTH_STRATEGIES } from '../../core/auth/index.js';
import type { SettingDeclaration } from './setting.js';

const NON_EMPTY = 'must be a non-empty string';
const KEYSTONE = { setting: 'authStrategy', value: 'keystone' } as const;

/** How callers authenticate and what they may do (docs/security.md). */
export const AUTH_SETTINGS = {
  authStrategy: {
    schema: { type: 'string', enum: AUTH_STRATEGIES },
    env: 'GLUON_AUTH_STRATEGY',
    flag: { name: '--auth-strategy', arg: '<strategy>', help: 'noauth (default), token-file or keystone; see docs/security.md' },
    expects: `must be one of ${AUTH_STRATEGIES.join(', ')}`,
    doc: { default: '`noauth`', allowed: `${AUTH_STRATEGIES.map((s) => `\`${s}\``).join(', ')} ([docs/security.md](security.md))` },
  },
  policyFile: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_POLICY_FILE',
    flag: { name: '--policy-file', arg: '<file>', help: 'policy file (YAML or JSON) overriding the rules' },
    expects: NON_EMPTY,
    pathFromFile: true,
    doc: { default: 'none', allowed: 'a YAML or JSON policy file (rule name → check string)' },
  },
  tokenFile: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_TOKEN_FILE',
    flag: { name: '--token-file', arg: '<file>', help: 'token file of the token-file strategy' },
    expects: NON_EMPTY,
    pathFromFile: true,
    requiredWhen: { setting: 'authStrategy', value: 'token-file' },
    doc: { default: 'none (required by `token-file`)', allowed: 'a token file (entries from `gluon token new`)' },
  },
  keystoneUrl: {
    schema: { type: 'string', pattern: '^https?://\\S+$' },
    env: 'GLUON_KEYSTONE_URL',
    flag: {
      name: '--keystone-url',
      arg: '<url>',
      help: 'Keystone v3 URL of the keystone strategy (service account from GLUON_KEYSTONE_USERNAME, GLUON_KEYSTONE_PASSWORD, GLUON_KEYSTONE_PROJECT)',
    },
    expects: 'must be an http(s) URL such as http://keystone:5000/v3',
    requiredWhen: KEYSTONE,
    doc: { default: 'none (required by `keystone`)', allowed: "Keystone's URL, e.g. `http://keystone:5000/v3`" },
  },
  keystoneUsername: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_KEYSTONE_USERNAME',
    expects: NON_EMPTY,
    requiredWhen: KEYSTONE,
    doc: { default: 'none (required by `keystone`)', allowed: "the server's own service account" },
  },
  keystonePassword: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_KEYSTONE_PASSWORD',
    expects: NON_EMPTY,
    secret: true,
    requiredWhen: KEYSTONE,
    doc: { default: 'none (required by `keystone`)', allowed: 'its password' },
  },
  keystoneProject: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_KEYSTONE_PROJECT',
    expects: NON_EMPTY,
    requiredWhen: KEYSTONE,
    doc: { default: 'none (required by `keystone`)', allowed: 'its project, e.g. `service`' },
  },
  keystoneUserDomain: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_KEYSTONE_USER_DOMAIN',
    expects: NON_EMPTY,
    doc: { default: '`Default`', allowed: "the service account's domain name" },
  },
  keystoneProjectDomain: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_KEYSTONE_PROJECT_DOMAIN',
    expects: NON_EMPTY,
    doc: { default: '`Default`', allowed: "its project's domain name" },
  },
  keystoneCacheTtl: {
    schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    env: 'GLUON_KEYSTONE_CACHE_TTL',
    expects: 'must be a whole number of seconds (0 or more)',
    doc: { default: '`60`', allowed: 'seconds a validated token is trusted without asking Keystone again' },
  },
} as const satisfies Record<string, SettingDeclaration>;
