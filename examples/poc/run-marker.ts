/** Finds the processes of a run by the `GLUON_POC_RUN` entry of their environment. */
import { readFileSync, readdirSync } from 'node:fs';
import { RUN_ENV } from './state.js';

/** Whether the process's environment carries the run's marker. */
export function hasRunMarker(pid: number, runId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${RUN_ENV}=${runId}`);
  } catch {
    return false;
  }
}

/** Every running process (but this one) that carries the run's marker. */
export function processesOfRun(runId: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && hasRunMarker(pid, runId));
}
