/**
 * The watch stream (`?watch=true`, Server-Sent Events) against a real server, with the
 * in-process key/value store and with a real etcd: create/bind/delete events, resume
 * with Last-Event-ID, compaction, slow clients, filters and child routes, bad input.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ProtonServer, ProtonServerOptions } from '../../src/server/index.js';
import { API, bindBody, createPort, startServer, uniquePrefix } from '../binding/helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { WatchReader, type ReceivedEvent } from './watch-client.js';
import { call } from '../setup/http-call.js';

const PORTS = `${API}/ports`;

type Kind = 'memory' | 'etcd';

async function start(kind: Kind, extra: ProtonServerOptions = {}): Promise<{ server: ProtonServer; base: string }> {
  const etcd = kind === 'etcd' ? { etcd: inject('etcdEndpoint'), etcdPrefix: uniquePrefix() } : {};
  return startServer({ inProcessShim: true, ...etcd, ...extra });
}

/** The events about one object. */
function about(events: readonly ReceivedEvent[], id: string): ReceivedEvent[] {
  return events.filter((e) => e.data['id'] === id);
}

function kinds(events: readonly ReceivedEvent[]): string[] {
  return events.map((e) => e.event);
}

async function bookmarked(url: string, headers: Record<string, string> = {}): Promise<WatchReader> {
  const reader = await WatchReader.open(url, headers);
  expect(reader.status).toBe(200);
  await reader.until('the BOOKMARK ending the initial list', (events) => events.some((e) => e.event === 'BOOKMARK'));
  return reader;
}

describe.each<Kind>(['memory', 'etcd'])('watch stream on the %s store', (kind) => {
  let server: ProtonServer;
  let base: string;
  const readers: WatchReader[] = [];
  const open = async (url: string, headers: Record<string, string> = {}): Promise<WatchReader> => {
    const reader = await bookmarked(url, headers);
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    ({ server, base } = await start(kind, { watchHeartbeatSeconds: 1 }));
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await server?.close();
  });

  it('streams ADDED, MODIFIED and DELETED for a create, a bind and a delete, each object as GET returns it', async () => {
    const reader = await open(`${base}${PORTS}?watch=true`);
    expect(reader.headers['content-type']).toMatch(/^text\/event-stream/);
    const id = await createPort(base);
    const created = await call(`${base}${PORTS}/${id}`);
    await reader.until('the ADDED event', (events) => about(events, id).length > 0);
    expect(about(reader.events, id)[0]).toMatchObject({ event: 'ADDED', data: created.json() });

    const bound = await call(`${base}${PORTS}/${id}`, { method: 'PUT', body: bindBody() });
    expect(bound.status).toBe(200);
    await reader.until('the bound port', (events) => about(events, id).some((e) => e.event === 'MODIFIED' && e.data['vif_type'] === bound.json()['vif_type'] && e.data['host_id'] === 'compute-1'));
    const unbound = await call(`${base}${PORTS}/${id}`, { method: 'PUT', body: { host_id: '', device_id: '', device_owner: '', profile: '' } });
    expect(unbound.status, JSON.stringify(unbound.json())).toBe(200);
    // a DELETED event carries the last state the mirror published: wait until that is the unbound port
    await reader.until('the unbound port', (events) => about(events, id).some((e) => e.event === 'MODIFIED' && e.data['host_id'] === '' && e.data['revision_number'] === unbound.json()['revision_number']));
    expect((await call(`${base}${API}/vpnbindings/${id}`, { method: 'DELETE' })).status).toBe(204);
    const last = await call(`${base}${PORTS}/${id}`);
    const deleted = await call(`${base}${PORTS}/${id}`, { method: 'DELETE' });
    expect(deleted.status, JSON.stringify(deleted.json())).toBe(204);
    await reader.until('the DELETED event', (events) => about(events, id).some((e) => e.event === 'DELETED'));

    const mine = about(reader.events, id);
    expect(kinds(mine)[0]).toBe('ADDED');
    expect(kinds(mine).slice(1, -1).every((k) => k === 'MODIFIED')).toBe(true);
    expect(mine[mine.length - 1]).toEqual({ event: 'DELETED', id: expect.stringMatching(/^\d+$/), data: last.json() });
    // ids are revisions: decimal and increasing
    const ids = reader.events.flatMap((e) => (e.id === undefined ? [] : [Number(e.id)]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // the object is as GET returns it: no bookkeeping field of the mirror leaks
    expect(Object.keys(mine[0]?.data ?? {}).sort()).toEqual(Object.keys(created.json()).sort());
  });

  it('sends the current objects first, then a BOOKMARK with the revision', async () => {
    const id = await createPort(base, { binding: false });
    await waitFor('the port in the mirror', async () => (await server.kv.get(`/proton/net-l3vpn/Port/${id}`)) !== undefined);
    const reader = await open(`${base}${PORTS}?watch=true`);
    const bookmark = reader.events.findIndex((e) => e.event === 'BOOKMARK');
    const listed = reader.events.slice(0, bookmark);
    expect(listed.every((e) => e.event === 'ADDED')).toBe(true);
    expect(about(listed, id)).toHaveLength(1);
    expect(reader.events[bookmark]).toEqual({ event: 'BOOKMARK', id: expect.stringMatching(/^\d+$/), data: {} });
  });

  it('on reconnect with Last-Event-ID (or resourceVersion) sends exactly the changes missed, and no list', async () => {
    const a = await createPort(base, { binding: false });
    const first = await open(`${base}${PORTS}?watch=true`);
    const b = await createPort(base, { binding: false });
    await first.until('the ADDED of b', (events) => about(events, b).length === 1);
    first.close();
    const resumeFrom = first.lastEventId ?? '';
    expect(resumeFrom).toMatch(/^\d+$/);

    // missed while disconnected
    const c = await createPort(base, { binding: false });
    expect((await call(`${base}${PORTS}/${a}`, { method: 'PUT', body: { name: 'renamed-a' } })).status).toBe(200);
    expect((await call(`${base}${PORTS}/${b}`, { method: 'DELETE' })).status).toBe(204);
    const expected = [
      ['ADDED', c],
      ['MODIFIED', a],
      ['DELETED', b],
    ];
    const mine = (events: readonly ReceivedEvent[]): string[][] =>
      events.filter((e) => [a, b, c].includes(String(e.data['id']))).map((e) => [e.event, String(e.data['id'])]);

    for (const how of ['header', 'query'] as const) {
      const url = how === 'header' ? `${base}${PORTS}?watch=true` : `${base}${PORTS}?watch=true&resourceVersion=${resumeFrom}`;
      const again = await WatchReader.open(url, how === 'header' ? { 'last-event-id': resumeFrom } : {});
      readers.push(again);
      expect(again.status).toBe(200);
      await again.until('the missed changes', (events) => mine(events).length >= expected.length);
      expect(mine(again.events)).toEqual(expected);
      expect(again.events.some((e) => e.event === 'BOOKMARK')).toBe(false);
      expect(about(again.events, a).find((e) => e.event === 'MODIFIED')?.data['name']).toBe('renamed-a');
      again.close();
    }
  });

  it('applies filters and the parent of a child route to events (an object leaving the filter is DELETED)', async () => {
    const name = `watched-${randomUUID().slice(0, 8)}`;
    const filtered = await open(`${base}${PORTS}?watch=true&name=${name}`);
    const other = await createPort(base, { binding: false });
    const id = await createPort(base, { binding: false });
    expect((await call(`${base}${PORTS}/${id}`, { method: 'PUT', body: { name } })).status).toBe(200);
    // (the mirror may merge quick successive writes of one object: see the matching state first)
    await filtered.until('the port entering the filter', (events) => about(events, id).length === 1);
    expect((await call(`${base}${PORTS}/${id}`, { method: 'PUT', body: { name: 'gone' } })).status).toBe(200);
    await filtered.until('the port leaving the filter', (events) => about(events, id).length === 2);
    expect(kinds(about(filtered.events, id))).toEqual(['ADDED', 'DELETED']);
    expect(about(filtered.events, id)[1]?.data['name']).toBe(name);
    expect(about(filtered.events, other)).toEqual([]);

    // child route: only the interfaces of this port
    const children = await open(`${base}${PORTS}/${id}/interfaces?watch=true`);
    const iface = { tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', segmentation_type: 'none', segmentation_id: 0 };
    const mineIface = await call(`${base}${PORTS}/${id}/interfaces`, { method: 'POST', body: iface });
    const theirsIface = await call(`${base}${PORTS}/${other}/interfaces`, { method: 'POST', body: iface });
    expect([mineIface.status, theirsIface.status]).toEqual([201, 201]);
    const after = await open(`${base}${PORTS}/${other}/interfaces?watch=true`);
    await children.until('the interface of this port', (events) => about(events, String(mineIface.json()['id'])).length === 1);
    await after.until('the interface of the other port', (events) => about(events, String(theirsIface.json()['id'])).length === 1);
    expect(children.objectEvents().every((e) => e.data['port_id'] === id)).toBe(true);
    expect(after.objectEvents().every((e) => e.data['port_id'] === other)).toBe(true);
  });

  it('ends a stream whose resume point was compacted with GLUON_ERR_WATCH_EXPIRED', async () => {
    const reader = await open(`${base}${PORTS}?watch=true`);
    reader.close();
    const old = reader.lastEventId ?? '';
    await createPort(base, { binding: false });
    await createPort(base, { binding: false });
    await server.mirror?.flush?.();
    // one more write, so that compacting at the current revision discards the one after `old`
    await server.kv.put(`/watch-test/marker-${randomUUID()}`, 'x');
    await server.kv.compact(await server.kv.currentRevision());
    const again = await WatchReader.open(`${base}${PORTS}?watch=true`, { 'last-event-id': old });
    readers.push(again);
    expect(again.status).toBe(200);
    await waitFor('the stream to end', () => again.ended);
    expect(again.events).toEqual([{ event: 'ERROR', data: { code: 'GLUON_ERR_WATCH_EXPIRED', faultstring: expect.stringContaining(`after revision ${old}`) } }]);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const reader = await open(`${base}${PORTS}?watch=true&name=nobody-has-this-name`);
    await waitFor('a heartbeat', () => reader.heartbeats >= 1);
  });
});

describe('watch stream limits and errors', () => {
  it('cuts off a client that stops reading, with GLUON_ERR_WATCH_SLOW_CLIENT, after a bounded buffer', async () => {
    const { server, base } = await start('memory', { watchBufferBytes: 64 * 1024 });
    try {
      const reader = await bookmarked(`${base}${PORTS}?watch=true`);
      reader.pause();
      const filler = 'x'.repeat(16 * 1024);
      const template = (await call(`${base}${PORTS}/${await createPort(base, { binding: false })}`)).json();
      // a value GET returns in full (an attribute of the model), so every event carries it
      let written = 0;
      const cutOff = async (): Promise<boolean> => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        return /gluon_watch_streams_ended_total\{reason="slow-client"\} 1/.test(metrics);
      };
      // Write straight into the mirror until the server gives up on the reader (bounded by 4,000 writes = 64 MiB).
      while (!(await cutOff())) {
        expect(written).toBeLessThan(4000);
        for (let i = 0; i < 50; i++, written++) {
          const id = randomUUID();
          await server.kv.put(`/proton/net-l3vpn/Port/${id}`, JSON.stringify({ ...template, id, name: filler }));
        }
      }
      reader.resume();
      await waitFor('the stream to end', () => reader.ended);
      const last = reader.events[reader.events.length - 1];
      expect(last).toMatchObject({ event: 'ERROR', data: { code: 'GLUON_ERR_WATCH_SLOW_CLIENT' } });
      expect(reader.objectEvents().length).toBeLessThan(written);
    } finally {
      await server.close();
    }
  });

  it('refuses bad watch queries with a 400 naming the parameter, and answers 501 without a mirror', async () => {
    const { server, base } = await start('memory');
    try {
      for (const [query, headers, field] of [
        ['watch=yes', {}, 'watch'],
        ['watch=true&limit=5', {}, 'limit'],
        ['watch=true&sort_key=name', {}, 'sort_key'],
        ['watch=true&resourceVersion=-1', {}, 'resourceVersion'],
        ['watch=true', { 'last-event-id': 'abc' }, 'Last-Event-ID'],
        ['watch=true&nosuch=1', {}, 'nosuch'],
      ] as const) {
        const reader = await WatchReader.open(`${base}${PORTS}?${query}`, headers);
        expect(reader.status).toBe(400);
        expect(await reader.body()).toMatchObject({ details: [expect.objectContaining({ field })] });
      }
      const missing = await WatchReader.open(`${base}${PORTS}/${randomUUID()}/interfaces?watch=true`);
      expect(missing.status).toBe(404);
    } finally {
      await server.close();
    }
    const bare = await start('memory', { mirror: false });
    try {
      const reader = await WatchReader.open(`${bare.base}${PORTS}?watch=true`);
      expect(reader.status).toBe(501);
      expect(await reader.body()).toMatchObject({ code: 'GLUON_ERR_WATCH_UNAVAILABLE' });
    } finally {
      await bare.server.close();
    }
  });

  it('runs the docs/api.md example: curl -N shows the events as they happen', async () => {
    const { server, base } = await start('memory');
    const curl = spawn('curl', ['-N', '-s', `${base}${PORTS}?watch=true`]);
    let out = '';
    curl.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      await waitFor('the BOOKMARK', () => out.includes('event: BOOKMARK'));
      const id = await createPort(base, { binding: false });
      await waitFor('the ADDED event', () => out.includes(`"id":"${id}"`));
      expect(out).toMatch(new RegExp(`event: ADDED\nid: \\d+\ndata: \\{[^\n]*"id":"${id}"`));
    } finally {
      curl.kill('SIGTERM');
      await server.close();
    }
  });

  it('closing the server ends its open streams', async () => {
    const { server, base } = await start('memory');
    const reader = await bookmarked(`${base}${PORTS}?watch=true`);
    await server.close();
    await waitFor('the stream to end', () => reader.ended);
  });
});
