import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createEtcdStore, type KeyValueStore } from '../../src/core/kv/index.js';

/** The run-wide etcd of the vitest global set-up. */
export function sharedEtcd(): string {
  return inject('etcdEndpoint');
}

/** A store on `endpoint` under a prefix of its own, so tests never see each other's keys. */
export function isolatedStore(endpoint: string, prefix = `/t-${randomBytes(4).toString('hex')}`): KeyValueStore {
  return createEtcdStore({ hosts: endpoint, prefix });
}

/** Polls `check` until it returns true (or throws after `timeoutMs`, naming `what`). */
export { waitFor } from '../setup/wait-for.js';

/** A logger that keeps every entry (level, object, message). */
export function memoryLogger(): { entries: { level: string; obj: object; msg?: string | undefined }[]; debug: (o: object, m?: string) => void; info: (o: object, m?: string) => void; warn: (o: object, m?: string) => void; error: (o: object, m?: string) => void } {
  const entries: { level: string; obj: object; msg?: string | undefined }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** JSON text of a Proton port as the server mirrors it. */
export function portValue(id: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, name: `port-${id}`, host_id: null, device_id: null, revision_number: 1, ...fields });
}
