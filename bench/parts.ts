/**
 * The parts of `npm run bench` and how a run picks them: `--only a,b` / `--skip a,b`
 * (or `BENCH_ONLY` / `BENCH_SKIP`), `BENCH_<PART>=0` to skip one, `BENCH_<PART>=1` to add
 * an opt-in one.
 */

/** The parts of a run, in the order they run. */
export const PARTS = ['bind', 'storm', 'footprint', 'http', 'shim', 'drivers', 'mirror', 'facade', 'allocation'] as const;
/** One part of `npm run bench`. */
export type Part = (typeof PARTS)[number];
/** Parts that run only when asked for. */
const OPT_IN: readonly Part[] = ['facade'];

function partList(value: string, source: string): Part[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) {
    if (!(PARTS as readonly string[]).includes(name)) throw new Error(`${source}: "${name}" is not a part; use ${PARTS.join(', ')} (comma-separated)`);
  }
  return names as Part[];
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  const arg = argv[i] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[i + 1] ?? '');
}

/** The parts to run, from `--only` / `--skip` (or `BENCH_ONLY` / `BENCH_SKIP`) and `BENCH_<PART>=0|1`. */
export function partsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): Part[] {
  const only = flagValue(argv, '--only') ?? env['BENCH_ONLY'];
  const skip = flagValue(argv, '--skip') ?? env['BENCH_SKIP'];
  if (only !== undefined && only !== '') return PARTS.filter((p) => partList(only, '--only').includes(p));
  const skipped = skip === undefined ? [] : partList(skip, '--skip');
  return PARTS.filter((p) => {
    const toggle = env[`BENCH_${p.toUpperCase()}`];
    if (toggle === '0' || skipped.includes(p)) return false;
    return toggle === '1' || !OPT_IN.includes(p);
  });
}


/** A whole number of at least `min` from `env[name]`, `fallback` when it is unset or empty; a clear error otherwise. */
export function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, rule: { readonly min: number; readonly fallback: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min) throw new Error(`${name}: "${raw}" must be a whole number ≥ ${rule.min}`);
  return value;
}
