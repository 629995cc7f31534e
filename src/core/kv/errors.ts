import { GluonError, type GluonErrorCode, type GluonErrorOptions } from '../errors/index.js';

/** The codes a {@link KvError} can carry. */
export type KvErrorCode = Extract<GluonErrorCode, `GLUON_ERR_KV_${string}`>;

/** Options of {@link KvError}. */
export interface KvErrorOptions extends GluonErrorOptions {
  /** True when retrying the same operation later may succeed (connection problems). */
  readonly retryable?: boolean;
}

/**
 * An error of the key/value port. `code` says what happened; `retryable` says whether the
 * same call may succeed later (true for `GLUON_ERR_KV_UNAVAILABLE`).
 */
export class KvError extends GluonError {
  /** True when retrying later may succeed. */
  readonly retryable: boolean;

  constructor(code: KvErrorCode, message: string, options: KvErrorOptions = {}) {
    super(code, message, options);
    this.retryable = options.retryable ?? code === 'GLUON_ERR_KV_UNAVAILABLE';
  }
}

/**
 * The history a read or watch needed was compacted. Relist at the current revision and
 * watch from that list's revision + 1.
 */
export class KvCompactedError extends KvError {
  /** The store's compaction revision: the oldest revision still readable / watchable. */
  readonly compactRevision: number;
  /** The revision that was asked for. */
  readonly requestedRevision: number;

  /** `what`: the operation that needed the revision (`watch`, `get`, …). */
  constructor(compaction: { requestedRevision: number; compactRevision: number; what: string }, options: GluonErrorOptions = {}) {
    const { requestedRevision, compactRevision, what } = compaction;
    super(
      'GLUON_ERR_KV_COMPACTED',
      `${what} needs revision ${requestedRevision}, but the store is compacted up to revision ${compactRevision}: ` +
        `revisions from ${compactRevision} on are available. List again and watch from the list's revision + 1.`,
      {
        ...options,
        details: [
          {
            field: 'revision',
            rule: 'compacted',
            value: requestedRevision,
            message: `revision ${requestedRevision} is older than the compaction revision ${compactRevision}`,
          },
        ],
      },
    );
    this.compactRevision = compactRevision;
    this.requestedRevision = requestedRevision;
  }
}

/** True when `err` is a {@link KvError} with the given code (works across package copies). */
export function isKvError(err: unknown, code?: KvErrorCode): err is KvError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('GLUON_ERR_KV_') && (code === undefined || c === code);
}

/** A `GLUON_ERR_KV_BAD_REQUEST` naming the argument, the rule and the value received. */
export function badRequest(problem: { field: string; rule: string; value: unknown }, message: string): KvError {
  const { field, rule, value } = problem;
  return new KvError('GLUON_ERR_KV_BAD_REQUEST', `${field}: ${message} (received ${JSON.stringify(value)})`, {
    details: [{ field, rule, value, message }],
  });
}

/** The `GLUON_ERR_KV_CLOSED` error. */
export function closedError(operation: string): KvError {
  return new KvError('GLUON_ERR_KV_CLOSED', `${operation}: the key/value store is closed`);
}
