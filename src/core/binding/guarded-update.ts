import { retrying } from '../retry/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { hasCode, type BindContext } from './bind-context.js';
import { revisionOf } from './classify.js';

/** How often a guarded write is tried again after someone else changed the port (412). */
const GUARDED_RETRIES = 5;


/** The port a guarded update changes. */
export interface GuardedTarget {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  /** The port as last read: the first write is guarded by its revision. */
  readonly port: StoredObject;
}

/**
 * Writes `fields` to the port guarded by its revision; when someone changed the port
 * meanwhile (412), re-reads it and tries again (up to {@link GUARDED_RETRIES} times).
 */
export function updateGuarded(context: BindContext, target: GuardedTarget, fields: Record<string, unknown>): Promise<StoredObject> {
  const { api, object, id } = target;
  let tries = 0;
  // a write refused by its revision guard is tried again at once: the next try re-reads the port
  const stale = (err: unknown): boolean => hasCode(err, 'GLUON_ERR_PRECONDITION_FAILED') && ++tries <= GUARDED_RETRIES;
  return retrying(async (attempt) => {
    const port = attempt === 1 ? target.port : await context.store.get(api, object, id);
    const ifRevision = revisionOf(port);
    return context.store.update(api, object, id, fields, ifRevision === undefined ? {} : { ifRevision });
  }, { backoff: { initialMs: 0, maxMs: 0, factor: 1 }, retryIf: stale });
}
