import { ConfigError } from '../errors/index.js';
import type { EtcdAccessOptions } from './etcd-access.js';
import { createEtcdStore } from './etcd-store.js';
import { createMemoryStore, type MemoryStoreOptions } from './memory-store.js';
import type { KeyValueStore } from './types.js';
import type { Logger } from '../log/index.js';

/** Options of {@link createKeyValueStore}. */
export interface KeyValueStoreOptions {
  /** Key prefix, so several deployments can share one etcd (e.g. `/site-a`). */
  readonly prefix?: string;
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
  /** etcd: connection timeout in ms. */
  readonly dialTimeoutMs?: number;
  /** etcd: deadline of each request in ms. */
  readonly requestTimeoutMs?: number;
  /** etcd: TLS material and etcd user (see {@link EtcdAccessOptions}). */
  readonly access?: EtcdAccessOptions;
  /** In-process store: share this backend (see {@link createMemoryBackend}). */
  readonly backend?: MemoryStoreOptions['backend'];
}

/**
 * Parses and validates an etcd URL list: `http://host:port[,http://host:port…]`
 * (`https://` too, not mixed). Throws `GLUON_ERR_CONFIG` naming `origin` (the flag,
 * variable or config entry the value came from) and the bad value.
 */
export function parseEtcdEndpoints(value: string, origin = '--etcd'): string[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p.length === 0)) {
    throw new ConfigError(`${origin}: ${JSON.stringify(value)} is not a list of etcd URLs; expected http://host:port[,http://host:port…]`, {
      details: [{ field: origin, rule: 'etcdUrlList', value, message: 'empty entry in the URL list' }],
    });
  }
  const schemes = new Set<string>();
  const out: string[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError(`${origin}: ${JSON.stringify(part)} is not a URL; expected http://host:port (e.g. http://127.0.0.1:2379)`, {
        details: [{ field: origin, rule: 'url', value: part, message: 'not a URL' }],
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${origin}: ${JSON.stringify(part)} has scheme ${JSON.stringify(url.protocol)}; etcd URLs use http:// or https://`, {
        details: [{ field: origin, rule: 'scheme', value: part, message: 'unsupported scheme', allowed: ['http:', 'https:'] }],
      });
    }
    if (url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
      throw new ConfigError(`${origin}: ${JSON.stringify(part)} must be just scheme://host:port (no path, query or credentials)`, {
        details: [{ field: origin, rule: 'etcdUrl', value: part, message: 'expected scheme://host:port' }],
      });
    }
    schemes.add(url.protocol);
    out.push(`${url.protocol}//${url.host}`);
  }
  if (schemes.size > 1) {
    throw new ConfigError(`${origin}: ${JSON.stringify(value)} mixes http:// and https:// URLs; use one scheme for every etcd member`, {
      details: [{ field: origin, rule: 'sameScheme', value, message: 'mixed schemes' }],
    });
  }
  return out;
}

/**
 * Creates the key/value store a URL names: no URL → the in-process store;
 * `http://127.0.0.1:2379[,http://…]` → etcd. A bad URL fails with `GLUON_ERR_CONFIG`.
 */
export function createKeyValueStore(url: string | undefined, options: KeyValueStoreOptions = {}): KeyValueStore {
  if (url === undefined || url.trim() === '') {
    return createMemoryStore({
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }
  const hosts = parseEtcdEndpoints(url);
  return createEtcdStore({
    hosts,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.dialTimeoutMs === undefined ? {} : { dialTimeoutMs: options.dialTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.access === undefined ? {} : { access: options.access }),
  });
}
