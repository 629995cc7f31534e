import type { SettingDeclaration } from './setting.js';

const PEM_FILE = 'must be the path of a PEM file';

/** TLS of the API served (`gluon serve`, `gluon arbiter`) and of the servers this process calls (docs/tls.md). */
export const TLS_SETTINGS = {
  tlsCert: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_TLS_CERT',
    flag: { name: '--tls-cert', arg: '<file>', help: 'serve HTTPS with this PEM certificate chain (with --tls-key; reloaded on SIGHUP)' },
    expects: PEM_FILE,
    pathFromFile: true,
    doc: { default: 'none: plain HTTP', allowed: 'a PEM certificate chain (server certificate first); re-read on `SIGHUP` ([docs/tls.md](tls.md))' },
  },
  tlsKey: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_TLS_KEY',
    flag: { name: '--tls-key', arg: '<file>', help: 'the PEM private key of --tls-cert' },
    expects: PEM_FILE,
    pathFromFile: true,
    doc: { default: 'none (required by `tlsCert`)', allowed: "the certificate's unencrypted PEM private key, readable only by the service's user" },
  },
  tlsClientCa: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_TLS_CLIENT_CA',
    flag: { name: '--tls-client-ca', arg: '<file>', help: 'require client certificates issued by these CAs (PEM)' },
    expects: PEM_FILE,
    pathFromFile: true,
    doc: { default: 'none: no client certificate asked', allowed: 'PEM CA certificates; every client must then present a certificate they issued' },
  },
  tlsCa: {
    schema: { type: 'string', minLength: 1 },
    env: 'GLUON_TLS_CA',
    flag: { name: '--tls-ca', arg: '<file>', help: 'trust these CAs (PEM) when calling https servers: Keystone, Proton servers' },
    expects: PEM_FILE,
    pathFromFile: true,
    doc: { default: "the system's trusted CAs", allowed: 'PEM CA certificates trusted, instead of the system ones, for the https servers this process calls (Keystone, the Proton servers the drivers reach)' },
  },
} as const satisfies Record<string, SettingDeclaration>;
