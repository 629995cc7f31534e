import { isRecoverableError } from 'etcd3';
import { KvError, badRequest } from './errors.js';

/** True when etcd said the revision asked for is compacted. @internal */
export function isCompactedMessage(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

/**
 * Translates anything the `etcd3` client throws into a {@link KvError} naming the
 * operation: connection problems become the retryable `GLUON_ERR_KV_UNAVAILABLE`.
 * Compaction is translated by the caller (it needs the compact revision).
 *
 * @internal
 */
export function translateEtcdError(err: unknown, operation: string): KvError {
  if (err instanceof KvError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message;
  const options = { cause: err };
  const has = (s: string): boolean => msg.includes(s);
  if (has('required revision is a future revision')) {
    return new KvError('GLUON_ERR_KV_FUTURE_REVISION', `${operation}: etcd has not reached the revision asked for (${msg})`, options);
  }
  if (has('requested lease not found') || e.name === 'EtcdLeaseInvalidError') {
    return new KvError('GLUON_ERR_KV_LEASE_NOT_FOUND', `${operation}: the lease does not exist any more (expired or revoked); grant a new one (${msg})`, options);
  }
  if (has('too many operations in txn request')) {
    return new KvError('GLUON_ERR_KV_TXN_TOO_LARGE', `${operation}: etcd refused the transaction: too many operations (${msg})`, options);
  }
  if (has('duplicate key given in txn request')) return badRequest({ field: operation, rule: 'uniqueKeys', value: undefined }, msg);
  if (has('request is too large')) return badRequest({ field: operation, rule: 'maxRequestBytes', value: undefined }, `etcd refused a request over its --max-request-bytes limit (${msg})`);
  if (has('key is not provided')) return badRequest({ field: operation, rule: 'nonEmptyKey', value: '' }, msg);
  if (has('permission denied') || has('authentication failed') || has('user name not found') || e.name === 'EtcdPermissionDeniedError' || e.name === 'EtcdAuthenticationFailedError') {
    return new KvError('GLUON_ERR_KV_PERMISSION_DENIED', `${operation}: etcd refused it: the etcd user lacks permission or could not authenticate (${msg}); see gluon etcd roles`, options);
  }
  if (has('database space exceeded') || has('NOSPACE')) {
    return new KvError('GLUON_ERR_KV_NO_SPACE', `${operation}: etcd is out of space (${msg}); compact and defragment it, then disarm the alarm`, options);
  }
  if (
    isRecoverableError(e) ||
    e.name === 'BrokenCircuitError' ||
    (e as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true ||
    has('circuit breaker is open') ||
    e.name === 'ClientClosedError' ||
    e.name === 'GRPCConnectFailedError' ||
    has('No connection established') ||
    has('UNAVAILABLE') ||
    has('DEADLINE_EXCEEDED') ||
    has('Deadline exceeded') ||
    has('ECONNREFUSED') ||
    has('leader changed') ||
    has('no leader') ||
    has('timed out')
  ) {
    return new KvError('GLUON_ERR_KV_UNAVAILABLE', `${operation}: etcd is unreachable or did not answer in time (${msg})`, { ...options, retryable: true });
  }
  return new KvError('GLUON_ERR_KV_FAILED', `${operation}: etcd error: ${msg}`, options);
}
