import type { IOptions } from 'etcd3';

/**
 * How a client proves who it is to etcd and checks etcd's certificate: TLS material
 * (PEM contents, not paths) and an etcd user. Everything is optional: plain `http://`
 * etcd without authentication needs none of it.
 */
export interface EtcdAccessOptions {
  /** PEM of the CA that signed etcd's server certificate (default: the system's roots). */
  readonly ca?: Buffer;
  /** PEM of this client's certificate; with `--client-cert-auth`, etcd takes its CN as the user. */
  readonly cert?: Buffer;
  /** PEM of this client's private key (with `cert`). */
  readonly key?: Buffer;
  /** etcd user of password authentication (with `password`). */
  readonly username?: string;
  /** Its password. */
  readonly password?: string;
}

type EtcdCredentials = NonNullable<IOptions['credentials']>;

/** The `credentials` and `auth` options of the etcd3 client for these access options. @internal */
export function etcdClientAccess(access: EtcdAccessOptions | undefined): Pick<IOptions, 'credentials' | 'auth'> {
  if (access === undefined) return {};
  const tls =
    access.ca === undefined && access.cert === undefined
      ? {}
      : {
          // without `rootCertificate` grpc verifies etcd against the system's roots (etcd3's type marks it required)
          credentials: {
            ...(access.ca === undefined ? {} : { rootCertificate: access.ca }),
            ...(access.key === undefined ? {} : { privateKey: access.key }),
            ...(access.cert === undefined ? {} : { certChain: access.cert }),
          } as EtcdCredentials,
        };
  const auth = access.username === undefined || access.password === undefined ? {} : { auth: { username: access.username, password: access.password } };
  return { ...tls, ...auth };
}
