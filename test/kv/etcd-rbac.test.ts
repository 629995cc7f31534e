/**
 * Least privilege in etcd: against a real etcd with client-certificate TLS and
 * authentication, the roles `gluon etcd roles --apply` creates keep each component to its
 * keys, and the whole chain (Proton server, shim, Neutron facade) still binds a port with
 * those credentials.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as fetchVia } from 'undici';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createNeutronFacade, type NeutronFacade } from '../../src/core/arbiter/index.js';
import { createKeyValueStore, isKvError, type EtcdAccessOptions, type KeyValueStore } from '../../src/core/kv/index.js';
import { etcdCommand } from '../../src/cli/commands/etcd-roles.js';
import { resyncCommand } from '../../src/cli/commands/resync.js';
import { prepareShim } from '../../src/cli/commands/shim-run.js';
import { createProtonServer, loadServerConfig, readEtcdAccess, settingsEcho, type ProtonServer } from '../../src/server/index.js';
import { createShim, dummyShimDefinition, silentLogger, type Shim } from '../../src/shim-sdk/index.js';
import { ROOT } from '../shim-sdk/processes.js';
import { startSecureEtcd, type SecureEtcdInstance } from '../setup/etcd-secure.js';
import { waitFor } from '../setup/wait-for.js';
import { issueCertificate, makeCa, pem } from '../setup/certificates.js';

const SITE = '/site-a';
const SHIM_USER = 'gluon-site-a-shim-net-l3vpn';
const PROJECT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

/** Runs `gluon etcd roles …` in-process; resolves to its exit code and output. */
async function etcdRoles(args: readonly string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = 0;
  await etcdCommand({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['roles', ...args], { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

/** Creates a password user holding a role (as `etcdctl user add` and `user grant-role` would), connecting as root. */
let addPasswordUser: (user: string, password: string, role: string) => Promise<void>;

/** POSTs an object to the Proton API; resolves to the created object. */
async function protonPost(via: Agent, base: string, plural: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetchVia(`${base}/proton/net-l3vpn/v1.0/${plural}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: via });
  if (res.status !== 201) throw new Error(`POST ${plural}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The write's refusal, or undefined when etcd accepted it. */
async function refusal(write: Promise<unknown>): Promise<unknown> {
  return write.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('etcd roles against etcd with TLS client certificates and RBAC', () => {
  let etcd: SecureEtcdInstance;
  const stores: KeyValueStore[] = [];
  const storeFor = (access: EtcdAccessOptions, prefix = SITE): KeyValueStore => {
    const kv = createKeyValueStore(etcd.endpoint, { prefix, access });
    stores.push(kv);
    return kv;
  };

  beforeAll(async () => {
    etcd = await startSecureEtcd();
    addPasswordUser = async (user, password, role) => {
      const { Etcd3 } = await import('etcd3');
      const root = etcd.accessOf('root');
      const admin = new Etcd3({ hosts: etcd.endpoint, credentials: { rootCertificate: root.ca ?? Buffer.alloc(0), certChain: root.cert ?? Buffer.alloc(0), privateKey: root.key ?? Buffer.alloc(0) } });
      try {
        await admin.auth.userAdd({ name: user, password });
        await admin.auth.userGrantRole({ user, role });
      } finally {
        admin.close();
      }
    };
    const root = etcd.issueClientCertificate('root');
    const asRoot = ['--etcd', etcd.endpoint, '--etcd-ca-file', etcd.caFile, '--etcd-cert-file', root.cert, '--etcd-key-file', root.key];
    // applying twice is harmless: existing roles and users are kept
    for (const prefix of [SITE, '/site-b', SITE]) {
      const applied = await etcdRoles([...asRoot, '--etcd-prefix', prefix, '--api', 'net-l3vpn,ietf-sfc', '--apply']);
      expect(applied.err).toEqual([]);
      expect(applied.code).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((kv) => kv.close()));
    await etcd?.stop();
  }, 60_000);

  it('prints the roles as etcdctl commands without touching etcd', async () => {
    const printed = await etcdRoles(['--etcd-prefix', SITE, '--api', 'net-l3vpn']);
    expect(printed.code).toBe(0);
    expect(printed.out).toContain(`etcdctl role grant-permission ${SHIM_USER} --prefix=true readwrite /site-a/controller/net-l3vpn/Port/   # its bind results`);
    expect(printed.out.filter((l) => l.startsWith('etcdctl role add'))).toEqual([
      'etcdctl role add gluon-site-a-server',
      'etcdctl role add gluon-site-a-arbiter',
      `etcdctl role add ${SHIM_USER}`,
    ]);
  });

  it("lets a shim write its own API's bind results and nothing else", async () => {
    const shim = storeFor(etcd.accessOf(SHIM_USER));
    await expect(shim.put('/controller/net-l3vpn/Port/p1', '{}')).resolves.toMatchObject({ revision: expect.any(Number) as number });
    const forged = await Promise.all([
      refusal(shim.put('/proton/net-l3vpn/Port/p1', '{"host_id":"evil"}')),
      refusal(shim.put('/gluon/port/p1', '{}')),
      refusal(shim.put('/controller/ietf-sfc/Port/p1', '{}')),
      refusal(storeFor(etcd.accessOf(SHIM_USER), '/site-b').put('/controller/net-l3vpn/Port/p1', '{}')),
    ]);
    for (const err of forged) {
      expect(isKvError(err, 'GLUON_ERR_KV_PERMISSION_DENIED'), String(err)).toBe(true);
    }
  });

  it('lets the arbiter read port registrations but write nothing', async () => {
    await storeFor(etcd.accessOf('gluon-site-a-server')).put('/gluon/port/p2', '{"service":"net-l3vpn"}');
    const arbiter = storeFor(etcd.accessOf('gluon-site-a-arbiter'));
    expect((await arbiter.get('/gluon/port/p2'))?.value).toBe('{"service":"net-l3vpn"}');
    expect(isKvError(await refusal(arbiter.put('/gluon/port/p2', '{}')), 'GLUON_ERR_KV_PERMISSION_DENIED')).toBe(true);
    expect(isKvError(await refusal(arbiter.get('/proton/net-l3vpn/Port/p1')), 'GLUON_ERR_KV_PERMISSION_DENIED')).toBe(true);
  });

  it('authenticates by password, read from the file GLUON_ETCD_PASSWORD_FILE names, over a certificate of no user', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'gluon-secret-'));
    onTestFinished(() => rmSync(secrets, { recursive: true, force: true }));
    const passwordFile = join(secrets, 'etcd-password');
    writeFileSync(passwordFile, 's3cret-shim-password\n', { mode: 0o600 });
    const client = etcd.issueClientCertificate('nobody');
    await addPasswordUser('shim-net-l3vpn-pw', 's3cret-shim-password', SHIM_USER);
    const config = await loadServerConfig({
      env: { GLUON_ETCD: etcd.endpoint, GLUON_ETCD_PREFIX: SITE, GLUON_ETCD_CA_FILE: etcd.caFile, GLUON_ETCD_CERT_FILE: client.cert, GLUON_ETCD_KEY_FILE: client.key, GLUON_ETCD_USERNAME: 'shim-net-l3vpn-pw', GLUON_ETCD_PASSWORD_FILE: passwordFile },
      cwd: tmpdir(),
      only: ['etcd', 'etcdPrefix', 'etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'etcdUsername', 'etcdPassword'],
    });
    expect(JSON.stringify(settingsEcho(config))).not.toContain('s3cret');
    const access = await readEtcdAccess(config);
    const shim = storeFor(access ?? {});
    await expect(shim.put('/controller/net-l3vpn/Port/p3', '{}')).resolves.toMatchObject({ revision: expect.any(Number) as number });
    expect(isKvError(await refusal(shim.put('/proton/net-l3vpn/Port/p3', '{}')), 'GLUON_ERR_KV_PERMISSION_DENIED')).toBe(true);
    const wrong = storeFor({ ...access, password: 'not-the-password' });
    expect(isKvError(await refusal(wrong.get('/controller/net-l3vpn/Port/p3')), 'GLUON_ERR_KV_PERMISSION_DENIED')).toBe(true);
  });

  it('refuses a client certificate whose user has no role', async () => {
    const stranger = storeFor(etcd.accessOf('mallory'));
    expect(isKvError(await refusal(stranger.put('/site-a/controller/net-l3vpn/Port/p1', '{}')), 'GLUON_ERR_KV_PERMISSION_DENIED')).toBe(true);
  });

  describe('the chain binds end to end with the roles, its APIs over HTTPS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-rbac-'));
    // the Proton API and the facade serve HTTPS with certificates of one CA, which the facade's driver and the client trust
    const apiCa = makeCa(dir, 'api-ca');
    const protonCert = issueCertificate(dir, { ca: apiCa, name: 'proton' });
    const facadeCert = issueCertificate(dir, { ca: apiCa, name: 'facade' });
    const trusting = new Agent({ connect: { ca: pem(apiCa.cert) } });
    let proton: ProtonServer;
    let protonUrl: string;
    let shim: Shim;
    let facade: NeutronFacade;
    let facadeUrl: string;

    beforeAll(async () => {
      proton = await createProtonServer({
        db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, etcd: etcd.endpoint, etcdPrefix: SITE, etcdAccess: etcd.accessOf('gluon-site-a-server'), logger: { level: 'silent' }, docs: false, ui: false,
        tls: { cert: protonCert.cert, key: protonCert.key },
      });
      protonUrl = await proton.listen();
      expect(protonUrl).toMatch(/^https:/);
      const model = proton.registry.defaultVersion('net-l3vpn');
      if (model === undefined) throw new Error('the bundled net-l3vpn model is missing');
      shim = createShim({ ...dummyShimDefinition({ model }), etcd: etcd.endpoint, etcdPrefix: SITE, etcdAccess: etcd.accessOf(SHIM_USER), election: {} });
      await shim.start();
      // Gluon ports never reach Neutron: fixed dummy network ids, so no Neutron is needed
      facade = await createNeutronFacade({
        neutronUrl: 'http://127.0.0.1:9', etcd: etcd.endpoint, etcdPrefix: SITE, etcdAccess: etcd.accessOf('gluon-site-a-arbiter'), gluonNetworkId: 'net-gluon', gluonSubnetId: 'subnet-gluon',
        tls: { cert: pem(facadeCert.cert), key: pem(facadeCert.key) }, trustedCa: pem(apiCa.cert),
      });
      facadeUrl = (await facade.listen({ port: 0 })).replace(/^http:/, 'https:');
    }, 120_000);

    afterAll(async () => {
      await facade?.close();
      await shim?.close();
      await proton?.close();
      await trusting.close();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('binds a port through the facade: server, shim and arbiter each with their own etcd user', async () => {
      const portId = randomUUID();
      await protonPost(trusting, protonUrl, 'ports', { id: portId, tenant_id: PROJECT, name: 'rbac-port', mac_address: 'fa:16:3e:00:00:42', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
      const vpn = await protonPost(trusting, protonUrl, 'vpns', { tenant_id: PROJECT, name: 'vpn-rbac', ipv4_family: '100:1', route_distinguishers: '100:1' });
      await protonPost(trusting, protonUrl, 'vpnbindings', { tenant_id: PROJECT, interface_id: portId, service_id: vpn['id'], ipaddress: '10.10.0.5', subnet_prefix: 24, gateway: '10.10.0.1' });
      await waitFor('the port registration reaches the facade', () => facade.arbiter.isGluonPort(portId), 30_000);
      expect(facadeUrl).toMatch(/^https:/);
      const bound = await fetchVia(`${facadeUrl}/v2.0/ports/${portId}`, {
        dispatcher: trusting,
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ port: { 'binding:host_id': 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova', 'binding:profile': {} } }),
      });
      expect(bound.status).toBe(200);
      const port = ((await bound.json()) as { port: Record<string, unknown> }).port;
      expect(port).toMatchObject({ id: portId, 'binding:host_id': 'compute-1', 'binding:vif_type': 'ovs', status: 'ACTIVE' });
    }, 60_000);

    it('gluon shim run reaches etcd with the TLS flags and the shim role', async () => {
      const files = etcd.issueClientCertificate(SHIM_USER);
      const flags = { etcd: etcd.endpoint, etcdPrefix: SITE, etcdCaFile: etcd.caFile, etcdCertFile: files.cert, etcdKeyFile: files.key };
      const cliShim = await prepareShim('examples/dummy-shim', flags, { logger: silentLogger, cwd: ROOT });
      try {
        await cliShim.start();
        expect(cliShim.objects.hasSynced).toBe(true);
        expect(cliShim.objects.list('/proton/net-l3vpn/Port/').length).toBeGreaterThan(0);
      } finally {
        await cliShim.close();
      }
    }, 60_000);

    it('gluon resync compares SQL and etcd with the server role', async () => {
      const files = etcd.issueClientCertificate('gluon-site-a-server');
      const out: string[] = [];
      const err: string[] = [];
      process.exitCode = 0;
      await resyncCommand({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(
        ['--db', `sqlite:${join(dir, 'gluon.db')}`, '--etcd', etcd.endpoint, '--etcd-prefix', SITE, '--etcd-ca-file', etcd.caFile, '--etcd-cert-file', files.cert, '--etcd-key-file', files.key, '--dry-run'],
        { from: 'user' },
      );
      const code = process.exitCode;
      process.exitCode = 0;
      expect(err).toEqual([]);
      expect(code).toBe(0);
      expect(out.at(-1)).toMatch(/^would change: /);
    }, 60_000);
  });
});
