/**
 * `poc down` after a crash: whatever a run left — recorded processes, processes it started
 * but never recorded, namespaces with links in them, its directory — is removed, and
 * nothing else is touched. Needs root (network namespaces).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipIn, namespaceExists, sh } from '../../examples/poc/netns.js';
import { isAlive, startProcess } from '../../examples/poc/processes.js';
import { processesOfRun } from '../../examples/poc/run-marker.js';
import { checkPrerequisites } from '../../examples/poc/services.js';
import { newState, saveState } from '../../examples/poc/state.js';
import { down, findRuns } from '../../examples/poc/topology.js';

const root = mkdtempSync(join(tmpdir(), 'gluon-poc-down-'));
process.env['GLUON_POC_DIR'] = root;

/** A long-running process with the run's marker that no state file records (a crash right after spawning it); its log stays outside the run's directory. */
function unrecorded(runId: string): number {
  return startProcess({ role: `unrecorded-${runId}`, command: ['sleep', '600'], dir: root, runId }).pid;
}

beforeAll(() => {
  checkPrerequisites();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('poc down after a crash', () => {
  it('stops recorded and unrecorded processes of the run, deletes its namespaces and directory, and leaves other processes alone', async () => {
    const runId = 'c0a5ed01';
    const state = newState(runId);
    state.processes.push(startProcess({ role: 'stand-in', command: ['sleep', '600'], dir: state.dir, runId }));
    saveState(state);
    unrecorded(runId);
    const bystander = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    bystander.unref();
    const host = `gpoc-${runId}-compute-1`;
    await sh('ip', ['netns', 'add', host]);
    await ipIn(host, ['link', 'add', 'gbr0123456789', 'type', 'bridge']);
    await sh('ip', ['netns', 'add', `gpoc-${runId}-vm-a1`]);

    const left = await down(runId);

    expect(left).toEqual({ namespaces: [], processes: [], files: [] });
    expect(await namespaceExists(host)).toBe(false);
    expect(existsSync(state.dir)).toBe(false);
    expect(processesOfRun(runId)).toEqual([]);
    expect(isAlive(bystander.pid ?? -1)).toBe(true);
    bystander.kill('SIGKILL');
  });

  it('finds a run by its namespaces even when its directory was never written, and removes it', async () => {
    const runId = 'c0a5ed02';
    await sh('ip', ['netns', 'add', `gpoc-${runId}-compute-2`]);
    unrecorded(runId);

    expect(await findRuns()).toContain(runId);
    expect(await down(runId)).toEqual({ namespaces: [], processes: [], files: [] });
    expect(await namespaceExists(`gpoc-${runId}-compute-2`)).toBe(false);
    expect(processesOfRun(runId)).toEqual([]);
  });
});
