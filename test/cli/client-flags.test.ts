/**
 * Properties of the client's local checks and of its event-stream parser.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { parseAttributeValue, SseParser, type SseEvent } from '../../src/cli/client/index.js';

function refusal(run: () => unknown): { field: string; rule: string; value: unknown } | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!isGluonError(err) || err.code !== 'GLUON_ERR_CLI_USAGE') throw err;
    const detail = err.details[0];
    return detail === undefined ? undefined : { field: detail.field, rule: detail.rule, value: detail.value };
  }
}

describe('parseAttributeValue', () => {
  const mtu = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };

  it('reads every in-range integer, and refuses any other text naming field, rule and value', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (n) => {
        expect(parseAttributeValue('mtu', mtu, String(n))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.string().filter((s) => !/^[+-]?\d+$/.test(s.trim())), (text) => {
        expect(refusal(() => parseAttributeValue('mtu', mtu, text))).toEqual({ field: 'mtu', rule: 'type', value: text });
      }),
    );
    expect(refusal(() => parseAttributeValue('mtu', mtu, '2147483648'))).toMatchObject({ rule: 'maximum' });
  });

  it('accepts exactly the enum values', () => {
    const status = { type: 'string', enum: ['ACTIVE', 'DOWN', null] };
    fc.assert(
      fc.property(fc.string(), (text) => {
        const refused = refusal(() => parseAttributeValue('status', status, text));
        expect(refused === undefined).toBe(text === 'ACTIVE' || text === 'DOWN');
        if (refused !== undefined) expect(refused).toEqual({ field: 'status', rule: 'enum', value: text });
      }),
    );
  });

  it('reads the boolean words the server accepts, any case, and nothing else', () => {
    const words = ['true', 'false', 'yes', 'no', '1', '0', 'on', 'off', 't', 'f', 'y', 'n'];
    for (const word of words) expect(parseAttributeValue('b', { type: 'boolean' }, word.toUpperCase())).toBe(['true', 'yes', '1', 'on', 't', 'y'].includes(word));
    fc.assert(
      fc.property(fc.string().filter((s) => !words.includes(s.toLowerCase())), (text) => {
        expect(refusal(() => parseAttributeValue('b', { type: 'boolean' }, text))).toMatchObject({ rule: 'type' });
      }),
    );
  });

  it('checks formats and lengths: mac, ipv4, json, maxLength', () => {
    expect(parseAttributeValue('mac_address', { type: 'string', format: 'mac', maxLength: 18 }, 'fa:16:3e:00:00:01')).toBe('fa:16:3e:00:00:01');
    expect(refusal(() => parseAttributeValue('mac_address', { type: 'string', format: 'mac' }, 'nope'))).toMatchObject({ rule: 'format' });
    expect(refusal(() => parseAttributeValue('gateway', { type: 'string', format: 'ipv4' }, '999.1.1.1'))).toMatchObject({ rule: 'format' });
    expect(refusal(() => parseAttributeValue('profile', { type: 'string', format: 'json' }, '{bad'))).toMatchObject({ rule: 'format' });
    expect(refusal(() => parseAttributeValue('name', { type: 'string', maxLength: 3 }, 'abcd'))).toMatchObject({ rule: 'maxLength' });
  });
});

describe('SseParser', () => {
  const event = fc.record({
    event: fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'),
    id: fc.integer({ min: 1, max: 1e9 }).map(String),
    data: fc.json(),
  });

  it('yields the same events however the stream is cut into chunks, skipping heartbeat comments', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), (events, cuts, eol) => {
        const text = events.map((e) => `: heartbeat${eol}${eol}event: ${e.event}${eol}id: ${e.id}${eol}data: ${e.data}${eol}${eol}`).join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const parser = new SseParser();
        const seen: SseEvent[] = [];
        let from = 0;
        for (const point of [...points, text.length]) {
          seen.push(...parser.push(text.slice(from, point)));
          from = point;
        }
        expect(seen).toEqual(events.map((e) => ({ event: e.event, id: e.id, data: e.data })));
      }),
    );
  });
});
