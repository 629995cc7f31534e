/**
 * `gluon arbiter` over TLS: it serves HTTPS with --tls-cert/--tls-key, reloads the
 * certificate on SIGHUP, and reaches an https Neutron whose CA it is given with --tls-ca.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { issueCertificate, makeCa, pem, type CertificateFiles } from '../setup/certificates.js';
import { waitFor } from '../setup/wait-for.js';
import { spawnNode, tempDir } from '../server/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const gluon = (args: readonly string[]) => spawnNode(['--import', 'tsx', MAIN, 'arbiter', ...args], { cwd: ROOT });

function serialOfNewConnection(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

describe('gluon arbiter --tls-cert --tls-key --tls-ca', () => {
  let neutron: Server;
  let neutronUrl: string;
  let dir: string;
  let remove: () => Promise<void>;
  let ca: CertificateFiles;

  beforeAll(async () => {
    ({ dir, remove } = await tempDir('gluon-arbiter-tls-'));
    ca = makeCa(dir, 'deployment-ca');
    const neutronCert = issueCertificate(dir, { ca, name: 'neutron' });
    neutron = createServer({ cert: pem(neutronCert.cert), key: pem(neutronCert.key) }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/v2.0/networks?name=GluonNetwork')) res.end('{"networks": [{"id": "net-tls", "name": "GluonNetwork"}]}');
      else if (req.url?.startsWith('/v2.0/subnets?name=GluonSubnet')) res.end('{"subnets": [{"id": "sub-tls", "name": "GluonSubnet"}]}');
      else res.end(JSON.stringify({ upstream: req.url }));
    });
    await new Promise<void>((r) => neutron.listen(0, '127.0.0.1', r));
    neutronUrl = `https://127.0.0.1:${(neutron.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    neutron.closeAllConnections();
    await new Promise<void>((r) => neutron.close(() => r()));
    await remove();
  });

  it('serves HTTPS, verifies the https Neutron against --tls-ca, and reloads its certificate on SIGHUP', async () => {
    const first = issueCertificate(dir, { ca, name: 'facade-1' });
    const renewed = issueCertificate(dir, { ca, name: 'facade-2' });
    const served = { cert: join(dir, 'facade.crt'), key: join(dir, 'facade.key') };
    copyFileSync(first.cert, served.cert);
    copyFileSync(first.key, served.key);
    const proc = gluon(['--neutron-url', neutronUrl, '--port', '0', '--root', ROOT, '--plugins', '', '--auth-strategy', 'noauth', '--tls-cert', served.cert, '--tls-key', served.key, '--tls-ca', ca.cert]);
    try {
      const logged = JSON.parse(await proc.waitFor(/Neutron facade listening/)) as { url: string; gluonNetworkId: string };
      expect(logged.url).toMatch(/^https:\/\//);
      expect(logged.gluonNetworkId).toBe('net-tls');
      const dispatcher = new Agent({ connect: { ca: pem(ca.cert) } });
      const passed = await request(`${logged.url}/v2.0/extensions`, { dispatcher });
      expect(await passed.body.json()).toEqual({ upstream: '/v2.0/extensions' });
      expect(await serialOfNewConnection(logged.url, pem(ca.cert))).toBe(new X509Certificate(pem(first.cert)).serialNumber);

      copyFileSync(renewed.cert, served.cert);
      copyFileSync(renewed.key, served.key);
      proc.child.kill('SIGHUP');
      const renewedSerial = new X509Certificate(pem(renewed.cert)).serialNumber;
      await waitFor('the renewed facade certificate', async () => (await serialOfNewConnection(logged.url, pem(ca.cert))) === renewedSerial);
      // the connection opened before the reload still answers
      expect((await request(`${logged.url}/v2.0/extensions`, { dispatcher })).statusCode).toBe(200);
      await dispatcher.close();
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('refuses an https Neutron whose CA it was not given', async () => {
    const proc = gluon(['--neutron-url', neutronUrl, '--port', '0', '--root', ROOT, '--plugins', '', '--auth-strategy', 'noauth']);
    try {
      const refused = await proc.waitFor(/GluonNetwork/);
      expect(refused).toContain('unable to verify the first certificate');
      expect(proc.output()).not.toContain('Neutron facade listening');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
