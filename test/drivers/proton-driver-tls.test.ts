/** The built-in Proton driver against an HTTPS Proton server: it trusts the CA it is given, and only that. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonDriver } from '../../src/drivers/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { issueCertificate, makeCa, pem } from '../setup/certificates.js';
import { PORTS, portBody, tempDir } from '../server/helpers.js';
import { GLUON_NETWORK_ID, GLUON_SUBNET_ID } from './helpers.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('createProtonDriver({ trustedCa })', () => {
  let server: ProtonServer;
  let url: string;
  let ca: string;
  let remove: () => Promise<void>;
  const id = randomUUID();

  beforeAll(async () => {
    const tmp = await tempDir('gluon-driver-tls-');
    remove = tmp.remove;
    const authority = makeCa(tmp.dir, 'driver-ca');
    ca = pem(authority.cert);
    server = await createProtonServer({ db: 'sqlite::memory:', port: 0, tls: issueCertificate(tmp.dir, { ca: authority, name: 'proton' }), logger: { level: 'silent' } });
    url = await server.listen();
    const created = await server.app.inject({ method: 'POST', url: PORTS, payload: portBody(id) });
    expect(created.statusCode).toBe(201);
  });

  afterAll(async () => {
    await server.close();
    await remove();
  });

  it('reads a port from an https Proton server whose certificate its CA issued', async () => {
    const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger: silent, trustedCa: ca });
    try {
      expect(await driver.getPort({ id, url })).toMatchObject({ id, network_id: GLUON_NETWORK_ID });
    } finally {
      await driver.close();
    }
  });

  it('refuses the server without that CA, as an unreachable backend naming the certificate problem', async () => {
    const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: GLUON_NETWORK_ID, gluonSubnetId: GLUON_SUBNET_ID, logger: silent });
    try {
      await expect(driver.getPort({ id, url })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE', message: expect.stringMatching(/certificate|UNABLE_TO_VERIFY/i) });
    } finally {
      await driver.close();
    }
  });
});
