/** The watch benchmark runs end to end at a tiny size and prints both of its tables. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/watch.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('watch benchmark', () => {
  it('measures events/s to watchers and the RSS of idle watchers', async () => {
    const { code, out } = await run({ BENCH_WATCH_EVENTS: '200', BENCH_WATCH_COUNTS: '1,3', BENCH_WATCH_IDLE: '20' });
    expect(code, out).toBe(0);
    expect(out).toMatch(/\| 1 watcher \| 200 \| \d+ \| \d+ \| [\d.]+ \| 0 \|/);
    expect(out).toMatch(/\| 3 watchers \| 200 \| \d+ \| \d+ \|/);
    expect(out).toMatch(/\| 20 \| [\d.]+ \| [\d.]+ \| -?[\d.]+ \|/);
  }, 300_000);
});
