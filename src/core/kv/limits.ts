import { KvError, badRequest } from './errors.js';
import type { Compare, RangeOptions, TxnRequest, TxnOp } from './types.js';

/** Most operations etcd accepts in one transaction branch (its `--max-txn-ops` default). */
export const MAX_TXN_OPS = 128;

/**
 * Page size used when a whole prefix is read. etcd 3.4 walks every key from a page's start
 * to the end of the prefix to answer each page, so a full read costs about n² / (2 × page
 * size) index steps: at 333,000 keys, 1,000 a page took 29 s and 4,000 a page 6.3 s
 * (bench/scale.ts). 4,000 values of 2 KB are 8 MB, within {@link MAX_RESPONSE_BYTES}.
 */
export const DEFAULT_PAGE_SIZE = 4000;

/** Largest etcd response the client accepts (gRPC's default is 4 MiB): room for a page of large values. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Throws `GLUON_ERR_KV_BAD_REQUEST` unless `key` is a non-empty string. */
export function checkKey(key: unknown, field = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw badRequest({ field, rule: 'nonEmptyString', value: key }, 'a key must be a non-empty string');
  }
}

/** Throws unless `value` is a string. */
export function checkValue(value: unknown, field = 'value'): asserts value is string {
  if (typeof value !== 'string') throw badRequest({ field, rule: 'string', value }, 'a value must be a string');
}

function checkRevision(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest({ field, rule: 'nonNegativeInteger', value }, 'a revision must be a non-negative integer');
  }
}

/** Validates range options. */
export function checkRange(options: RangeOptions): void {
  if (typeof options.prefix !== 'string') throw badRequest({ field: 'prefix', rule: 'string', value: options.prefix }, 'prefix must be a string');
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) {
    throw badRequest({ field: 'limit', rule: 'positiveInteger', value: options.limit }, 'limit must be a positive integer');
  }
  if (options.revision !== undefined) checkRevision(options.revision, 'revision');
  if (options.keysOnly !== undefined && typeof options.keysOnly !== 'boolean') throw badRequest({ field: 'keysOnly', rule: 'boolean', value: options.keysOnly }, 'keysOnly must be a boolean');
  if (options.fromKey !== undefined && (typeof options.fromKey !== 'string' || !options.fromKey.startsWith(options.prefix))) {
    throw badRequest({ field: 'fromKey', rule: 'startsWithPrefix', value: options.fromKey }, `fromKey must start with the prefix ${JSON.stringify(options.prefix)}`);
  }
}

/** The single field a compare guards, with its value. */
export function compareTarget(c: Compare): ['modRevision' | 'createRevision' | 'version', number] | ['value', string] {
  const set = (['modRevision', 'createRevision', 'version', 'value'] as const).filter((f) => (c as unknown as Record<string, unknown>)[f] !== undefined);
  if (set.length !== 1) {
    throw badRequest({ field: 'compare', rule: 'exactlyOneTarget', value: c }, 'a compare needs exactly one of modRevision, createRevision, version, value');
  }
  const f = set[0]!;
  const v = (c as unknown as Record<string, unknown>)[f];
  if (f === 'value') {
    checkValue(v, 'compare.value');
    return ['value', v];
  }
  checkRevision(v, `compare.${f}`);
  return [f, v as number];
}

function checkOps(ops: readonly TxnOp[], branch: string): void {
  if (ops.length > MAX_TXN_OPS) {
    throw new KvError(
      'GLUON_ERR_KV_TXN_TOO_LARGE',
      `txn.${branch}: ${ops.length} operations, but a transaction holds at most ${MAX_TXN_OPS} per branch; split the writes`,
      { details: [{ field: `txn.${branch}`, rule: 'maxOps', value: ops.length, message: `at most ${MAX_TXN_OPS} operations`, allowed: [MAX_TXN_OPS] }] },
    );
  }
  const seen = new Set<string>();
  for (const op of ops) {
    checkKey(op.key, `txn.${branch}.key`);
    if (op.type === 'put') checkValue(op.value, `txn.${branch}.value`);
    else if (op.type !== 'delete') throw badRequest({ field: `txn.${branch}.type`, rule: 'enum', value: (op as { type: unknown }).type }, 'op type must be put or delete');
    if (seen.has(op.key)) throw badRequest({ field: `txn.${branch}`, rule: 'uniqueKeys', value: op.key }, 'a key may appear only once per transaction branch');
    seen.add(op.key);
  }
}

/** Validates a transaction: ≤ 128 ops per branch, unique keys, well-formed compares. */
export function checkTxn(request: TxnRequest): void {
  if (request.compare.length > MAX_TXN_OPS) {
    throw new KvError('GLUON_ERR_KV_TXN_TOO_LARGE', `txn.compare: ${request.compare.length} guards, at most ${MAX_TXN_OPS} allowed`);
  }
  for (const c of request.compare) {
    checkKey(c.key, 'compare.key');
    if (!['=', '!=', '<', '>'].includes(c.op)) throw badRequest({ field: 'compare.op', rule: 'enum', value: c.op }, "op must be one of '=', '!=', '<', '>'");
    compareTarget(c);
  }
  checkOps(request.success, 'success');
  checkOps(request.failure ?? [], 'failure');
}

/** Validates a lease TTL. */
export function checkTtl(ttl: unknown): asserts ttl is number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1) {
    throw badRequest({ field: 'ttl', rule: 'integer>=1', value: ttl }, 'a lease TTL must be an integer number of seconds, at least 1');
  }
}
