import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the generated table: code → HTTP status. */
function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `(GLUON_ERR_[A-Z0-9_]+)` \| (\d{3}) \|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

describe('docs/errors.md', () => {
  it('documents every registered error code with its HTTP status', () => {
    const documented = documentedCodes();
    const missing = Object.keys(ERROR_CODES).filter((code) => !documented.has(code));
    expect(missing, 'run `npm run docs:errors`').toEqual([]);
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(documented.get(code), code).toBe(info.status);
    }
  });

  it('documents no code that the registry no longer has', () => {
    const stale = [...documentedCodes().keys()].filter((code) => !(code in ERROR_CODES));
    expect(stale).toEqual([]);
  });

  it('uses the stable GLUON_ERR_ prefix and a 4xx/5xx status for every code', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^GLUON_ERR_[A-Z0-9_]+$/);
      expect(info.status >= 400 && info.status < 600, code).toBe(true);
      expect(info.description.length).toBeGreaterThan(10);
      expect(info.fix.length).toBeGreaterThan(5);
    }
  });
});
