/**
 * The driver conformance suite checks what it says: run on a driver whose getPorts
 * fetches one port at a time (test/fixtures/per-port-driver), it fails, naming the
 * batching rule, while every other rule passes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the driver conformance suite', () => {
  it('fails a driver that fetches per port, naming the rule, and only that check', () => {
    const run = spawnSync(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', '--config', 'test/fixtures/per-port-driver/vitest.config.ts', '--reporter', 'verbose', '--no-color'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
      timeout: 170_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(1);
    expect(output).toContain('rule "getPorts: batch, never one request per port"');
    expect(output).toMatch(/getPorts of 24 ports made 2[4-9] backend requests/);
    expect(output).toMatch(/1 failed \| \d+ passed/);
  }, 180_000);
});
