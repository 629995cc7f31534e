/** The watch stream's pure parts: the query, the event classification, the SSE framing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { formatSseEvent } from '../../src/core/http/sse-stream.js';
import { classifyChange, matchesFilters } from '../../src/core/http/watch-events.js';
import { parseWatchQuery } from '../../src/core/http/watch-query.js';
import type { WatchEvent } from '../../src/core/kv/index.js';
import type { AttributeModel, ObjectModel } from '../../src/core/model/index.js';

function attr(name: string, type: AttributeModel['type'], extra: Partial<AttributeModel> = {}): AttributeModel {
  return { name, type, primary: false, naturalKey: false, required: false, ...extra };
}

const port: ObjectModel = {
  name: 'Port',
  api: { name: 'port', plural: 'ports' },
  role: 'port',
  extendsChain: [],
  primaryKey: 'id',
  naturalKey: [],
  policies: {},
  attributes: [attr('id', 'uuid', { primary: true }), attr('name', 'string', { length: 8 }), attr('mtu', 'integer', { min: 68, max: 9000 })],
};

describe('parseWatchQuery', () => {
  it('reads filters, fields and the resume point (the query wins over Last-Event-ID)', () => {
    expect(parseWatchQuery(port, '?watch=true&name=a&name=b&fields=id', '7')).toEqual({ filters: { name: ['a', 'b'] }, fields: ['id'], resumeAfter: 7 });
    expect(parseWatchQuery(port, '?watch=true&resourceVersion=12', '7').resumeAfter).toBe(12);
    expect(parseWatchQuery(port, '?watch=true', undefined)).toEqual({ filters: {} });
  });

  it('answers any watch, resourceVersion or Last-Event-ID value with a result or a 400 naming that parameter', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.option(fc.string(), { nil: undefined }), (watch, version, header) => {
        const url = `?${new URLSearchParams([['watch', watch], ['resourceVersion', version]]).toString()}`;
        try {
          const query = parseWatchQuery(port, url, header);
          expect(watch).toBe('true');
          expect(query.resumeAfter).toBe(Number(version.trim()));
        } catch (err) {
          expect(isGluonError(err) && err.status === 400).toBe(true);
          const field = (err as { details: { field: string }[] }).details[0]?.field;
          expect(['watch', 'resourceVersion']).toContain(field);
        }
      }),
    );
  });
});

describe('classifyChange', () => {
  const visibleWhen = (name: string) => async (object: Readonly<Record<string, unknown>>) => object['name'] === name;
  const put = (value: object, prev?: object, version = 2): WatchEvent => ({
    type: 'put',
    key: '/proton/a/Port/1',
    value: JSON.stringify(value),
    ...(prev === undefined ? {} : { prevValue: JSON.stringify(prev) }),
    modRevision: 5,
    version,
  });

  it('says ADDED, MODIFIED or DELETED as the object enters, stays in or leaves the caller\'s view', async () => {
    const see = visibleWhen('x');
    expect(await classifyChange(put({ name: 'x' }, undefined, 1), see)).toMatchObject({ type: 'ADDED' });
    expect(await classifyChange(put({ name: 'x' }, { name: 'x' }), see)).toMatchObject({ type: 'MODIFIED' });
    expect(await classifyChange(put({ name: 'x' }, { name: 'y' }), see)).toMatchObject({ type: 'ADDED' });
    expect(await classifyChange(put({ name: 'y' }, { name: 'x' }), see)).toEqual({ type: 'DELETED', object: { name: 'x' } });
    expect(await classifyChange(put({ name: 'y' }, { name: 'y' }), see)).toBeUndefined();
    expect(await classifyChange({ type: 'delete', key: 'k', prevValue: '{"name":"x"}', modRevision: 6 }, see)).toEqual({ type: 'DELETED', object: { name: 'x' } });
    expect(await classifyChange({ type: 'delete', key: 'k', prevValue: '{"name":"y"}', modRevision: 6 }, see)).toBeUndefined();
    expect(await classifyChange({ type: 'put', key: 'k', value: 'not json', modRevision: 7 }, see)).toBeUndefined();
  });

  it('never shows a state the caller may not see', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('x', 'y'), fc.option(fc.constantFrom('x', 'y'), { nil: undefined }), fc.boolean(), async (now, before, deleted) => {
        const event: WatchEvent = deleted
          ? { type: 'delete', key: 'k', ...(before === undefined ? {} : { prevValue: JSON.stringify({ name: before }) }), modRevision: 3 }
          : put({ name: now }, before === undefined ? undefined : { name: before });
        const change = await classifyChange(event, visibleWhen('x'));
        if (change !== undefined) expect(change.object['name']).toBe('x');
      }),
    );
  });
});

describe('matchesFilters and formatSseEvent', () => {
  it('compares typed filter values with stored ones as text, null with null', () => {
    expect(matchesFilters({ mtu: 1500, name: null }, { mtu: [1500, 9000], name: [null] })).toBe(true);
    expect(matchesFilters({ mtu: 1500 }, { mtu: [9000] })).toBe(false);
    expect(matchesFilters({ up: true }, { up: [true] })).toBe(true);
  });

  it('frames an event with its id, or without one', () => {
    expect(formatSseEvent({ event: 'ADDED', id: '9', data: '{}' })).toBe('event: ADDED\nid: 9\ndata: {}\n\n');
    expect(formatSseEvent({ event: 'ADDED', data: '{"a":1}' })).toBe('event: ADDED\ndata: {"a":1}\n\n');
  });
});
