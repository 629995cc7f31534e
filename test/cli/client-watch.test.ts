/**
 * `gluon <resource> list --watch` against a real Proton server's watch stream (the
 * server's `?watch=true`, in-process key/value mirror): a create seen before the watch,
 * then an update and a delete made through `gluon` while it watches, each printed as it
 * happens. Each change is made only once the previous one was printed: the mirror may
 * merge changes to one object that follow each other closely (docs/api.md).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { gluon, startProton } from './client-helpers.js';

let proton: Awaited<ReturnType<typeof startProton>>;
beforeAll(async () => {
  proton = await startProton();
});
afterAll(async () => {
  await proton.stop();
});

describe('gluon port list --watch against the server', () => {
  it('prints ADDED for what exists, then MODIFIED and DELETED for changes made meanwhile', async () => {
    const id = randomUUID();
    const created = await fetch(`${proton.url}/proton/net-l3vpn/v1.0/ports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...PORT_FIELDS, id, tenant_id: randomUUID(), name: 'watched', mac_address: 'fa:16:3e:00:00:01' }),
    });
    expect(created.status).toBe(201);

    const env = { GLUON_URL: proton.url };
    const controller = new AbortController();
    const steps: { seen: string; then: () => Promise<unknown> }[] = [
      { seen: `ADDED ${id} watched`, then: () => gluon(['port', 'set', id, '--name', 'renamed', '--api', 'net-l3vpn'], { env }) },
      { seen: `MODIFIED ${id} renamed`, then: () => gluon(['port', 'delete', id, '--api', 'net-l3vpn'], { env }) },
      { seen: `DELETED ${id} renamed`, then: async () => controller.abort() },
    ];
    const actions: Promise<unknown>[] = [];
    const watched = await gluon(['port', 'list', '--api', 'net-l3vpn', '--watch'], {
      env,
      signal: controller.signal,
      onOutput: (out) => {
        const step = steps[0];
        if (step !== undefined && out.includes(step.seen)) {
          steps.shift();
          actions.push(step.then());
        }
      },
    });
    await Promise.all(actions);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout.split('\n').filter((line) => line !== '')).toEqual([`ADDED ${id} watched`, `MODIFIED ${id} renamed`, `DELETED ${id} renamed`]);
  }, 60_000);
});
