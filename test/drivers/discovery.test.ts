import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverPlugins } from '../../src/drivers/index.js';
import { driverModule, tempAppsRemovedAfterEach, type TempApp } from './discovery-fixtures.js';

const newApp = tempAppsRemovedAfterEach();
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const factoryOptions = (service: string) => ({ service, gluonNetworkId: 'n', gluonSubnetId: 's', logger });

async function discoveryError(app: TempApp, plugins?: string[]): Promise<{ code: string; message: string }> {
  const error = await discoverPlugins({ root: app.root, ...(plugins === undefined ? {} : { plugins }) }).then(
    () => { throw new Error('discovery should have failed'); },
    (err: unknown) => err as { code: string; message: string },
  );
  return error;
}

describe('discoverPlugins', () => {
  it("reads the gluon field of the application's dependencies, skipping packages without one", async () => {
    const app = await newApp();
    const dir = await app.addPackage('gluon-plugin-a', {
      gluon: { apiVersion: 1, drivers: { 'svc-a': './dist/driver.js#acme' }, shims: { 'shim-a': './dist/shim.js' }, models: ['./models/a.yaml'] },
    }, { 'dist/driver.js': driverModule('driver-a', 'acme'), 'dist/shim.js': 'export default { shim: "a" };\n', 'models/a.yaml': 'file_version: "1.0"\n' });
    await app.addPackage('left-pad', {}, { 'index.js': 'export default 1;\n' });
    await app.setDependencies({ 'gluon-plugin-a': '^1.0.0', 'left-pad': '^1.0.0' });

    const found = await discoverPlugins({ root: app.root });
    expect(found.packages).toEqual(['gluon-plugin-a']);
    const driver = found.drivers.get('svc-a');
    expect(driver).toMatchObject({ name: 'driver-a', apiVersion: 1, package: 'gluon-plugin-a' });
    expect(await driver?.create(factoryOptions('svc-a'))).toMatchObject({ service: 'svc-a', marker: 'driver-a' });
    expect(found.models).toEqual([join(dir, 'models/a.yaml')]);
    const shim = found.shims.get('shim-a');
    expect(shim).toMatchObject({ package: 'gluon-plugin-a', exportName: 'default', file: join(dir, 'dist/shim.js') });
    expect(await shim?.load()).toEqual({ shim: 'a' });
  });

  it('loads only the explicitly listed plugins, including local package directories', async () => {
    const app = await newApp();
    await app.addPackage('gluon-plugin-a', { gluon: { apiVersion: 1, drivers: { 'svc-a': './d.js' } } }, { 'd.js': driverModule('a') });
    await app.addPackage('gluon-plugin-b', { gluon: { apiVersion: 1, drivers: { 'svc-b': './d.js' } } }, { 'd.js': driverModule('b') });
    await app.setDependencies({ 'gluon-plugin-a': '1', 'gluon-plugin-b': '1' });
    const found = await discoverPlugins({ root: app.root, plugins: ['gluon-plugin-b'] });
    expect([...found.drivers.keys()]).toEqual(['svc-b']);
    const local = await discoverPlugins({ root: app.root, plugins: ['./node_modules/gluon-plugin-a'] });
    expect(local.drivers.get('svc-a')?.package).toBe('gluon-plugin-a');
  });

  it('finds the package.json of a plugin whose exports map hides it', async () => {
    const app = await newApp();
    await app.addPackage('gluon-plugin-hidden', { exports: { '.': './d.js' }, gluon: { apiVersion: 1, drivers: { hidden: './d.js' } } }, { 'd.js': driverModule('hidden') });
    const found = await discoverPlugins({ root: app.root, plugins: ['gluon-plugin-hidden'] });
    expect(found.drivers.get('hidden')?.name).toBe('hidden');
  });

  describe('errors name the package', () => {
    it('wrong or missing apiVersion → GLUON_ERR_PLUGIN_API_VERSION', async () => {
      const app = await newApp();
      await app.addPackage('p-v2', { gluon: { apiVersion: 2, drivers: {} } });
      await app.addPackage('p-none', { gluon: { drivers: {} } });
      await app.addPackage('p-def-v2', { gluon: { apiVersion: 1, drivers: { s: './d.js' } } }, { 'd.js': driverModule('old', 'default', 2) });
      expect(await discoveryError(app, ['p-v2'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_API_VERSION', message: expect.stringMatching(/"p-v2".*gluon\.apiVersion 2.*version 1/) });
      expect(await discoveryError(app, ['p-none'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_API_VERSION', message: expect.stringContaining('"p-none" declares no gluon.apiVersion') });
      expect(await discoveryError(app, ['p-def-v2'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_API_VERSION', message: expect.stringMatching(/"p-def-v2".*driver "old".*apiVersion 2/) });
    });

    it('missing file → GLUON_ERR_PLUGIN_FILE_NOT_FOUND (drivers, shims and models)', async () => {
      const app = await newApp();
      await app.addPackage('p-nofile', { gluon: { apiVersion: 1, drivers: { s: './dist/driver.js#x' } } });
      await app.addPackage('p-nomodel', { gluon: { apiVersion: 1, models: ['./models/missing.yaml'] } });
      await app.addPackage('p-noshim', { gluon: { apiVersion: 1, shims: { x: './shim.js' } } });
      expect(await discoveryError(app, ['p-nofile'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_FILE_NOT_FOUND', message: expect.stringMatching(/"p-nofile".*gluon\.drivers\.s.*dist\/driver\.js.*does not exist/) });
      expect(await discoveryError(app, ['p-nomodel'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_FILE_NOT_FOUND', message: expect.stringContaining('"p-nomodel"') });
      expect(await discoveryError(app, ['p-noshim'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_FILE_NOT_FOUND', message: expect.stringContaining('gluon.shims.x') });
    });

    it('missing export → GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND listing the exports', async () => {
      const app = await newApp();
      await app.addPackage('p-noexport', { gluon: { apiVersion: 1, drivers: { s: './d.js#wrongName' } } }, { 'd.js': driverModule('a', 'rightName') });
      await app.addPackage('p-nodefault', { gluon: { apiVersion: 1, drivers: { s: './d.js' } } }, { 'd.js': driverModule('a', 'named') });
      expect(await discoveryError(app, ['p-noexport'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND', message: expect.stringMatching(/"p-noexport".*"wrongName".*"rightName"/) });
      expect(await discoveryError(app, ['p-nodefault'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND', message: expect.stringContaining('"default"') });
    });

    it('an export that is not a driver definition → GLUON_ERR_PLUGIN_NOT_A_DRIVER', async () => {
      const app = await newApp();
      await app.addPackage('p-notdriver', { gluon: { apiVersion: 1, drivers: { s: './d.js' } } }, { 'd.js': 'export default class AcmeDriver {}\n' });
      expect(await discoveryError(app, ['p-notdriver'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_NOT_A_DRIVER', message: expect.stringMatching(/"p-notdriver".*a function AcmeDriver.*defineDriver/) });
    });

    it('two drivers for one service → GLUON_ERR_PLUGIN_DUPLICATE_DRIVER naming both packages', async () => {
      const app = await newApp();
      await app.addPackage('p-one', { gluon: { apiVersion: 1, drivers: { 'net-l3vpn': './d.js' } } }, { 'd.js': driverModule('one') });
      await app.addPackage('p-two', { gluon: { apiVersion: 1, drivers: { 'net-l3vpn': './d.js' } } }, { 'd.js': driverModule('two') });
      await app.setDependencies({ 'p-one': '1', 'p-two': '1' });
      expect(await discoveryError(app)).toMatchObject({ code: 'GLUON_ERR_PLUGIN_DUPLICATE_DRIVER', message: expect.stringMatching(/"net-l3vpn".*"p-one" and "p-two"/) });
    });

    it('a malformed gluon field → GLUON_ERR_PLUGIN_MALFORMED', async () => {
      const app = await newApp();
      await app.addPackage('p-string', { gluon: 'drivers' });
      await app.addPackage('p-typo', { gluon: { apiVersion: 1, driver: {} } });
      await app.addPackage('p-list', { gluon: { apiVersion: 1, drivers: ['./d.js'] } });
      await app.addPackage('p-entry', { gluon: { apiVersion: 1, drivers: { s: 42 } } });
      await app.addPackage('p-escape', { gluon: { apiVersion: 1, drivers: { s: '../p-string/package.json' } } });
      await app.addPackage('p-nofield', {});
      for (const [name, pattern] of [
        ['p-string', /"p-string".*not an object/],
        ['p-typo', /"p-typo".*unknown key\(s\) "driver"/],
        ['p-list', /"p-list".*gluon\.drivers/],
        ['p-entry', /"p-entry".*gluon\.drivers\.s = 42/],
        ['p-escape', /"p-escape".*outside the package/],
        ['p-nofield', /"p-nofield".*no "gluon" field/],
      ] as const) {
        expect(await discoveryError(app, [name])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_MALFORMED', message: expect.stringMatching(pattern) });
      }
    });

    it('a module that throws on import → GLUON_ERR_PLUGIN_LOAD_FAILED', async () => {
      const app = await newApp();
      await app.addPackage('p-throws', { gluon: { apiVersion: 1, drivers: { s: './d.js' } } }, { 'd.js': 'throw new Error("boom at load");\n' });
      expect(await discoveryError(app, ['p-throws'])).toMatchObject({ code: 'GLUON_ERR_PLUGIN_LOAD_FAILED', message: expect.stringMatching(/"p-throws".*boom at load/) });
    });

    it('a package that is not installed → GLUON_ERR_PLUGIN_NOT_FOUND', async () => {
      const app = await newApp();
      await app.setDependencies({ 'p-missing': '1' });
      expect(await discoveryError(app)).toMatchObject({ code: 'GLUON_ERR_PLUGIN_NOT_FOUND', message: expect.stringMatching(/"p-missing".*npm install p-missing/) });
      expect(await discoverPlugins({ root: join(app.root, 'nowhere'), plugins: [] })).toMatchObject({ packages: [] });
      await expect(discoverPlugins({ root: join(app.root, 'nowhere') })).rejects.toMatchObject({ code: 'GLUON_ERR_PLUGIN_NOT_FOUND' });
    });
  });
});
