import { readFile } from 'node:fs/promises';
import { ConfigError, type ErrorDetail } from '../../core/errors/index.js';
import type { EtcdAccessOptions } from '../../core/kv/index.js';
import type { SettingValues } from './settings.js';

/** The etcd access settings, as resolved. */
export type EtcdAccessSettings = Pick<SettingValues, 'etcdCaFile' | 'etcdCertFile' | 'etcdKeyFile' | 'etcdUsername' | 'etcdPassword'>;

const PEM_FILES = [
  ['etcdCaFile', 'ca'],
  ['etcdCertFile', 'cert'],
  ['etcdKeyFile', 'key'],
] as const;

/**
 * Reads the PEM files the etcd access settings name and returns the options every etcd
 * client of the package takes (`access` of createKeyValueStore, `etcdAccess` of
 * createProtonServer, createShim and createNeutronFacade); undefined when none is set.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` listing every file that cannot be read or holds no PEM.
 */
export async function readEtcdAccess(settings: EtcdAccessSettings): Promise<EtcdAccessOptions | undefined> {
  const problems: ErrorDetail[] = [];
  const pems: Partial<Record<'ca' | 'cert' | 'key', Buffer>> = {};
  for (const [setting, field] of PEM_FILES) {
    const path = settings[setting];
    if (path === undefined) continue;
    try {
      const pem = await readFile(path);
      if (!pem.toString('latin1').includes('-----BEGIN ')) throw Object.assign(new Error('no PEM block'), { code: 'not PEM: no "-----BEGIN" line' });
      pems[field] = pem;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      problems.push({ field: setting, rule: 'readable', value: path, message: `${setting}: cannot use ${JSON.stringify(path)} (${reason}); name a readable PEM file` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message).join('; '), { details: problems });
  const user = settings.etcdUsername === undefined || settings.etcdPassword === undefined ? {} : { username: settings.etcdUsername, password: settings.etcdPassword };
  const access: EtcdAccessOptions = { ...pems, ...user };
  return Object.keys(access).length === 0 ? undefined : access;
}
