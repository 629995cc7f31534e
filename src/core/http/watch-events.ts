import type { WatchEvent } from '../kv/index.js';
import type { StoredObject } from '../store/index.js';

/** The change types a watch stream sends for objects. */
export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A kv change as the caller sees it: its type and the object state to send. */
export interface ObjectChange {
  readonly type: ObjectEventType;
  /** The new state (ADDED, MODIFIED) or the last state the caller could see (DELETED). */
  readonly object: StoredObject;
}

/** Decides whether the caller may see one state of an object (filters, parent, policy). */
export type VisibilityCheck = (object: StoredObject) => Promise<boolean>;

/** Parses a mirrored value; undefined for anything but a JSON object. */
export function parseStored(text: string | undefined): StoredObject | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as StoredObject) : undefined;
  } catch {
    return undefined;
  }
}

/** One stored value against one filter value (typed by the query parser; compared as a list's SQL does). */
function sameValue(stored: unknown, wanted: unknown): boolean {
  if (wanted === null) return stored === null || stored === undefined;
  if (stored === null || stored === undefined) return false;
  return String(stored) === String(wanted);
}

/** True when the object passes every filter (attribute → accepted values, ORed; attributes ANDed). */
export function matchesFilters(object: StoredObject, filters: Readonly<Record<string, readonly unknown[]>>): boolean {
  for (const [name, accepted] of Object.entries(filters)) {
    if (!accepted.some((value) => sameValue(object[name], value))) return false;
  }
  return true;
}

/**
 * What a kv change means to one watcher, Kubernetes-style: a state entering the
 * watcher's view is `ADDED`, one staying in it `MODIFIED`, one leaving it (deleted, or
 * changed so that a filter or the policy no longer lets the caller see it) `DELETED`
 * with the last state the caller could see. Undefined when the caller sees neither state.
 *
 * A put whose previous value the store no longer holds (history compacted) counts as
 * `MODIFIED` when the key existed before (`version` > 1) and the new state is visible.
 */
export async function classifyChange(event: WatchEvent, visible: VisibilityCheck): Promise<ObjectChange | undefined> {
  const previous = parseStored(event.prevValue);
  const wasVisible = previous !== undefined && (await visible(previous));
  if (event.type === 'delete') return wasVisible ? { type: 'DELETED', object: previous } : undefined;
  const current = parseStored(event.value);
  const isVisible = current !== undefined && (await visible(current));
  if (isVisible && current !== undefined) {
    const existed = previous === undefined ? (event.version ?? 1) > 1 : wasVisible;
    return { type: existed ? 'MODIFIED' : 'ADDED', object: current };
  }
  return wasVisible ? { type: 'DELETED', object: previous } : undefined;
}
