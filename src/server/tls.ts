import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import type { AuthConfig } from '../core/auth/index.js';
import { ConfigError } from '../core/errors/index.js';

/** The files of a server's TLS identity (PEM), re-read on every reload. */
export interface TlsFiles {
  /** The certificate chain: the server's certificate first, then its intermediates. */
  readonly cert: string;
  /** The certificate's private key (unencrypted). */
  readonly key: string;
  /** When given, every client must present a certificate issued by one of these CAs. */
  readonly clientCa?: string;
}

/** What a node `https` server takes: the secure context plus whether client certificates are required. */
export interface TlsServerOptions extends SecureContextOptions {
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

/** The setting each file comes from, named in errors. */
const SETTING_OF: Readonly<Record<keyof TlsFiles, string>> = { cert: 'tlsCert', key: 'tlsKey', clientCa: 'tlsClientCa' };

async function readPem(files: TlsFiles, which: keyof TlsFiles): Promise<string> {
  const path = files[which] ?? '';
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    const field = SETTING_OF[which];
    throw new ConfigError(`Invalid ${field}: the file ${path} cannot be read (${reason}); give a readable PEM file.`, {
      cause: err,
      details: [{ field, rule: 'readable', value: path, message: `cannot read ${path} (${reason})` }],
    });
  }
}

/**
 * Reads the certificate, the key and the client CA, and checks that they make a secure
 * context (a certificate matching its key, PEM that parses).
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` naming the setting whose file cannot be read,
 * or `tlsCert`/`tlsKey` when they do not make a usable identity. The key's text is never
 * part of the message.
 */
export async function readTlsServerOptions(files: TlsFiles): Promise<TlsServerOptions> {
  const [cert, key, ca] = await Promise.all([readPem(files, 'cert'), readPem(files, 'key'), files.clientCa === undefined ? undefined : readPem(files, 'clientCa')]);
  const options: TlsServerOptions = { cert, key, ...(ca === undefined ? {} : { ca }), requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined };
  try {
    createSecureContext(options);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'not a usable certificate and key';
    throw new ConfigError(
      `Invalid tlsCert/tlsKey: ${files.cert} and ${files.key} do not make a TLS identity (${reason}); give a PEM certificate and its unencrypted PEM private key.`,
      { cause: new Error(reason), details: [{ field: 'tlsCert', rule: 'tls-identity', value: files.cert, message: `${files.cert} with ${files.key}: ${reason}` }] },
    );
  }
  return options;
}

/**
 * Re-reads the TLS files and gives the server the new identity: connections open at the
 * time keep theirs, new ones get the new certificate. A bad file leaves the old identity
 * in place.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` as {@link readTlsServerOptions}.
 */
export async function reloadTlsIdentity(server: TlsServer, files: TlsFiles): Promise<void> {
  server.setSecureContext(await readTlsServerOptions(files));
}

/** The TLS files of settings that name them (`tlsCert`, `tlsKey`, `tlsClientCa`), or undefined when TLS is off. */
export function tlsFilesOf(values: { readonly tlsCert?: string; readonly tlsKey?: string; readonly tlsClientCa?: string }): TlsFiles | undefined {
  if (values.tlsCert === undefined || values.tlsKey === undefined) return undefined;
  return { cert: values.tlsCert, key: values.tlsKey, ...(values.tlsClientCa === undefined ? {} : { clientCa: values.tlsClientCa }) };
}

/**
 * The CA certificates of the `tlsCa` setting (PEM text), trusted instead of the system
 * ones when this process calls https servers; undefined when the setting is unset.
 * @throws ConfigError `GLUON_ERR_CONFIG` naming `tlsCa` when the file cannot be read.
 */
export async function readTrustedCa(values: { readonly tlsCa?: string }): Promise<string | undefined> {
  if (values.tlsCa === undefined) return undefined;
  try {
    return await readFile(values.tlsCa, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`Invalid tlsCa: the file ${values.tlsCa} cannot be read (${reason}); give a readable PEM file of CA certificates.`, {
      cause: err,
      details: [{ field: 'tlsCa', rule: 'readable', value: values.tlsCa, message: `cannot read ${values.tlsCa} (${reason})` }],
    });
  }
}

/** The auth settings with the trusted CA given to the Keystone client (other strategies call no server). */
export function authTrusting(auth: AuthConfig | undefined, trustedCa: string | undefined): AuthConfig | undefined {
  if (auth?.strategy !== 'keystone' || trustedCa === undefined) return auth;
  return { ...auth, keystone: { ...auth.keystone, trustedCa } };
}
