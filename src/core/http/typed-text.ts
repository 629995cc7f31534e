import type { AttributeModel } from '../model/index.js';
import { toBoolean, toInteger } from './coerce.js';

/** A UUID, with dashes or as 32 hex digits (Keystone project ids). */
export const UUID_TEXT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** The outcome of reading a URL or query-string text as an attribute's type. */
export type TypedText =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly rule: string; readonly message: string; readonly allowed?: readonly unknown[] };

/**
 * Reads a text from a URL path or query string as a value of an attribute's type
 * (uuid, integer, number, boolean, enum, string with its length).
 */
export function readTypedText(attribute: AttributeModel, text: string): TypedText {
  switch (attribute.type) {
    case 'uuid':
      return UUID_TEXT.test(text)
        ? { ok: true, value: text }
        : { ok: false, rule: 'format', message: 'unable to convert to uuid. Error: Value should be UUID format' };
    case 'integer': {
      const value = toInteger(text);
      if (value === undefined) return { ok: false, rule: 'type', message: 'unable to convert to int. Error: Value should be an integer' };
      return checkRange(attribute, value);
    }
    case 'number': {
      const value = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) return { ok: false, rule: 'type', message: 'unable to convert to float. Error: Value should be a number' };
      return checkRange(attribute, value);
    }
    case 'boolean': {
      const value = toBoolean(text);
      return value === undefined
        ? { ok: false, rule: 'type', message: 'unable to convert to boolean. Error: Value should be one of true, false (or 1, 0, yes, no, on, off)' }
        : { ok: true, value };
    }
    case 'enum': {
      const allowed = attribute.values ?? [];
      return allowed.includes(text)
        ? { ok: true, value: text }
        : { ok: false, rule: 'enum', message: `Value should be one of: ${allowed.join(', ')}`, allowed };
    }
    case 'string': {
      const max = attribute.length;
      // Lengths count code points, as the body schemas (Ajv) and the store do.
      return max !== undefined && text.length > max && codePointLength(text) > max
        ? { ok: false, rule: 'maxLength', message: `Value should have a maximum character requirement of ${max}` }
        : { ok: true, value: text };
    }
  }
}

/** The length of a text in Unicode code points (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function checkRange(attribute: AttributeModel, value: number): TypedText {
  if (attribute.min !== undefined && value < attribute.min) {
    return { ok: false, rule: 'minimum', message: `Value should be greater or equal to ${attribute.min}` };
  }
  if (attribute.max !== undefined && value > attribute.max) {
    return { ok: false, rule: 'maximum', message: `Value should be lower or equal to ${attribute.max}` };
  }
  return { ok: true, value };
}

/** The original's fault text for one bad field: `Invalid input for field/attribute <f>. Value: '<v>'. <why>`. */
export function invalidInput(field: string, value: unknown, why: string): string {
  return `Invalid input for field/attribute ${field}. Value: '${showValue(value)}'. ${why}`;
}

/** A value as the original printed it inside quotes. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
