import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../server/helpers.js';
import { call } from '../setup/http-call.js';
import { cleanUpAfterEach, ensureBuilt, gluon } from './cli-build.js';

beforeAll(ensureBuilt, 180_000);

const { running, cleanups } = cleanUpAfterEach();

describe('the gluon command', () => {
  it('runs from its #! line, with the young generation capped as docs/benchmarks.md measures it', async () => {
    const tmp = await tempDir('gluon-command-');
    cleanups.push(tmp.remove);
    const proc = gluon(['serve', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'gluon.db')}`, '--log-format', 'json'], tmp.dir);
    running.push(proc);
    const line = await proc.waitFor(/listening on http/);
    const url = (JSON.parse(line) as { url: string }).url;
    expect((await call(`${url}/readyz`)).status).toBe(200);
    // env execs node in place: the server's own command line carries the #! line's flag
    const argv = readFileSync(`/proc/${String(proc.child.pid)}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--max-semi-space-size=2');
    expect(argv.some((arg) => arg.endsWith(join('bin', 'gluon.js')))).toBe(true);
  });
});
