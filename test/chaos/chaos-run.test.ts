import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos/run.js';

/**
 * The short seeded chaos run of `npm test` (the full one is `npm run chaos`, ≥ 2 min):
 * the same system and checker, 15 s of faults. Needs dist/ (npm test builds it first).
 */
describe('chaos run (short, seeded)', () => {
  it('holds every promise the checker checks while etcd members, servers and shims are killed and stopped', async () => {
    const lines: string[] = [];
    const result = await runChaos({ seed: 4242, durationMs: 15_000, workers: 3, slackMs: 3000, maxFaultMs: 3000 }, (line) => lines.push(line));
    expect(result.violations, lines.join('\n')).toEqual([]);
    expect(result.ok).toBe(true);
    // not vacuous: faults of every kind happened under a load that was acknowledged
    expect(result.faults.map((f) => f.kind)).toEqual(expect.arrayContaining(['kill', 'stop', 'compact']));
    expect(result.faults.some((f) => f.target === 'etcd-leader')).toBe(true);
    expect(result.counts['create Port ok'] ?? 0).toBeGreaterThan(10);
    expect((result.counts['binds ACTIVE'] ?? 0) + (result.counts['binds binding_failed (with a reason)'] ?? 0)).toBeGreaterThan(0);
  }, 150_000);
});
