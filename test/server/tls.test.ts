/**
 * HTTPS for the API: `gluon serve --tls-cert/--tls-key` serves TLS, SIGHUP loads a
 * renewed certificate without dropping open connections, and `--tls-client-ca` requires
 * client certificates.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { ensureBuilt, gluon } from '../ops/cli-build.js';
import { issueCertificate, makeCa, pem, type CertificateFiles } from '../setup/certificates.js';
import { waitFor } from '../setup/wait-for.js';
import { PORTS, tempDir, type Spawned } from './helpers.js';

beforeAll(ensureBuilt, 180_000);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Pki {
  readonly dir: string;
  readonly ca: CertificateFiles;
  readonly first: CertificateFiles;
  readonly renewed: CertificateFiles;
  /** The files the server is configured with (the first certificate, until replaced). */
  readonly served: CertificateFiles;
}

async function pki(): Promise<Pki> {
  const tmp = await tempDir('gluon-tls-');
  cleanups.push(tmp.remove);
  const ca = makeCa(tmp.dir, 'test-ca');
  const first = issueCertificate(tmp.dir, { ca, name: 'server-1' });
  const renewed = issueCertificate(tmp.dir, { ca, name: 'server-2' });
  const served = { cert: join(tmp.dir, 'served.crt'), key: join(tmp.dir, 'served.key') };
  copyFileSync(first.cert, served.cert);
  copyFileSync(first.key, served.key);
  return { dir: tmp.dir, ca, first, renewed, served };
}

/** Replaces the served certificate and key with the renewed ones (as a renewal job would). */
function renew(p: Pki): void {
  copyFileSync(p.renewed.cert, p.served.cert);
  copyFileSync(p.renewed.key, p.served.key);
}

/** The certificate a new TLS connection to `url` is shown (verified against `ca`). */
function certificateOfNewConnection(url: string, ca: string, client?: CertificateFiles): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, ...(client === undefined ? {} : { cert: pem(client.cert), key: pem(client.key) }) }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

/** GET over the agent's one keep-alive connection: status, whether the connection was reused, the certificate it shows. */
function getOver(agent: Agent, url: string): Promise<{ status: number; reused: boolean; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const serial = (res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().serialNumber;
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, serial }));
    });
    req.once('error', reject);
    req.end();
  });
}

function serialOf(file: string): string {
  return new X509Certificate(pem(file)).serialNumber;
}

describe('createProtonServer({ tls })', () => {
  it('serves HTTPS, and reloadTls() gives new connections the renewed certificate while an open one keeps working', async () => {
    const p = await pki();
    const server: ProtonServer = await createProtonServer({ db: 'sqlite::memory:', port: 0, tls: p.served, logger: { level: 'silent' } });
    cleanups.push(() => server.close());
    const url = await server.listen();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = pem(p.ca.cert);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
    cleanups.push(async () => agent.destroy());

    const before = await getOver(agent, `${url}${PORTS}`);
    expect(before).toMatchObject({ status: 200, serial: serialOf(p.first.cert) });

    renew(p);
    await server.reloadTls();

    const after = await getOver(agent, `${url}${PORTS}`);
    expect(after).toEqual({ status: 200, reused: true, serial: serialOf(p.first.cert) });
    expect((await certificateOfNewConnection(url, ca)).serialNumber).toBe(serialOf(p.renewed.cert));
  });

  it('keeps the served certificate when the renewed files are unusable, and says which setting', async () => {
    const p = await pki();
    const server = await createProtonServer({ db: 'sqlite::memory:', port: 0, tls: p.served, logger: { level: 'silent' } });
    cleanups.push(() => server.close());
    const url = await server.listen();
    copyFileSync(p.renewed.key, p.served.cert); // a key where the certificate should be
    await expect(server.reloadTls()).rejects.toMatchObject({ code: 'GLUON_ERR_CONFIG', details: [expect.objectContaining({ field: 'tlsCert' })] });
    expect((await certificateOfNewConnection(url, pem(p.ca.cert))).serialNumber).toBe(serialOf(p.first.cert));
  });

  it('with clientCa, refuses a client without a certificate and serves one with a certificate of that CA', async () => {
    const p = await pki();
    const clientCa = makeCa(p.dir, 'client-ca');
    const client = issueCertificate(p.dir, { ca: clientCa, name: 'nova', client: true });
    const server = await createProtonServer({ db: 'sqlite::memory:', port: 0, tls: { ...p.served, clientCa: clientCa.cert }, logger: { level: 'silent' } });
    cleanups.push(() => server.close());
    const url = await server.listen();
    const ca = pem(p.ca.cert);
    const anonymous = new Agent({ ca });
    await expect(getOver(anonymous, `${url}${PORTS}`)).rejects.toThrow();
    const identified = new Agent({ ca, cert: pem(client.cert), key: pem(client.key) });
    expect((await getOver(identified, `${url}${PORTS}`)).status).toBe(200);
  });
});

describe('gluon serve --tls-cert --tls-key', () => {
  it('serves HTTPS and reloads the certificate on SIGHUP without dropping an open connection', async () => {
    const p = await pki();
    const proc: Spawned = gluon(['serve', '--port', '0', '--db', 'sqlite::memory:', '--tls-cert', p.served.cert, '--tls-key', p.served.key, '--log-format', 'json'], p.dir);
    cleanups.push(async () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
    });
    const url = (JSON.parse(await proc.waitFor(/listening on https/)) as { url: string }).url;
    const ca = pem(p.ca.cert);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
    cleanups.push(async () => agent.destroy());
    expect((await getOver(agent, `${url}${PORTS}`)).serial).toBe(serialOf(p.first.cert));

    renew(p);
    proc.child.kill('SIGHUP');
    await proc.waitFor(/TLS certificate reloaded/);
    const renewedSerial = serialOf(p.renewed.cert);
    await waitFor('the renewed certificate on new connections', async () => (await certificateOfNewConnection(url, ca)).serialNumber === renewedSerial);
    expect(await getOver(agent, `${url}${PORTS}`)).toEqual({ status: 200, reused: true, serial: serialOf(p.first.cert) });
    expect(proc.child.exitCode).toBeNull();
  });

  it('refuses a certificate without its key, naming the missing setting (exit 2)', async () => {
    const p = await pki();
    const proc = gluon(['serve', '--port', '0', '--db', 'sqlite::memory:', '--tls-cert', p.served.cert], p.dir);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('tlsCert needs tlsKey (--tls-key / GLUON_TLS_KEY');
  });
});
