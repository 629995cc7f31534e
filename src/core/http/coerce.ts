import type { AttributeModel, ObjectModel } from '../model/index.js';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n']);
const INTEGER_TEXT = /^[+-]?\d{1,16}$/;

/**
 * A boolean from the spellings the original accepted (JSON booleans, and the strings
 * true/false/1/0/yes/no/on/off/t/f/y/n in any case); undefined when not a boolean.
 */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** An integer from a JSON integer or the text of one; undefined otherwise. */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value.trim())) return undefined;
  const number = Number(value.trim());
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * Coerces the boolean and integer attributes of a request body the way the original
 * did (`"admin_state_up": "true"`, `"mtu": "1500"`), before schema validation.
 * Values that cannot be coerced are left as they are, for the validator to reject.
 * Returns a new object; the input is not changed.
 */
export function coerceBody(object: ObjectModel, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const attribute of object.attributes) {
    if (!Object.hasOwn(out, attribute.name)) continue;
    const value = out[attribute.name];
    if (value === null || value === undefined) continue;
    const coerced = coerceScalar(attribute, value);
    if (coerced !== undefined) out[attribute.name] = coerced;
  }
  return out;
}

function coerceScalar(attribute: AttributeModel, value: unknown): unknown {
  switch (attribute.type) {
    case 'boolean':
      return toBoolean(value);
    case 'integer':
      return typeof value === 'string' ? toInteger(value) : undefined;
    default:
      return undefined;
  }
}
