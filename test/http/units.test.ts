import { describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { parseIfMatch } from '../../src/core/http/index.js';
import { coerceBody, toBoolean, toInteger } from '../../src/core/http/coerce.js';
import { parseListQuery, parseMemberQuery } from '../../src/core/http/query-parser.js';
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
  attributes: [
    attr('id', 'uuid', { primary: true }),
    attr('name', 'string', { length: 8 }),
    attr('mtu', 'integer', { min: 68, max: 9000 }),
    attr('admin_state_up', 'boolean'),
    attr('status', 'enum', { values: ['ACTIVE', 'DOWN'] }),
  ],
};

function thrown(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    expect(isGluonError(err)).toBe(true);
    return err as unknown as Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

describe('coercion compatible with the original', () => {
  it('reads the boolean spellings the original accepted', () => {
    for (const word of ['true', 'TRUE', '1', 'yes', 'On', 't', 'Y']) expect(toBoolean(word)).toBe(true);
    for (const word of ['false', '0', 'no', 'OFF', 'f', 'n']) expect(toBoolean(word)).toBe(false);
    expect(toBoolean('maybe')).toBeUndefined();
    expect(toBoolean(1)).toBeUndefined();
  });

  it('reads integer texts, not floats or huge numbers', () => {
    expect(toInteger('1500')).toBe(1500);
    expect(toInteger('-3')).toBe(-3);
    expect(toInteger('1.5')).toBeUndefined();
    expect(toInteger('12345678901234567890')).toBeUndefined();
    expect(toInteger(1.5)).toBeUndefined();
  });

  it('coerces only boolean and integer attributes and leaves the rest for the validator', () => {
    expect(coerceBody(port, { admin_state_up: 'true', mtu: '1500', name: '1', status: 'x', extra: 'true' })).toEqual({
      admin_state_up: true,
      mtu: 1500,
      name: '1',
      status: 'x',
      extra: 'true',
    });
    expect(coerceBody(port, { admin_state_up: 'nope', mtu: 'abc' })).toEqual({ admin_state_up: 'nope', mtu: 'abc' });
  });
});

describe('If-Match', () => {
  it('accepts revision_number=N quoted or not, and *', () => {
    expect(parseIfMatch('revision_number=3')).toBe(3);
    expect(parseIfMatch('"revision_number=12"')).toBe(12);
    expect(parseIfMatch('*')).toBeUndefined();
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('rejects other forms with GLUON_ERR_BAD_PRECONDITION', () => {
    for (const bad of ['3', 'revision=3', 'revision_number=x', '']) {
      expect(thrown(() => parseIfMatch(bad))['code']).toBe('GLUON_ERR_BAD_PRECONDITION');
    }
  });
});

describe('list query parsing', () => {
  it('types filters, ORs repeated keys, reads paging and sorting', () => {
    const parsed = parseListQuery(port, '/x?mtu=1500&mtu=9000&admin_state_up=yes&limit=10&marker=3f0e2d9a-7a3b-4c11-9d2e-111111111111&sort_key=name&sort_dir=desc&fields=id,name&fields=mtu');
    expect(parsed.query).toEqual({
      filters: { mtu: [1500, 9000], admin_state_up: [true] },
      limit: 10,
      marker: '3f0e2d9a-7a3b-4c11-9d2e-111111111111',
      sort: [{ key: 'name', dir: 'desc' }],
    });
    expect(parsed.fields).toEqual(['id', 'name', 'mtu']);
  });

  it('rejects unknown arguments the way the original did', () => {
    const err = thrown(() => parseListQuery(port, '/x?bogus=1'));
    expect(err['message']).toBe('Unknown argument: "bogus"');
    expect(err['details']).toEqual([expect.objectContaining({ field: 'bogus', rule: 'unknown', value: '1' })]);
  });

  it.each([
    ['mtu=abc', 'mtu', 'type'],
    ['mtu=10', 'mtu', 'minimum'],
    ['status=UP', 'status', 'enum'],
    ['id=nope', 'id', 'format'],
    ['name=waytoolongname', 'name', 'maxLength'],
    ['limit=0', 'limit', 'range'],
    ['limit=1001', 'limit', 'range'],
    ['sort_key=nope', 'sort_key', 'enum'],
    ['sort_dir=up', 'sort_dir', 'enum'],
    ['fields=nope', 'fields', 'enum'],
    ['marker=nope', 'marker', 'format'],
  ])('%s → 400 naming %s (%s)', (qs, field, rule) => {
    const err = thrown(() => parseListQuery(port, `/x?${qs}`));
    expect(err['status']).toBe(400);
    expect(err['details']).toEqual([expect.objectContaining({ field, rule })]);
  });

  it('accepts only fields on a member GET', () => {
    expect(parseMemberQuery(port, '/x?fields=id')).toEqual(['id']);
    expect(thrown(() => parseMemberQuery(port, '/x?limit=1'))['message']).toBe('Unknown argument: "limit"');
  });
});
