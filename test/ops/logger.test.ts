import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createServerLogger } from '../../src/server/index.js';
import { prettyLine } from '../../src/server/logger.js';

/** Keys of one JSON line in order, duplicates kept (JSON.parse would keep only the last). */
function keysOf(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"(\s*:)?|[{}[\]]/g)) {
    const token = match[0];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    else if (match[2] !== undefined && depth === 1) keys.push(match[1] ?? '');
  }
  return keys;
}

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { lines, stream };
}

describe('server logs', () => {
  it('a child binding a key its parent bound replaces it: every line has unique keys', () => {
    const { lines, stream } = capture();
    const logger = createServerLogger({ level: 'info' }, { stream });
    const shim = logger.child({ part: 'binding' }).child({ part: 'dummy-shim', api: 'net-l3vpn' }).child({ api: 'net-l3vpn' });
    shim.info({ api: 'net-l3vpn', shim: 'x' }, 'shim started');
    shim.info({ api: 'other' }, 'a different value is kept, renamed');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const keys = keysOf(line);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({ part: 'dummy-shim', api: 'net-l3vpn', shim: 'x', msg: 'shim started' });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ api: 'net-l3vpn', api_: 'other' });
  });

  it('a child keeps its parent\'s serializers and level', () => {
    const { lines, stream } = capture();
    const logger = createServerLogger(pino({ level: 'info' }, stream));
    const parent = logger.child({ part: 'http' }, { serializers: { req: (r: { url: string }) => ({ url: r.url }) }, level: 'warn' });
    const child = parent.child({ reqId: 'req-1' });
    child.info('dropped: below warn');
    child.warn({ req: { url: '/x', secret: 'no' } }, 'kept');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ part: 'http', reqId: 'req-1', req: { url: '/x' } });
    expect(lines[0]).not.toContain('secret');
  });

  it('the pretty format is one readable line: time, level, part, message, fields', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), pid: 1, hostname: 'h', name: 'gluon', part: 'mirror', msg: 'publishing failed', retryInMs: 200, err: { type: 'KvError', message: 'etcd is unreachable' } }));
    expect(line).toBe('12:00:01.234 WARN  [mirror] publishing failed retryInMs=200 err="etcd is unreachable"');
    expect(prettyLine('not json')).toBe('not json');
  });
});
