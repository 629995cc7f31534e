import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../drivers/discovery-fixtures.js';
import { ensureBuilt, gluon, ROOT } from '../ops/cli-build.js';
import { call } from '../setup/http-call.js';
import { PORTS, portBody, type Spawned } from './helpers.js';

beforeAll(ensureBuilt, 180_000);

const WIDGETS_MODEL = `file_version: "1.0"
info:
  name: acme-widgets
  version: "1.0"
  description: "Widgets of the Acme plugin"
objects:
  Widget:
    api:
      name: widget
      plural_name: widgets
    attributes:
      id:
        type: uuid
        primary: true
      name:
        type: string
        length: 64
      label:
        type: string
        length: 80
`;

/** Enriches widgets before they are written; refuses binds to hosts in maintenance. */
const HOOKS_MODULE = `import { GluonError } from 'gluon-net';
import { defineHooks } from 'gluon-net/drivers';
export default defineHooks({
  name: 'acme-policy',
  apiVersion: 1,
  beforeWrite: ({ object, action, values }) =>
    object === 'Widget' && action === 'create' ? { ...values, label: 'acme:' + values.name } : undefined,
  decideBind: ({ hostId }) => {
    if (hostId.startsWith('maint-')) throw new GluonError('GLUON_ERR_IN_USE', 'host ' + hostId + ' is in maintenance');
  },
});
`;

const running: Spawned[] = [];
const apps: TempApp[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  }
  for (const app of apps.splice(0)) await app.remove();
});

/** An application with gluon-net and the Acme plugin (models + hooks) installed beside it. */
async function appWithPlugin(hooksModule = HOOKS_MODULE): Promise<TempApp> {
  const app = await tempApp();
  apps.push(app);
  await app.linkPackage('gluon-net', ROOT);
  await app.addPackage('acme-gluon-plugin', {
    gluon: { apiVersion: 1, models: ['./models/acme-widgets.yaml'], hooks: { 'acme-policy': './hooks.js' } },
  }, { 'models/acme-widgets.yaml': WIDGETS_MODEL, 'hooks.js': hooksModule });
  await app.setDependencies({ 'gluon-net': '*', 'acme-gluon-plugin': '1.0.0' });
  return app;
}

function serve(app: TempApp, args: readonly string[]): Spawned {
  const proc = gluon(['serve', '--db', `sqlite:${join(app.root, 'gluon.db')}`, '--port', '0', ...args], app.root);
  running.push(proc);
  return proc;
}

describe('gluon serve with plugins', () => {
  it("serves a plugin's models, applies its hooks, and names both in the start-up log", async () => {
    const app = await appWithPlugin();
    const proc = serve(app, []);
    const line = await proc.waitFor(/listening on http/);
    const url = (JSON.parse(line) as { url: string }).url;
    const provides = JSON.parse(await proc.waitFor(/plugin acme-gluon-plugin provides/)) as { msg: string; hooks: string[]; models: string[] };
    expect(provides.msg).toContain('models node_modules/acme-gluon-plugin/models/acme-widgets.yaml');
    expect(provides.hooks).toEqual(['acme-policy']);

    const created = await call(`${url}/proton/acme-widgets/v1.0/widgets`, { method: 'POST', body: { name: 'w1' } });
    expect(created).toMatchObject({ status: 201, body: { name: 'w1', label: 'acme:w1' } });
    // the bundled APIs are still served, and a bind the plugin refuses is answered with its error
    const port = '5a1b2c3d-0000-4000-8000-000000000001';
    expect((await call(`${url}${PORTS}`, { method: 'POST', body: portBody(port) })).status).toBe(201);
    const refused = await call(`${url}${PORTS}/${port}`, { method: 'PUT', body: { host_id: 'maint-7', device_id: '5a1b2c3d-0000-4000-8000-0000000000aa' } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'GLUON_ERR_IN_USE' } });
    expect(await call(`${url}${PORTS}/${port}`)).toMatchObject({ status: 200, body: { host_id: null } });
  });

  it('--plugins lists what each discovered plugin provides, and exits', async () => {
    const app = await appWithPlugin();
    const proc = serve(app, ['--plugins']);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('acme-gluon-plugin: models node_modules/acme-gluon-plugin/models/acme-widgets.yaml; hooks acme-policy');
  });

  it('refuses to start with a broken plugin, naming the package and the reason', async () => {
    const app = await appWithPlugin('export default { name: "acme-policy", apiVersion: 1, beforeWrite: "not a function" };\n');
    const proc = serve(app, []);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/cannot start: a plugin is broken: Plugin package "acme-gluon-plugin".*not a server hooks definition.*\[GLUON_ERR_PLUGIN_NOT_HOOKS\]/);
  });
});
