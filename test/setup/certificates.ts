/**
 * Test certificates made with `openssl` in a temporary directory at test time (no
 * private key is ever committed): a CA, server certificates for 127.0.0.1/localhost
 * signed by it, and client certificates.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its key, as files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA named `name` in `dir` (`<name>.crt`, `<name>.key`). */
export function makeCa(dir: string, name: string): CertificateFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], dir);
  return { cert, key };
}

/**
 * A certificate signed by `ca`: for a server (valid for 127.0.0.1, ::1 and localhost) or
 * a client (`clientAuth` usage).
 */
export function issueCertificate(dir: string, input: { ca: CertificateFiles; name: string; client?: boolean }): CertificateFiles {
  const cert = join(dir, `${input.name}.crt`);
  const key = join(dir, `${input.name}.key`);
  const csr = join(dir, `${input.name}.csr`);
  const ext = join(dir, `${input.name}.ext`);
  writeFileSync(
    ext,
    input.client === true ? 'extendedKeyUsage=clientAuth\n' : 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${input.name}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', input.ca.cert, '-CAkey', input.ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext], dir);
  return { cert, key };
}

/** The PEM text of a file. */
export function pem(file: string): string {
  return readFileSync(file, 'utf8');
}
