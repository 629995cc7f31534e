/**
 * The Barcelona PoC as a command (docs/poc.md):
 *
 *   node --import tsx examples/poc/poc.ts run             up → boot → check → down (what `npm run poc` runs)
 *   node --import tsx examples/poc/poc.ts up              bring everything up and leave it running; prints the run id
 *   node --import tsx examples/poc/poc.ts boot  [--run id] create VPN A and B and boot their VMs
 *   node --import tsx examples/poc/poc.ts check [--run id] print the connectivity matrix; exit 1 on a mismatch
 *   node --import tsx examples/poc/poc.ts down  [--run id] remove everything of the run (of every run without --run)
 *
 * Exit status: 0 all as expected, 1 a mismatch or something left behind, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { formatMatrix, mismatches, settledMatrix } from './connectivity.js';
import { bootPlan } from './scenario.js';
import { listRuns, loadState, type PocState } from './state.js';
import { down, downAll, up, type Leftovers } from './topology.js';

function pickRun(run: string | undefined): string {
  if (run !== undefined) return run;
  const runs = listRuns();
  if (runs.length === 1 && runs[0] !== undefined) return runs[0];
  throw new Error(runs.length === 0 ? 'no PoC run is up: run `poc up` first' : `several runs are up (${runs.join(', ')}): pass --run <id>`);
}

function describe(state: PocState): string {
  return [
    `run ${state.runId} (files in ${state.dir})`,
    `  etcd          ${state.etcdUrl ?? ''}`,
    `  neutron       ${state.neutron?.url ?? ''}`,
    `  proton server ${state.protonUrl ?? ''}`,
    `  facade        ${state.facadeUrl ?? ''}`,
    ...state.hosts.map((h) => `  ${h.name}     netns ${h.netns}, underlay ${h.vtep}, agent ${state.agents[h.name] ?? ''}`),
  ].join('\n');
}

function leftoverText(left: Leftovers): string {
  const parts = [...left.namespaces.map((n) => `namespace ${n}`), ...left.processes.map((p) => `process ${p}`), ...left.files.map((f) => `file ${f}`)];
  return parts.length === 0 ? 'nothing left behind' : `LEFT BEHIND: ${parts.join(', ')}`;
}

async function check(state: PocState): Promise<boolean> {
  const cells = await settledMatrix(state);
  console.log(formatMatrix(state, cells));
  const wrong = mismatches(cells);
  console.log(wrong.length === 0 ? 'check: every VM reaches its own VPN and nothing else' : `check: ${wrong.length} mismatch(es)`);
  return wrong.length === 0;
}

async function runAll(): Promise<boolean> {
  const state = await up();
  console.log(describe(state));
  let ok = false;
  try {
    await bootPlan(state);
    ok = await check(state);
  } finally {
    const left = await down(state.runId);
    console.log(`down: ${leftoverText(left)}`);
    ok &&= left.namespaces.length + left.processes.length + left.files.length === 0;
  }
  return ok;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { run: { type: 'string' } } });
  switch (positionals[0] ?? 'run') {
    case 'run':
      return (await runAll()) ? 0 : 1;
    case 'up':
      console.log(describe(await up(values.run)));
      return 0;
    case 'boot': {
      const state = loadState(pickRun(values.run));
      await bootPlan(state);
      console.log(state.vms.map((v) => `${v.name}: ${v.vpn ?? '-'} on ${v.host}, ${v.address}, port ${v.portId}`).join('\n'));
      return 0;
    }
    case 'check':
      return (await check(loadState(pickRun(values.run)))) ? 0 : 1;
    case 'down': {
      const results = values.run === undefined ? await downAll() : new Map([[values.run, await down(values.run)]]);
      let clean = true;
      for (const [runId, left] of results) {
        console.log(`down ${runId}: ${leftoverText(left)}`);
        clean &&= left.namespaces.length + left.processes.length + left.files.length === 0;
      }
      if (results.size === 0) console.log('down: no run found');
      return clean ? 0 : 1;
    }
    default:
      console.error(`unknown command ${positionals[0] ?? ''}: use run, up, boot, check or down`);
      return 2;
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
