/**
 * Summarizes `node --cpu-prof` profiles of the gluon bench server
 * (`BENCH_PROFILE=1 BENCH_GLUON_FROM=src npm run bench`): self time per area
 * (gluon part, npm package, node internals, GC, idle) and the top functions by self
 * and by inclusive time.
 *
 * Usage: `node --import tsx bench/profile-summary.ts <file.cpuprofile>… [--top 25] [--last <s>] [--window <from>-<to>]`
 * (`--last 6`: only the final 6 s of each profile — the last case measured before the
 * server was stopped; `--window`: only the samples between two CLOCK_MONOTONIC times in µs,
 * the clock of the profile's timestamps, e.g. the timed binds `bench/bind.ts` logs).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The area a frame belongs to: `gluon:core/store`, `pkg:sequelize`, `node`, `(idle)`… */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `pkg:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?')}`;
  }
  const src = url.match(/\/src\/((?:core\/)?[^/]+)\//);
  if (src !== null) return `gluon:${src[1] ?? '?'}`;
  if (url.includes('/dist/')) return 'gluon:dist';
  if (url.includes('/bench/')) return 'bench';
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => `${((ms / total) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
}

/** Prints the summary of one profile. */
export function summarizeProfile(profile: CpuProfile, topN: number, span: { readonly lastSeconds?: number; readonly window?: readonly [number, number] } = {}): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  // sample i happens at startTime + sum(timeDeltas[0..i]) (µs)
  const times: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((at += delta));
  const from = span.window?.[0] ?? (span.lastSeconds === undefined ? -Infinity : at - span.lastSeconds * 1e6);
  const to = span.window?.[1] ?? Infinity;
  profile.samples.forEach((id, i) => {
    const time = times[i] ?? 0;
    if (time < from || time > to) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const selfFns = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    areas.set(areaOf(frame), (areas.get(areaOf(frame)) ?? 0) + ms);
    selfFns.set(label(frame), (selfFns.get(label(frame)) ?? 0) + ms);
  }
  // inclusive time: each function counted once per stack (recursion-safe)
  const inclusive = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined || frame.functionName === '(root)') continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  return [
    `total ${total.toFixed(0)} ms sampled, busy ${busy.toFixed(0)} ms (${((busy / total) * 100).toFixed(0)} %)`,
    '', 'self time by area:', ...top(areas, total, topN),
    '', 'self time by function:', ...top(selfFns, total, topN),
    '', 'inclusive time by function:', ...top(inclusive, total, topN),
  ].join('\n');
}

const args = process.argv.slice(2);
const flags = new Map<string, number>();
const files: string[] = [];
let window: [number, number] | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--top' || arg === '--last') flags.set(arg, Number(args[++i]));
  else if (arg === '--window') window = (args[++i] ?? '').split('-').map(Number) as [number, number];
  else files.push(arg);
}
const lastSeconds = flags.get('--last');
for (const file of files) {
  console.log(`== ${file}`);
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, flags.get('--top') ?? 25, { ...(lastSeconds === undefined ? {} : { lastSeconds }), ...(window === undefined ? {} : { window }) }));
}
