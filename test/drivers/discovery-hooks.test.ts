import { describe, expect, it } from 'vitest';
import { defineHooks, discoverPlugins } from '../../src/drivers/index.js';
import { tempAppsRemovedAfterEach } from './discovery-fixtures.js';

const newApp = tempAppsRemovedAfterEach();

const hooksModule = (body: string): string => `export default ${body};\n`;

describe('discoverPlugins: server hooks (gluon.hooks)', () => {
  it('loads the hooks of a plugin and says which package provides what', async () => {
    const app = await newApp();
    await app.addPackage('gluon-plugin-audit', {
      gluon: { apiVersion: 1, hooks: { audit: './hooks.js' }, models: ['./m.yaml'] },
    }, { 'hooks.js': hooksModule('{ name: "audit", apiVersion: 1, apis: ["net-l3vpn"], beforeWrite: (e) => ({ ...e.values, name: "x" }) }'), 'm.yaml': 'file_version: "1.0"\n' });
    await app.setDependencies({ 'gluon-plugin-audit': '1' });
    const found = await discoverPlugins({ root: app.root });
    const hooks = found.hooks.get('audit');
    expect(hooks).toMatchObject({ name: 'audit', apiVersion: 1, apis: ['net-l3vpn'], package: 'gluon-plugin-audit' });
    expect(await hooks?.beforeWrite?.({ api: 'net-l3vpn', version: 'v1.0', object: 'Port', action: 'create', values: { id: 'p' } })).toEqual({ id: 'p', name: 'x' });
    expect(found.provided).toEqual([{ package: 'gluon-plugin-audit', drivers: [], shims: [], hooks: ['audit'], models: [found.models[0]] }]);
  });

  it.each([
    ['a function instead of a definition', '() => 1', 'GLUON_ERR_PLUGIN_NOT_HOOKS'],
    ['a hook that is not a function', '{ name: "h", apiVersion: 1, beforeWrite: 3 }', 'GLUON_ERR_PLUGIN_NOT_HOOKS'],
    ['apis that are not names', '{ name: "h", apiVersion: 1, apis: "net-l3vpn" }', 'GLUON_ERR_PLUGIN_NOT_HOOKS'],
    ['another contract version', '{ name: "h", apiVersion: 2 }', 'GLUON_ERR_PLUGIN_API_VERSION'],
  ])('refuses %s, naming the package', async (_case, body, code) => {
    const app = await newApp();
    await app.addPackage('gluon-plugin-broken', { gluon: { apiVersion: 1, hooks: { h: './hooks.js' } } }, { 'hooks.js': hooksModule(body) });
    const error = await discoverPlugins({ root: app.root, plugins: ['gluon-plugin-broken'] }).catch((err: unknown) => err as { code: string; message: string });
    expect(error).toMatchObject({ code });
    expect((error as { message: string }).message).toContain('"gluon-plugin-broken"');
  });

  it('defineHooks keeps the definition as written, typed', () => {
    const hooks = defineHooks({ name: 'n', apiVersion: 1, decideBind: () => undefined });
    expect(hooks.name).toBe('n');
    expect(typeof hooks.decideBind).toBe('function');
  });
});
