import { isIP } from 'node:net';
import type { SettingDeclaration } from './setting.js';

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`: an address or a CIDR range. */
function notAddresses(list: readonly string[]): string | undefined {
  const bad = list.find((item) => {
    const [address = '', bits, extra] = item.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return true;
    return bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
  return bad === undefined ? undefined : `"${bad}" is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`;
}

const PEM_FILE = 'must be the path of a PEM file';

/** TLS of the API served (and the reverse proxies it sits behind) (`gluon serve`, `gluon arbiter`) and of the servers this process calls (docs/tls.md). */
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
  trustedProxies: {
    schema: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    env: 'GLUON_TRUSTED_PROXIES',
    flag: { name: '--trusted-proxies', arg: '<addresses>', help: 'reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed (IPs or CIDR ranges; default: none)' },
    expects: 'must be IP addresses or CIDR ranges, comma-separated (10.0.0.5,10.0.1.0/24)',
    refine: { rule: 'ip-or-cidr', check: notAddresses },
    doc: { default: 'none: forwarded headers are ignored', allowed: 'IP addresses or CIDR ranges of the reverse proxies in front of the server; only requests from them have their `X-Forwarded-*` headers believed ([docs/tls.md](tls.md))' },
  },
} as const satisfies Record<string, SettingDeclaration>;
