import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, PORTS, portBody, spawnNode, tempDir, type Spawned } from '../server/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let proc: Spawned;
let url: string;
let removeTmp: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir('gluon-example-');
  removeTmp = tmp.remove;
  proc = spawnNode(['--import', 'tsx', join(ROOT, 'examples/custom-server/server.ts')], {
    cwd: ROOT,
    env: { PORT: '0', DB: `sqlite:${join(tmp.dir, 'example.db')}` },
  });
  const line = await proc.waitFor(/custom server listening on /);
  url = line.slice(line.indexOf('http'));
}, 60_000);

afterAll(async () => {
  if (proc !== undefined && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  await removeTmp?.();
});

describe('examples/custom-server', () => {
  it('serves its own route next to the Proton API', async () => {
    expect(await call(`${url}/hello`)).toMatchObject({ status: 200, body: { hello: 'from my own route', protons: expect.arrayContaining(['net-l3vpn']) } });
    const discovery = await call(`${url}/proton/`);
    expect(discovery.status).toBe(200);
    expect(JSON.stringify(discovery.body)).toContain('net-l3vpn');
  });

  it('stores ports through the mounted plugin', async () => {
    const id = '3f0e2d9a-7a3b-4c11-9d2e-777777777777';
    expect((await call(`${url}${PORTS}`, { method: 'POST', body: portBody(id) })).status).toBe(201);
    expect(await call(`${url}${PORTS}/${id}`)).toMatchObject({ status: 200, body: { id } });
  });

  it('stops cleanly on SIGTERM', async () => {
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
