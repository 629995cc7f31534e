import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../core/errors/index.js';
import { CONFIG_KEYS, settingOf } from './settings.js';

/** The variable naming the file a secret setting is read from: `GLUON_ETCD_PASSWORD_FILE`. */
export function secretFileVariable(env: string): string {
  return `${env}_FILE`;
}

/**
 * The environment with every secret setting whose `<VARIABLE>_FILE` names a file (and
 * whose own variable is unset) filled from that file, its trailing newline dropped: how a
 * systemd credential (`LoadCredential=`) or a mounted secret reaches a setting without
 * ever being a flag or a plain variable.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` naming the variable and the path when the file cannot be read.
 */
export async function withSecretFiles(env: Readonly<Record<string, string | undefined>>): Promise<Readonly<Record<string, string | undefined>>> {
  const filled: Record<string, string | undefined> = { ...env };
  for (const key of CONFIG_KEYS) {
    const setting = settingOf(key);
    const variable = secretFileVariable(setting.env);
    const path = env[variable];
    if (setting.secret !== true || path === undefined || path === '' || (env[setting.env] ?? '') !== '') continue;
    try {
      filled[setting.env] = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError(`${variable}: cannot read ${JSON.stringify(path)} (${reason}); name a file readable by this process that holds ${key}`, {
        cause: err,
        details: [{ field: key, rule: 'readable', value: path, message: `cannot read ${path}: ${reason}` }],
      });
    }
  }
  return filled;
}
