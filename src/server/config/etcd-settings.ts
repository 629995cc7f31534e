import type { SettingDeclaration } from './setting.js';

const A_FILE = 'must be the path of a readable PEM file';

/** How every etcd client of a deployment (server, shims, arbiter, resync) reaches a TLS etcd with authentication (docs/deployment.md). */
export const ETCD_ACCESS_SETTINGS = {
  etcdCaFile: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_ETCD_CA_FILE',
    flag: { name: '--etcd-ca-file', arg: '<file>', help: "PEM of the CA that signed etcd's certificate (https:// etcd URLs; default: the system's roots)" },
    expects: A_FILE,
    pathFromFile: true,
    doc: { default: "none: the system's root CAs", allowed: "a PEM file: the CA that signed etcd's server certificate ([docs/deployment.md](deployment.md#etcd-tls-and-rbac))" },
  },
  etcdCertFile: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_ETCD_CERT_FILE',
    flag: { name: '--etcd-cert-file', arg: '<file>', help: "PEM of this client's certificate for etcd (with --etcd-key-file)" },
    expects: A_FILE,
    pathFromFile: true,
    doc: { default: 'none', allowed: "a PEM file: this component's client certificate; with etcd's `--client-cert-auth` its CN is the etcd user (needs `etcdKeyFile`)" },
  },
  etcdKeyFile: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_ETCD_KEY_FILE',
    flag: { name: '--etcd-key-file', arg: '<file>', help: "PEM of this client's private key for etcd (with --etcd-cert-file)" },
    expects: A_FILE,
    pathFromFile: true,
    doc: { default: 'none', allowed: 'a PEM file: the private key of `etcdCertFile` (keep it readable by the service user only)' },
  },
  etcdUsername: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_ETCD_USERNAME',
    flag: { name: '--etcd-username', arg: '<user>', help: 'etcd user of password authentication (password from GLUON_ETCD_PASSWORD or GLUON_ETCD_PASSWORD_FILE)' },
    expects: 'must be a non-empty etcd user name',
    doc: { default: 'none', allowed: 'an etcd user (see `gluon etcd roles`); needs `etcdPassword`' },
  },
  etcdPassword: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_ETCD_PASSWORD',
    expects: 'must be a non-empty password',
    secret: true,
    doc: {
      default: 'none',
      allowed: "the etcd user's password; also read from the file named by `GLUON_ETCD_PASSWORD_FILE` (e.g. a systemd credential). Never a flag: `ps` would show it",
    },
  },
} as const satisfies Record<string, SettingDeclaration>;
