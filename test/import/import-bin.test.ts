import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode } from '../server/helpers.js';
import { SQLITE_FIXTURE } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'gluon.js');
const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');

function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

describe('the gluon binary', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-import-bin-'));
    // `npm test` builds first (pretest); a bare `vitest run` builds here when dist/ is missing or stale.
    if (!existsSync(CLI_BUNDLE) || statSync(CLI_BUNDLE).mtimeMs < newest(join(ROOT, 'src'))) {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has `gluon db import-gluon`: a dry run of the original database reports and exits 3', async () => {
    const proc = spawnNode([BIN, 'db', 'import-gluon', `sqlite:${SQLITE_FIXTURE}`, '--db', `sqlite:${join(dir, 'gluon.db')}`, '--dry-run'], { cwd: dir });
    expect(await proc.exited, proc.output()).toBe(3);
    expect(proc.output()).toMatch(/^would import from sqlite:\S+gluon\.sqlite \(ietf-sfc 1\.0, net-l3vpn 1\.0, test 1\.0\): 157 rows read, 131 created, 0 updated, 0 unchanged, 26 refused$/m);
    expect(proc.output()).toMatch(/^! net-l3vpn\/Port\/1da721bc-22a9-4ca8-b2fa-ae62e79964ca \(table net_l3vpn__port\) refused:$/m);
  }, 60_000);
});
