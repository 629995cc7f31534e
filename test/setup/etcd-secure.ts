/**
 * A private etcd with client-certificate TLS and authentication on: a CA and
 * certificates made with `openssl` in a temp dir (deleted by `stop()`, never committed),
 * etcd on free ports of 127.0.0.1 with `--client-cert-auth`, a `root` user (certificate
 * CN `root`) and auth enabled. Stopped by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { EtcdAccessOptions } from '../../src/core/kv/index.js';
import { ETCD_BIN, ensureEtcdInstalled } from './etcd.js';
import { freePort } from './service-process.js';

/** The files of one certificate. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** A running etcd with TLS and auth. */
export interface SecureEtcdInstance {
  /** `https://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The CA's PEM file. */
  readonly caFile: string;
  /** Makes a client certificate whose CN is `user` (etcd's user name), signed by the CA. */
  issueClientCertificate(user: string): CertificateFiles;
  /** The access options of a client certificate of `user`. */
  accessOf(user: string): EtcdAccessOptions;
  /** Stops etcd (by PID) and deletes its data and every key and certificate. */
  stop(): Promise<void>;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function issue(dir: string, name: string, extensions: string): CertificateFiles {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-subj', `/CN=${name}`, '-out', csr], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', ext], dir);
  return { cert, key };
}

async function waitReady(client: Etcd3, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited before serving:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      await client.maintenance.status();
      return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`etcd with TLS not serving after 30 s:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts etcd with client-certificate TLS, creates `root` and enables authentication. */
export async function startSecureEtcd(): Promise<SecureEtcdInstance> {
  ensureEtcdInstalled();
  const root = mkdtempSync(join(tmpdir(), 'gluon-etcd-tls-'));
  const pki = join(root, 'pki');
  execFileSync('mkdir', ['-m', '700', pki]);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=gluon test etcd CA'], pki);
  const server = issue(pki, 'etcd-server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  const caFile = join(pki, 'ca.crt');
  const clientExt = 'extendedKeyUsage=clientAuth\n';
  const accessOf = (user: string): EtcdAccessOptions => {
    const files = issue(pki, user, clientExt);
    return { ca: readFileSync(caFile), cert: readFileSync(files.cert), key: readFileSync(files.key) };
  };
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `https://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const logFile = join(root, 'etcd.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    ETCD_BIN,
    [
      '--name', 'gluon-tls', '--data-dir', join(root, 'data'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `gluon-tls=${peer}`, '--initial-cluster-state', 'new',
      '--cert-file', server.cert, '--key-file', server.key, '--client-cert-auth', '--trusted-ca-file', caFile,
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  child.unref();
  const admin = new Etcd3({ hosts: endpoint, ...toCredentials(accessOf('root')) });
  try {
    await waitReady(admin, child, logFile);
    await admin.auth.roleAdd({ name: 'root' }).catch(() => undefined);
    await admin.auth.userAdd({ name: 'root', password: '', options: { no_password: true } });
    await admin.auth.userGrantRole({ user: 'root', role: 'root' });
    await admin.auth.authEnable({});
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    admin.close();
  }
  return {
    endpoint,
    caFile,
    issueClientCertificate: (user) => issue(pki, user, clientExt),
    accessOf,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function toCredentials(access: EtcdAccessOptions): { credentials: { rootCertificate: Buffer; certChain?: Buffer; privateKey?: Buffer } } {
  return { credentials: { rootCertificate: access.ca ?? Buffer.alloc(0), ...(access.cert === undefined ? {} : { certChain: access.cert }), ...(access.key === undefined ? {} : { privateKey: access.key }) } };
}
