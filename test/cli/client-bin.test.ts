/**
 * The installed commands: `gluon <resource> …` and `protonclient` run from bin/ (the
 * built dist/cli.js), beside the built-in `gluon` commands, with their exit codes.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProton } from './client-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let url: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ url, stop } = await startProton());
});
afterAll(async () => stop());

function runBin(bin: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}bin/${bin}`, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/gluon.js and bin/protonclient.js', () => {
  it('gluon runs client commands with exit 0 / 1 / 2, and the built-in commands stay as they were', async () => {
    const created = await runBin('gluon.js', ['port', 'create', '--api', 'net-l3vpn', '--tenant_id', 'a868a466bca84df18404a77db0ecac72', '--mac_address', 'fa:16:3e:00:00:01',
      '--admin-state-up', 'yes', '--status', 'ACTIVE', '--vnic-type', 'normal', '--mtu', '1500', '--vlan-transparency', 'no', '-f', 'value', '-c', 'id'], { GLUON_URL: url });
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    const shown = await runBin('gluon.js', ['--url', url, 'port', 'show', id, '--api=net-l3vpn', '-c', 'mtu', '-f', 'value']);
    expect(shown).toMatchObject({ code: 0, stdout: '1500\n' });
    expect((await runBin('gluon.js', ['port', 'set', id, '--api', 'net-l3vpn', '--mtu', 'big'], { GLUON_URL: url })).code).toBe(2);
    expect((await runBin('gluon.js', ['port', 'show', '0b1e2c4d-1111-4222-8333-444455556666', '--api', 'net-l3vpn'], { GLUON_URL: url })).code).toBe(1);
    const help = await runBin('gluon.js', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('serve');
    expect(help.stdout).toContain('gluon <resource> list|show|create|set|unset|delete|describe');
    const actions = await runBin('gluon.js', ['port', '--help', '--api', 'net-l3vpn'], { GLUON_URL: url });
    expect(actions.stdout).toContain('describe');
  });

  it('a long list (more than a pipe buffer) arrives whole and parses', async () => {
    for (let i = 0; i < 200; i++) {
      const answer = await request(`${url}/proton/test/v1.0/tests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant_id: 'a868a466bca84df18404a77db0ecac72', name: `t${i}`, description: 'x'.repeat(200) }),
      });
      expect(answer.statusCode, await answer.body.text()).toBe(201);
    }
    const list = await runBin('gluon.js', ['test', 'list', '--api', 'test', '-f', 'json'], { GLUON_URL: url });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.length).toBeGreaterThan(65_536);
    expect(JSON.parse(list.stdout)).toHaveLength(200);
  });

  it('protonclient prints the original\'s JSON', async () => {
    const { hostname, port } = new URL(url);
    const list = await runBin('protonclient.js', ['--api', 'net-l3vpn', 'vpn-list', '--host', hostname, '--port', port]);
    expect(list).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('bash completion', () => {
  it('completes resources from the server, then actions, then the flags of the action', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'gluon-completion-'));
    try {
      writeFileSync(join(bin, 'gluon'), `#!/bin/sh\nexec "${process.execPath}" "${ROOT}bin/gluon.js" "$@"\n`);
      chmodSync(join(bin, 'gluon'), 0o755);
      // asynchronous: the server answering the completion runs in this process
      const complete = async (...words: string[]): Promise<string[]> =>
        (await promisify(execFile)('bash', ['-c', `eval "$(gluon completion bash)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gluon; printf '%s\\n' "\${COMPREPLY[@]}"`], {
          env: { PATH: `${bin}:${process.env['PATH'] ?? ''}`, GLUON_URL: url, HOME: bin },
          encoding: 'utf8',
        })).stdout
          .split('\n')
          .filter((w) => w !== '');
      expect(await complete('gluon', 'vpn')).toEqual(['vpn', 'vpnafconfig', 'vpnbinding']);
      expect(await complete('gluon', 'po')).toEqual(expect.arrayContaining(['port', 'policy']));
      expect(await complete('gluon', 'port', 'de')).toEqual(['delete', 'describe']);
      expect(await complete('gluon', 'port', 'create', '--api', 'net-l3vpn', '--mac')).toEqual(['--mac-address']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
