import { ValidationError } from '../errors/index.js';
import type { ObjectModel } from '../model/index.js';
import { parseListQuery, queryEntries } from './query-parser.js';
import { invalidInput } from './typed-text.js';

/** What a `?watch=true` request asks for. */
export interface WatchQuery {
  /** attribute → accepted values (typed; several values = OR), as a list's filters. */
  readonly filters: Readonly<Record<string, readonly unknown[]>>;
  /** Fields to keep in each object (undefined = all). */
  readonly fields?: readonly string[];
  /** Send only changes after this revision (from `Last-Event-ID` or `resourceVersion`). */
  readonly resumeAfter?: number;
}

/** Paging and sorting parameters that mean nothing on a stream. */
const LIST_ONLY = ['limit', 'marker', 'sort_key', 'sort_dir'] as const;

/** True when the URL carries a `watch` parameter (its value is checked by {@link parseWatchQuery}). */
export function wantsWatch(url: string): boolean {
  return queryEntries(url).some(([name]) => name === 'watch');
}

function bad(offence: { field: string; value: string; rule: string }, why: string, allowed?: readonly unknown[]): ValidationError {
  const { field, value, rule } = offence;
  return new ValidationError(invalidInput(field, value, why), [
    { field, rule, value, message: why, ...(allowed === undefined ? {} : { allowed }) },
  ]);
}

/** Reads a revision given by the client (`Last-Event-ID` or `resourceVersion`): a decimal integer ≥ 0. */
function readRevision(field: string, text: string): number {
  const trimmed = text.trim();
  const revision = /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(revision)) {
    throw bad({ field, value: text, rule: 'revision' }, 'expected a revision: a decimal integer >= 0, as sent in an event\'s id');
  }
  return revision;
}

/**
 * Parses a watch request: `watch=true`, optional `resourceVersion=<rev>` (or the
 * `Last-Event-ID` header; the query wins), filters and `fields=` as on a list. Paging
 * and sorting parameters are refused (400 naming the parameter).
 */
export function parseWatchQuery(object: ObjectModel, url: string, lastEventId: string | string[] | undefined): WatchQuery {
  const rest = new URLSearchParams();
  let resumeAfter: number | undefined;
  for (const [name, value] of queryEntries(url)) {
    if (name === 'watch') {
      if (value !== 'true') throw bad({ field: 'watch', value, rule: 'enum' }, 'Value should be true (leave watch out for an ordinary list)', ['true']);
    } else if (name === 'resourceVersion') {
      resumeAfter = readRevision('resourceVersion', value);
    } else if ((LIST_ONLY as readonly string[]).includes(name)) {
      throw bad({ field: name, value, rule: 'watch' }, `${name} cannot be combined with watch=true (a stream is neither paged nor sorted)`);
    } else {
      rest.append(name, value);
    }
  }
  const header = Array.isArray(lastEventId) ? lastEventId[lastEventId.length - 1] : lastEventId;
  if (resumeAfter === undefined && header !== undefined && header !== '') resumeAfter = readRevision('Last-Event-ID', header);
  const parsed = parseListQuery(object, `?${rest.toString()}`);
  return {
    filters: parsed.query.filters ?? {},
    ...(parsed.fields === undefined ? {} : { fields: parsed.fields }),
    ...(resumeAfter === undefined ? {} : { resumeAfter }),
  };
}
