import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/core/kv/index.js';
import { OrderedKeys } from '../../src/core/kv/ordered-keys.js';

/** The reference: a plain sorted array, searched linearly. */
interface Model {
  keys: string[];
}

type Real = OrderedKeys;

function modelAdd(m: Model, key: string): boolean {
  if (m.keys.includes(key)) return false;
  m.keys.push(key);
  m.keys.sort(compareKeys);
  return true;
}

function modelDelete(m: Model, key: string): boolean {
  const i = m.keys.indexOf(key);
  if (i < 0) return false;
  m.keys.splice(i, 1);
  return true;
}

function scan(r: Real, start: string, limit: number): string[] {
  const out: string[] = [];
  for (const c = r.from(start); c.key !== undefined && out.length < limit; c.next()) out.push(c.key);
  return out;
}

function checkSame(m: Model, r: Real): void {
  r.check();
  expect(r.size).toBe(m.keys.length);
}

class Add implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    expect(r.add(this.key)).toBe(modelAdd(m, this.key));
    expect(r.has(this.key)).toBe(true);
    checkSame(m, r);
  }
  toString(): string {
    return `add(${JSON.stringify(this.key)})`;
  }
}

class Delete implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    expect(r.delete(this.key)).toBe(modelDelete(m, this.key));
    expect(r.has(this.key)).toBe(false);
    checkSame(m, r);
  }
  toString(): string {
    return `delete(${JSON.stringify(this.key)})`;
  }
}

/** Adds `n` keys `base + i·stride` (decimal strings: key order is not numeric order). */
class BulkAdd implements fc.Command<Model, Real> {
  constructor(
    readonly base: number,
    readonly n: number,
    readonly stride: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const set = new Set(m.keys);
    const wrong: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const k = String(this.base + i * this.stride);
      if (r.add(k) === set.has(k)) wrong.push(k);
      set.add(k);
    }
    expect(wrong).toEqual([]);
    m.keys = [...set].sort(compareKeys);
    checkSame(m, r);
  }
  toString(): string {
    return `bulkAdd(${this.base}, ${this.n}, ${this.stride})`;
  }
}

/** Deletes every key whose position in key order is ≡ `rest` modulo `every`. */
class BulkDelete implements fc.Command<Model, Real> {
  constructor(
    readonly every: number,
    readonly rest: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const keep: string[] = [];
    const missing: string[] = [];
    m.keys.forEach((k, i) => {
      if (i % this.every !== this.rest % this.every) keep.push(k);
      else if (!r.delete(k)) missing.push(k);
    });
    expect(missing).toEqual([]);
    m.keys = keep;
    checkSame(m, r);
  }
  toString(): string {
    return `bulkDelete(every ${this.every}, rest ${this.rest})`;
  }
}

class Scan implements fc.Command<Model, Real> {
  constructor(
    readonly start: string,
    readonly limit: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const expected = m.keys.filter((k) => compareKeys(k, this.start) >= 0).slice(0, this.limit);
    expect(scan(r, this.start, this.limit)).toEqual(expected);
  }
  toString(): string {
    return `scan(${JSON.stringify(this.start)}, ${this.limit})`;
  }
}

/** Short keys over a small alphabet (collisions), with characters above U+FFFF (key order ≠ UTF-16 order). */
const key = fc.array(fc.constantFrom('a', 'b', '/', '0', '9', '\u00e9', '\uffff', '\u{1f600}', '\0'), { maxLength: 5 }).map((cs) => cs.join(''));

const commands = fc.commands(
  [
    key.map((k) => new Add(k)),
    key.map((k) => new Delete(k)),
    fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 1, max: 1_500 }), fc.integer({ min: 1, max: 37 })).map(([b, n, s]) => new BulkAdd(b, n, s)),
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.nat(3)).map(([e, r]) => new BulkDelete(e, r)),
    fc.tuple(fc.oneof(key, fc.integer({ min: 0, max: 100_000 }).map(String)), fc.integer({ min: 0, max: 300 })).map(([s, l]) => new Scan(s, l)),
  ],
  { maxCommands: 40 },
);

describe('OrderedKeys (the in-process store key index)', () => {
  it('property: behaves like a sorted array under random adds, deletes and scans', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(() => ({ model: { keys: [] }, real: new OrderedKeys() }), cmds);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps order and balance while growing to 30k keys (three levels) and shrinking back to none', () => {
    const t = new OrderedKeys();
    const keys = Array.from({ length: 30_000 }, (_, i) => `/p/${((i * 7919) % 30_000).toString(36)}`);
    for (const k of keys) t.add(k);
    t.check();
    const sorted = [...keys].sort(compareKeys);
    expect(scan(t, '', Infinity).join('\n')).toBe(sorted.join('\n'));
    const gone = new Set(keys.filter((_, i) => i % 2 === 0));
    expect([...gone].filter((k) => !t.delete(k))).toEqual([]);
    t.check();
    expect(scan(t, '', Infinity).join('\n')).toBe(sorted.filter((k) => !gone.has(k)).join('\n'));
    for (const k of keys) t.delete(k);
    t.check();
    expect(t.size).toBe(0);
    expect(t.from('').key).toBeUndefined();
  });
});
