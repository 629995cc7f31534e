import { isIP } from 'node:net';
import { GluonError } from '../../core/errors/index.js';
import type { AttributeSchema } from './discovery.js';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n']);
const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** How the server's OpenAPI document spells a UUID pattern (recognised to say "expected a UUID"). */
const UUID_PATTERN = /0-9A-Fa-f\]\{8\}/;

/** The field, the rule it broke and the text received: what a usage error names. */
interface Refused {
  readonly field: string;
  readonly rule: string;
  readonly value: string;
}

function refuse({ field, rule, value }: Refused, why: string): GluonError {
  return new GluonError('GLUON_ERR_CLI_USAGE', `Invalid value for --${field.replace(/_/g, '-')}: '${value}' (rule ${rule}): ${why}.`, {
    details: [{ field, rule, value, message: why }],
  });
}

function typed(field: string, schema: AttributeSchema, text: string): unknown {
  switch (schema.type) {
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw refuse({ field, rule: 'type', value: text }, 'expected a boolean (true/false, yes/no, 1/0)');
    }
    case 'integer':
      if (!/^[+-]?\d+$/.test(text.trim())) throw refuse({ field, rule: 'type', value: text }, 'expected an integer');
      return Number(text);
    case 'number':
      if (text.trim() === '' || !Number.isFinite(Number(text))) throw refuse({ field, rule: 'type', value: text }, 'expected a number');
      return Number(text);
    default:
      return text;
  }
}

function checkFormat(field: string, format: string | undefined, text: string): void {
  const bad = (why: string): never => {
    throw refuse({ field, rule: 'format', value: text }, why);
  };
  switch (format) {
    case 'mac':
      if (!MAC.test(text)) bad('expected a MAC address like fa:16:3e:00:00:01');
      break;
    case 'ipv4':
      if (isIP(text) !== 4) bad('expected an IPv4 address');
      break;
    case 'ipv6':
      if (isIP(text) !== 6) bad('expected an IPv6 address');
      break;
    case 'ip':
      if (isIP(text) === 0) bad('expected an IPv4 or IPv6 address');
      break;
    case 'json':
      try {
        JSON.parse(text);
      } catch {
        bad('expected a JSON document');
      }
      break;
    case 'uri':
      if (!URL.canParse(text)) bad('expected a URI');
      break;
    case 'email':
      if (!EMAIL.test(text)) bad('expected an e-mail address');
      break;
    default:
  }
}

function checkBounds(field: string, schema: AttributeSchema, parsed: { value: unknown; text: string }): void {
  const { value, text } = parsed;
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    throw refuse({ field, rule: 'enum', value: text }, `expected one of ${schema.enum.filter((v) => v !== null).join(', ')}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) throw refuse({ field, rule: 'minimum', value: text }, `must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) throw refuse({ field, rule: 'maximum', value: text }, `must be at most ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) throw refuse({ field, rule: 'maxLength', value: text }, `at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      throw refuse({ field, rule: 'pattern', value: text }, schema.format === undefined && UUID_PATTERN.test(schema.pattern) ? 'expected a UUID' : `must match ${schema.pattern}`);
    }
    checkFormat(field, schema.format, value);
  }
}

/**
 * Reads one flag value with its attribute's schema: converts it to the schema's type and
 * checks enum, bounds, length, pattern and format before anything is sent.
 * @throws `GLUON_ERR_CLI_USAGE` naming the field, the rule and the value
 */
export function parseAttributeValue(field: string, schema: AttributeSchema, text: string): unknown {
  const value = typed(field, schema, text);
  checkBounds(field, schema, { value, text });
  return value;
}

/** The flag placeholder of an attribute for help text: `<int>`, `<ACTIVE|DOWN>`, `<mac>`. */
export function valueHint(schema: AttributeSchema): string {
  if (schema.enum !== undefined) return `<${schema.enum.filter((v) => v !== null).join('|')}>`;
  if (schema.type === 'boolean') return '<bool>';
  if (schema.type === 'integer') return '<int>';
  if (schema.type === 'number') return '<number>';
  if (schema.format === undefined && schema.pattern !== undefined && UUID_PATTERN.test(schema.pattern)) return '<uuid>';
  return `<${schema.format ?? 'value'}>`;
}
