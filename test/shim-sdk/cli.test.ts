import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadShimDefinition, locateShim, prepareShim } from '../../src/cli/commands/shim-run.js';
import { silentLogger } from '../../src/shim-sdk/index.js';
import { ROOT, spawnShim } from './processes.js';
import { sharedEtcd } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gluon-shim-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gluon shim run: locating and loading a shim', () => {
  it('reads the gluon.shims field of a package directory and loads its default-exported definition', async () => {
    const entry = locateShim('examples/dummy-shim', ROOT);
    expect(entry).toEqual({ file: join(ROOT, 'examples/dummy-shim/shim.ts'), exportName: 'default', shimName: 'net-l3vpn-dummy' });
    const definition = await loadShimDefinition(entry);
    expect(definition).toMatchObject({ name: 'net-l3vpn-dummy', api: 'net-l3vpn' });
    expect(typeof definition.handlers['Port']?.bind).toBe('function');
  });

  it('resolves an installed package by name from the working directory, and a file with #export', async () => {
    const pkg = join(tmp, 'node_modules', 'my-shim');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'my-shim', type: 'module', gluon: { apiVersion: 1, shims: { a: './a.js#shimA', b: './b.js' } } }));
    writeFileSync(join(pkg, 'a.js'), 'export const shimA = { name: "a", handlers: {} };');
    writeFileSync(join(pkg, 'b.js'), 'export default { name: "b", handlers: {} };');
    writeFileSync(join(tmp, 'package.json'), '{"name":"app"}');
    expect(await loadShimDefinition(locateShim('my-shim', tmp))).toMatchObject({ name: 'a' });
    expect(await loadShimDefinition(locateShim('my-shim', tmp, 'b'))).toMatchObject({ name: 'b' });
    expect(await loadShimDefinition(locateShim(`${join(pkg, 'a.js')}#shimA`, tmp))).toMatchObject({ name: 'a' });
    expect(() => locateShim('my-shim', tmp, 'zzz')).toThrow(/--shim "zzz" is not one of its gluon.shims \(a, b\)/);
  });

  it('names what is wrong: missing module, no definition exported', async () => {
    expect(() => locateShim('./nope', tmp)).toThrow(/neither a file, a package directory nor an installed package/);
    writeFileSync(join(tmp, 'not-a-shim.mjs'), 'export default 42;');
    await expect(loadShimDefinition(locateShim('./not-a-shim.mjs', tmp))).rejects.toMatchObject({ code: 'GLUON_ERR_CONFIG', message: expect.stringMatching(/is not a shim definition/) });
  });

  it('takes the etcd member list comma-separated or as repeated --etcd, and names a bad member', async () => {
    for (const etcd of [`${sharedEtcd()},http://127.0.0.1:1`, [sharedEtcd(), 'http://127.0.0.1:1']]) {
      const shim = await prepareShim('examples/dummy-shim', { etcd }, { logger: silentLogger, cwd: ROOT });
      await shim.start(); // the reachable member answers
      expect(shim.objects.hasSynced).toBe(true);
      await shim.close();
    }
    await expect(prepareShim('examples/dummy-shim', { etcd: [sharedEtcd(), 'ftp://127.0.0.1:2'] }, { logger: silentLogger, cwd: ROOT })).rejects.toMatchObject({
      code: 'GLUON_ERR_CONFIG',
      message: expect.stringContaining('ftp://127.0.0.1:2'),
    });
  });

  it('exits 2 on a configuration error (through the real CLI entry)', async () => {
    const noEtcd = spawnShim(['examples/dummy-shim'], { cli: true });
    expect(await noEtcd.exited).toBe(2);
    expect(noEtcd.stderr()).toMatch(/no etcd given; pass --etcd/);
    const badModule = spawnShim(['./does-not-exist', '--etcd', sharedEtcd()], { cli: true });
    expect(await badModule.exited).toBe(2);
    expect(badModule.stderr()).toMatch(/"\.\/does-not-exist" is neither a file/);
  });
});
