import type { AttributeModel } from '../../src/core/model/index.js';

/** A valid example of each string format (short enough for every bundled length). */
export const VALID_FORMAT: Readonly<Record<string, string>> = {
  mac: 'fa:16:3e:00:00:01',
  ipv4: '10.0.0.1',
  ipv6: '2001:db8::1',
  ip: '10.0.0.5',
  cidr: '10.64.0.0/16',
  json: '{"a":1}',
  'date-time': '2020-01-01T00:00:00Z',
  uri: 'http://example.com/x',
  email: 'a@example.com',
};

/** An invalid example of each string format (short, so only `format` fails). */
export const INVALID_FORMAT: Readonly<Record<string, string>> = {
  mac: 'not-a-mac',
  ipv4: '999.1.1.1',
  ipv6: 'zz::zz',
  ip: '10.0.0.256',
  cidr: '10.64.0.0/33',
  json: '{bad',
  'date-time': 'yesterday',
  uri: 'not a uri',
  email: 'nope',
};

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** Integer bounds as the schemas enforce them. */
export function integerBounds(attribute: AttributeModel): { min: number; max: number } {
  const range = attribute.format === 'int64' ? INT64 : INT32;
  return { min: attribute.min ?? range.min, max: attribute.max ?? range.max };
}

let counter = 0;

/** A schema-valid value of an attribute. */
export function validValue(attribute: AttributeModel): unknown {
  counter++;
  switch (attribute.type) {
    case 'uuid':
      return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
    case 'integer': {
      const { min, max } = integerBounds(attribute);
      return Math.max(min, Math.min(max, 1));
    }
    case 'number':
      return attribute.min ?? 1.5;
    case 'boolean':
      return true;
    case 'enum':
      return attribute.values?.[0] ?? '';
    case 'string': {
      // addresses differ from one value to the next (an address and its gateway must)
      if (attribute.format === 'ip') return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${(counter % 250) + 2}`;
      const format = attribute.format === undefined ? undefined : VALID_FORMAT[attribute.format];
      return format ?? `v${counter}`.slice(0, attribute.length ?? 255);
    }
  }
}

/** One bad value and the rule the 400 must name. */
export interface BadCase {
  readonly value: unknown;
  readonly rule: string;
}

/** Every kind of bad value an attribute can receive, with the rule each breaks. */
export function badCases(attribute: AttributeModel): BadCase[] {
  const cases: BadCase[] = [];
  const generatedKey = attribute.primary && attribute.type === 'uuid' && attribute.reference === undefined;
  if (attribute.required && !generatedKey) cases.push({ value: null, rule: 'required' });
  switch (attribute.type) {
    case 'uuid':
      cases.push({ value: 'not-a-uuid', rule: 'format' }, { value: 42, rule: 'type' });
      break;
    case 'integer': {
      const { min, max } = integerBounds(attribute);
      cases.push({ value: 'abc', rule: 'type' }, { value: 1.5, rule: 'type' }, { value: true, rule: 'type' });
      if (min > Number.MIN_SAFE_INTEGER) cases.push({ value: min - 1, rule: 'minimum' });
      if (max < Number.MAX_SAFE_INTEGER) cases.push({ value: max + 1, rule: 'maximum' });
      break;
    }
    case 'number':
      cases.push({ value: 'abc', rule: 'type' }, { value: [1], rule: 'type' });
      if (attribute.min !== undefined) cases.push({ value: attribute.min - 1, rule: 'minimum' });
      if (attribute.max !== undefined) cases.push({ value: attribute.max + 1, rule: 'maximum' });
      break;
    case 'boolean':
      cases.push({ value: 'maybe', rule: 'type' }, { value: 5, rule: 'type' });
      break;
    case 'enum':
      cases.push({ value: 'NOT-A-VALUE', rule: 'enum' }, { value: 7, rule: 'type' });
      break;
    case 'string': {
      cases.push({ value: 123, rule: 'type' }, { value: { a: 1 }, rule: 'type' });
      const length = attribute.length ?? 255;
      const format = attribute.format;
      const tooLong = format === 'mac' ? 'a'.repeat(length + 1) : (VALID_FORMAT[format ?? ''] ?? 'x').padEnd(length + 1, 'x');
      cases.push({ value: tooLong, rule: 'maxLength' });
      if (format !== undefined && INVALID_FORMAT[format] !== undefined) cases.push({ value: INVALID_FORMAT[format], rule: 'format' });
      break;
    }
  }
  return cases;
}
