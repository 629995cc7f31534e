/** The client CLI against an HTTPS Proton server: it verifies the server against the CA it is given. */
import { afterEach, describe, expect, it } from 'vitest';
import { issueCertificate, makeCa } from '../setup/certificates.js';
import { tempDir } from '../server/helpers.js';
import { gluon, startProton } from './client-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('gluon <resource> <action> over HTTPS', () => {
  it('lists through an https server verified with OS_CACERT or --os-cacert, and refuses it without the CA', async () => {
    const pki = await tempDir('gluon-client-tls-');
    cleanups.push(pki.remove);
    const ca = makeCa(pki.dir, 'client-test-ca');
    const identity = issueCertificate(pki.dir, { ca, name: 'proton' });
    const proton = await startProton({ tls: identity });
    cleanups.push(proton.stop);
    expect(proton.url).toMatch(/^https:/);

    const fromEnv = await gluon(['port', 'list', '--api', 'net-l3vpn', '--url', proton.url, '-f', 'json'], { env: { OS_CACERT: ca.cert } });
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv).toMatchObject({ code: 0, stdout: '[]\n' });
    const fromFlag = await gluon(['port', 'list', '--api', 'net-l3vpn', '--url', proton.url, '-f', 'json', '--os-cacert', ca.cert]);
    expect(fromFlag.code).toBe(0);

    const untrusted = await gluon(['port', 'list', '--api', 'net-l3vpn', '--url', proton.url]);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate/i);
  });
});
