import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsCheck } from '../../src/cli/commands/models-check.js';
import { TWO_MISTAKES_SPEC } from './helpers.js';

const ROOT = CONFORMANCE_MODELS;

function capture(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

describe('gluon models check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-check-'));
    await writeFile(join(dir, 'bad.yaml'), TWO_MISTAKES_SPEC);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists each API with its objects, keys, roles and routes, and exits 0', async () => {
    const c = capture();
    expect(await runModelsCheck([ROOT], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain('net-l3vpn 1.0 (/proton/net-l3vpn/v1.0)');
    expect(text).toContain('objects (7):');
    expect(text).toMatch(/VpnBinding\s+\/vpnbindings\s+role: service-binding\s+key: interface_id \(Interface → uuid\)/);
    expect(text).toMatch(/VpnAfConfig .*key: vrf_rt_value \(string\)/);
    expect(text).toContain('GET,PUT,DELETE  /proton/net-l3vpn/v1.0/ports/:port_id/interfaces/:id');
    expect(text).toContain('ietf-sfc 1.0');
    expect(text).toContain('test 1.0');
    expect(c.err).toEqual([]);
  });

  it('prints every problem as file:line:col: path: message [code] and exits 1', async () => {
    const c = capture();
    expect(await runModelsCheck([join(dir, 'bad.yaml')], c.io)).toBe(1);
    expect(c.err).toHaveLength(3);
    expect(c.err[0]).toMatch(/bad\.yaml:8:20: objects\.Thing\.attributes\.size\.type: unknown type "strin"; allowed: string, uuid, .* \[GLUON_ERR_MODEL_BAD_VALUE\]$/);
    expect(c.err[1]).toMatch(/bad\.yaml:10:30: objects\.Kid\.api\.parent: parent "Nope" is not an API object; allowed: Thing or Kid \[GLUON_ERR_MODEL_UNKNOWN_REFERENCE\]$/);
    expect(c.err[2]).toBe(`2 problems in ${join(dir, 'bad.yaml')}`);
  });

  it('works end to end as a command', () => {
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'models', 'check', ROOT], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('net-l3vpn 1.0');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'models', 'check', join(dir, 'bad.yaml')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('[GLUON_ERR_MODEL_UNKNOWN_REFERENCE]');
  });
});
