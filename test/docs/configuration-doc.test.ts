import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, CONFIG_ENV, CONFIG_FLAGS, CONFIG_KEYS } from '../../src/server/index.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/configuration.md', import.meta.url)), 'utf8');

/** The rows of the "Settings" table, by the `gluon.yaml` keys named in their first cell. */
function settingRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.split('|')[1] ?? '';
    for (const [, key = ''] of first.matchAll(/`([A-Za-z]+)`/g)) rows.set(key, line);
  }
  return rows;
}

describe('docs/configuration.md', () => {
  const rows = settingRows();

  it.each(CONFIG_KEYS)('documents the setting %s with its flag, environment variable and default', (key) => {
    const row = rows.get(key);
    expect(row, `no row for \`${key}\` in the Settings table`).toBeDefined();
    const flag = CONFIG_FLAGS[key];
    if (flag.startsWith('--')) expect(row).toContain(`\`${flag}`);
    expect(row).toContain(CONFIG_ENV[key]);
    const fallback = (CONFIG_DEFAULTS as Partial<Record<string, string | number>>)[key];
    if (fallback !== undefined && fallback !== '') expect(row).toContain(`\`${String(fallback)}\``);
  });

  it('documents nothing the server does not read', () => {
    const known = new Set<string>(CONFIG_KEYS);
    const extra = [...rows.keys()].filter((k) => !known.has(k) && /^[a-z][A-Za-z]+$/.test(k) && k !== 'config');
    expect(extra).toEqual([]);
  });
});
