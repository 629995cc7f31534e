import { DEFAULT_PAGE_SIZE } from './limits.js';
import type { KeyValue, KeyValueStore } from './types.js';

/** Options of {@link listAll} and `listPages`. */
export interface ListAllOptions {
  /** Keys per request (default `DEFAULT_PAGE_SIZE`, 4,000: fewer pages make etcd 3.4's per-page index walk cheaper). */
  readonly pageSize?: number;
  /** Read at this revision instead of the current one. */
  readonly revision?: number;
  /** Keys and revisions only, every `value` `''` (see `RangeOptions.keysOnly`). */
  readonly keysOnly?: boolean;
}

/** One page of {@link listPages}. */
export interface ListPage {
  /** The page's keys, in key order. */
  readonly kvs: readonly KeyValue[];
  /** The revision every page is read at (the first page's). */
  readonly revision: number;
}

/**
 * Reads every key under `prefix` page by page, all pages at one revision (the first
 * page's), so the listing is a consistent snapshot however large it is.
 */
export async function* listPages(
  store: Pick<KeyValueStore, 'range'>,
  prefix: string,
  options: ListAllOptions = {},
): AsyncGenerator<ListPage, void, undefined> {
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let revision = options.revision;
  let fromKey: string | undefined;
  for (;;) {
    const page = await store.range({
      prefix,
      limit,
      ...(revision === undefined ? {} : { revision }),
      ...(fromKey === undefined ? {} : { fromKey }),
      ...(options.keysOnly === true ? { keysOnly: true } : {}),
    });
    revision = page.revision;
    yield { kvs: page.kvs, revision };
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || last === undefined) return;
    fromKey = `${last.key}\0`;
  }
}

/**
 * Reads every key under `prefix` as one consistent snapshot (paged underneath).
 * Typical use: `const { kvs, revision } = await listAll(store, p)`, then
 * `store.watch({ prefix: p, fromRevision: revision + 1 }, …)`.
 */
export async function listAll(
  store: Pick<KeyValueStore, 'range'>,
  prefix: string,
  options: ListAllOptions = {},
): Promise<{ kvs: KeyValue[]; revision: number }> {
  const kvs: KeyValue[] = [];
  let revision = options.revision ?? 0;
  for await (const page of listPages(store, prefix, options)) {
    kvs.push(...page.kvs);
    revision = page.revision;
  }
  return { kvs, revision };
}
