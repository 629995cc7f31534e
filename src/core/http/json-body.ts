import { GluonError, ValidationError, type ErrorDetail } from '../errors/index.js';
import { invalidInput } from './typed-text.js';

/** Deepest nesting of arrays and objects a request body may have (the root object is level 1). */
export const DEFAULT_MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = 0x5b; // [
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACKET = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The deepest nesting of `text` read as JSON, stopping as soon as it passes `limit`
 * (so a hostile body costs one linear scan and no recursion). Brackets inside strings
 * do not count. Malformed text is left to the JSON parser.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
      if (depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** The 400 of a body nested deeper than `limit`. */
export function jsonTooDeepError(limit: number): GluonError {
  const why = `JSON nesting deeper than ${limit} levels of arrays and objects is not accepted`;
  return new GluonError('GLUON_ERR_JSON_TOO_DEEP', `Request body is nested too deeply: ${why}.`, {
    details: [{ field: 'body', rule: 'maxDepth', value: null, message: why, allowed: [limit] }],
  });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `text` is well-formed UTF-16 (no lone surrogate), i.e. encodable as UTF-8. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** `text` with each lone surrogate written as its `\uXXXX` escape, for messages. */
export function escapeLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATES, (s) => `\\u${s.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const UNICODE_WHY = 'Value is not valid Unicode: it contains a lone UTF-16 surrogate, which cannot be stored as UTF-8. Send well-formed text.';
const RANGE_WHY = 'Value is out of range: a JSON number must be finite (within ±1.7976931348623157e308).';

/** The problem of one bad value found by {@link checkJsonValues}. */
function badValue(field: string, value: unknown, rule: 'unicode' | 'range'): ErrorDetail {
  const shown = typeof value === 'string' ? escapeLoneSurrogates(value) : value;
  return { field, rule, value: shown, message: rule === 'unicode' ? UNICODE_WHY : RANGE_WHY };
}

/**
 * Refuses values JSON can carry but no store keeps as sent: strings (values or member
 * names) with a lone UTF-16 surrogate, and numbers beyond the double range (`1e400`,
 * which JSON.parse turns into Infinity). Every bad field is named (dotted path).
 * Call only on a value whose depth {@link jsonDepthExceeds} has bounded.
 * @throws ValidationError `GLUON_ERR_VALIDATION` naming each bad field
 */
export function checkJsonValues(value: unknown): void {
  const problems: ErrorDetail[] = [];
  collectBadValues(value, 'body', problems);
  const first = problems[0];
  if (first === undefined) return;
  const faults = problems.map((p) => invalidInput(p.field, p.value, p.message));
  throw new ValidationError(faults.length === 1 ? (faults[0] ?? '') : `Invalid input: ${faults.join('; ')}`, problems);
}

function collectBadValues(value: unknown, path: string, problems: ErrorDetail[]): void {
  if (typeof value === 'string') {
    if (!isWellFormedText(value)) problems.push(badValue(path, value, 'unicode'));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(badValue(path, 'Infinity', 'range'));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [name, item] of entries) {
    const shownName = escapeLoneSurrogates(name);
    const child = path === 'body' ? shownName : `${path}.${shownName}`;
    if (shownName !== name) problems.push(badValue(child, name, 'unicode'));
    collectBadValues(item, child, problems);
  }
}
