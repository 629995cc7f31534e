import type { ListPage } from './list-all.js';
import type { KeyValue, KeyValueStore } from './types.js';

/** At most this many values of one page are read key by key (in parallel); more, and the page's span is read at once. */
const SINGLE_READS = 8;

/** A keys-only page of a relist and which of its keys need their values. */
export interface KeysOnlyPage {
  /** The prefix the reflector follows. */
  readonly prefix: string;
  /** Keys and revisions, every value `''`, read at `page.revision`. */
  readonly page: ListPage;
  /** Whether a key's value is needed. */
  readonly needsValue: (kv: KeyValue) => boolean;
}

/**
 * The page's keys, in order, with the values of those that need one read at the page's
 * revision (the same snapshot, so every such key is there): a few key by key, in
 * parallel; more as one read of the span from the first to the last of them.
 */
export async function withValues(kv: Pick<KeyValueStore, 'range'>, request: KeysOnlyPage): Promise<readonly KeyValue[]> {
  const { prefix, page, needsValue } = request;
  const wanted: number[] = [];
  page.kvs.forEach((entry, i) => {
    if (needsValue(entry)) wanted.push(i);
  });
  const first = wanted[0];
  const last = wanted[wanted.length - 1];
  if (first === undefined || last === undefined) return page.kvs;
  const revision = page.revision;
  const read = wanted.length <= SINGLE_READS
    ? await Promise.all(wanted.map(async (i) => (await kv.range({ prefix: page.kvs[i]!.key, limit: 1, revision })).kvs))
    : [(await kv.range({ prefix, fromKey: page.kvs[first]!.key, limit: last - first + 1, revision })).kvs];
  const values = new Map<string, KeyValue>();
  for (const kvs of read) for (const entry of kvs) values.set(entry.key, entry);
  return page.kvs.map((entry) => values.get(entry.key) ?? entry);
}
