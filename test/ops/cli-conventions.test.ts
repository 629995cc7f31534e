import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, gluon } from './cli-build.js';

beforeAll(ensureBuilt, 180_000);

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('gluon command-line conventions', () => {
  it('gluon --version prints the package version and exits 0', async () => {
    const proc = gluon(['--version'], ROOT);
    expect(await proc.exited).toBe(0);
    expect(proc.output().trim()).toBe(version);
  });

  it.each([
    [['serve', '--no-such-flag']],
    [['arbiter', '--bogus']],
    [['shim', 'run', '--bogus', 'x']],
    [['no-such-command']],
  ])('a usage error (%j) exits 2 like every other one', async (args) => {
    const proc = gluon(args, ROOT);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/unknown (option|command)/);
  });

  it('gluon arbiter names every bad flag at once, and no message says "null is not"', async () => {
    const proc = gluon(['arbiter', '--port', 'abc', '--auth-strategy', 'bogus'], ROOT);
    expect(await proc.exited).toBe(2);
    const out = proc.output();
    expect(out).toMatch(/--port: "abc" is not a port number/);
    expect(out).toMatch(/authStrategy "bogus" \(from flag --auth-strategy\)/);
    expect(out).toMatch(/--neutron-url is required/);
    expect(out).not.toMatch(/null is not/);
  });

  it('gluon arbiter without --auth-strategy names it next to the other bad flags', async () => {
    const proc = gluon(['arbiter', '--port', '70000', '--neutron-url', 'ftp://x'], ROOT);
    expect(await proc.exited).toBe(2);
    const out = proc.output();
    expect(out).toMatch(/3 problems/);
    expect(out).toMatch(/--port: "70000"/);
    expect(out).toMatch(/--neutron-url: "ftp:\/\/x" is not the http\(s\) URL/);
    expect(out).toMatch(/needs --auth-strategy/);
  });

  it('gluon shim run reports all bad flags at once', async () => {
    const proc = gluon(['shim', 'run', './does-not-exist', '--concurrency', '0', '--election-ttl', 'x'], ROOT);
    expect(await proc.exited).toBe(2);
    const out = proc.output();
    expect(out).toMatch(/4 problems/);
    expect(out).toMatch(/no etcd given/);
    expect(out).toMatch(/--concurrency: "0" is not a positive integer/);
    expect(out).toMatch(/--election-ttl: "x" is not a positive integer/);
    expect(out).toMatch(/"\.\/does-not-exist" is neither a file/);
  });

  it('gluon serve reports all bad flags at once', async () => {
    const proc = gluon(['serve', '--port', 'abc', '--log-format', 'fancy', '--mirror-stall-seconds', '0'], ROOT);
    expect(await proc.exited).toBe(2);
    const out = proc.output();
    expect(out).toMatch(/Invalid port "abc"/);
    expect(out).toMatch(/Invalid logFormat "fancy".*pretty, json/);
    expect(out).toMatch(/mirrorStallSeconds/);
  });
});
