import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, gluon } from '../ops/cli-build.js';
import { SQLITE_FIXTURE } from './helpers.js';

describe('the gluon binary', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-import-bin-'));
    ensureBuilt();
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has `gluon db import-gluon`: a dry run of the original database reports and exits 3', async () => {
    const proc = gluon(['db', 'import-gluon', `sqlite:${SQLITE_FIXTURE}`, '--db', `sqlite:${join(dir, 'gluon.db')}`, '--dry-run'], dir);
    expect(await proc.exited, proc.output()).toBe(3);
    expect(proc.output()).toMatch(/^would import from sqlite:\S+gluon\.sqlite \(ietf-sfc 1\.0, net-l3vpn 1\.0, test 1\.0\): 157 rows read, 131 created, 0 updated, 0 unchanged, 26 refused$/m);
    expect(proc.output()).toMatch(/^! net-l3vpn\/Port\/1da721bc-22a9-4ca8-b2fa-ae62e79964ca \(table net_l3vpn__port\) refused:$/m);
  }, 60_000);
});
