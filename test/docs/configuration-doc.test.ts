import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withSettingsTable } from '../../scripts/gen-config-doc.js';
import { CONFIG_DEFAULTS, CONFIG_ENV, CONFIG_FLAGS, CONFIG_KEYS } from '../../src/server/index.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/configuration.md', import.meta.url)), 'utf8');

/** The rows of the "Settings" table, by the `gluon.yaml` key in their first cell. */
function settingRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    const key = /^\| `([A-Za-z]+)` \|/.exec(line)?.[1];
    if (key !== undefined) rows.set(key, line);
  }
  return rows;
}

describe('docs/configuration.md', () => {
  it('holds the settings table generated from the declarations (run `npm run docs:config`)', () => {
    expect(doc).toBe(withSettingsTable(doc));
  });

  it.each(CONFIG_KEYS)('documents the setting %s with its flag, environment variable and default', (key) => {
    const row = settingRows().get(key);
    expect(row, `no row for \`${key}\` in the Settings table`).toBeDefined();
    const flag = CONFIG_FLAGS[key];
    if (flag.startsWith('--')) expect(row).toContain(`\`${flag} `);
    else expect(row).toContain('(none');
    expect(row).toContain(`\`${CONFIG_ENV[key]}\``);
    const fallback = (CONFIG_DEFAULTS as Partial<Record<string, string | number>>)[key];
    if (fallback !== undefined && fallback !== '') expect(row).toContain(`\`${String(fallback)}\``);
  });

  it('documents nothing the server does not read', () => {
    expect([...settingRows().keys()].sort()).toEqual([...CONFIG_KEYS].sort());
  });
});
