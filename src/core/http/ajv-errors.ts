import type { ErrorObject } from 'ajv';
import { ValidationError, type ErrorDetail } from '../errors/index.js';
import { KEY_SEGMENT_PATTERN, UUID_OR_EMPTY_PATTERN, UUID_PATTERN } from '../model/index.js';
import { invalidInput, showValue } from './typed-text.js';

const FORMAT_TEXT: Readonly<Record<string, string>> = {
  uuid: 'Value should be UUID format',
  ipv4: 'Value should be IPv4 format',
  ipv6: 'Value should be IPv6 format',
  ip: 'Value should be an IPv4 or IPv6 address',
  cidr: 'Value should be an IPv4 or IPv6 CIDR (address/prefix)',
  json: 'Value should be JSON format',
  'date-time': 'Value should be ISO 8601 date-time format',
  uri: 'Value should be URI format',
  email: 'Value should be email format',
  int32: 'Value should be a 32-bit integer',
  int64: 'Value should be a 64-bit integer',
};

const WRAPPERS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

interface Problem {
  readonly detail: ErrorDetail;
  readonly fault: string;
}

/**
 * Turns ajv errors about a request body into ONE {@link ValidationError} with one detail
 * per bad field (field = attribute name, rule = the broken JSON Schema keyword, with
 * `additionalProperties` reported as `unknown`), and a faultstring of the original's shape.
 */
export function ajvToValidationError(
  errors: readonly ErrorObject[],
  data: unknown,
  schema: Readonly<Record<string, unknown>>,
): ValidationError {
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  const byField = new Map<string, Problem>();
  const unknown: string[] = [];
  const specific = new Set(errors.filter((e) => !WRAPPERS.has(e.keyword)).map((e) => e.instancePath));

  for (const error of errors) {
    if (WRAPPERS.has(error.keyword) && specific.has(error.instancePath)) continue;
    if (error.keyword === 'additionalProperties') {
      const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      if (!unknown.includes(name)) unknown.push(name);
      continue;
    }
    const field = fieldOf(error);
    const value = valueAt(data, field, error);
    if (error.keyword === 'type' && value === null && !required.has(field)) continue;
    if (error.keyword === 'type' && (error.params as { type?: unknown }).type === 'null' && specific.size > 1) continue;
    if (byField.has(field)) continue;
    byField.set(field, describe(error, { field, value }, required));
  }

  const problems = [...byField.values()];
  const details: ErrorDetail[] = problems.map((p) => p.detail);
  const faults = problems.map((p) => p.fault);
  if (unknown.length > 0) {
    const noun = unknown.length === 1 ? 'attribute' : 'attributes';
    faults.unshift(`Unknown ${noun} for argument body: ${unknown.join(', ')}`);
    for (const name of unknown) {
      details.unshift({
        field: name,
        rule: 'unknown',
        value: valueAt(data, name),
        message: `${name} is not an attribute of this object`,
      });
    }
  }
  if (faults.length === 0) faults.push('Invalid request body');
  return new ValidationError(faults.length === 1 ? (faults[0] ?? '') : `Invalid input: ${faults.join('; ')}`, details);
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
    return error.instancePath === '' ? missing : `${pathToField(error.instancePath)}.${missing}`;
  }
  return error.instancePath === '' ? 'body' : pathToField(error.instancePath);
}

function pathToField(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(data: unknown, field: string, error?: ErrorObject): unknown {
  if (error?.keyword === 'required') return null;
  if (field === 'body') return data;
  let current: unknown = data;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function describe(error: ErrorObject, at: { field: string; value: unknown }, required: ReadonlySet<string>): Problem {
  const { field, value } = at;
  const params = error.params as Record<string, unknown>;
  const make = (rule: string, why: string, extra: { allowed?: readonly unknown[] } = {}): Problem => ({
    detail: { field, rule, value: value ?? null, message: why, ...extra },
    fault: invalidInput(field, value, why),
  });
  switch (error.keyword) {
    case 'required':
      return make('required', 'Mandatory field missing.');
    case 'not':
      return make('required', 'Mandatory field missing.');
    case 'false schema':
      return make('readOnly', 'Cannot set read only field.');
    case 'minProperties':
      return make('minProperties', 'At least one attribute must be sent.');
    case 'type':
      if (value === null && required.has(field)) return make('required', 'Mandatory field missing.');
      return make('type', `Wrong type. Expected ${describeType(params['type'])}, got ${jsonType(value)}`);
    case 'format': {
      const format = String(params['format']);
      if (format === 'mac') return make('format', `Expected MAC String, got '${showValue(value)}'`);
      return make('format', FORMAT_TEXT[format] ?? `Value should be ${format} format`);
    }
    case 'enum': {
      if (value === null) return make('required', 'Mandatory field missing.');
      const allowed = (Array.isArray(params['allowedValues']) ? (params['allowedValues'] as unknown[]) : []).filter((v) => v !== null);
      return make('enum', `Value should be one of: ${allowed.map(String).join(', ')}`, { allowed });
    }
    case 'maxLength':
      return make('maxLength', `Value should have a maximum character requirement of ${String(params['limit'])}`);
    case 'minLength':
      return make('minLength', `Value should have a minimum character requirement of ${String(params['limit'])}`);
    case 'maximum':
      return make('maximum', `Value should be lower or equal to ${String(params['limit'])}`);
    case 'minimum':
      return make('minimum', `Value should be greater or equal to ${String(params['limit'])}`);
    case 'exclusiveMaximum':
      return make('maximum', `Value should be lower than ${String(params['limit'])}`);
    case 'exclusiveMinimum':
      return make('minimum', `Value should be greater than ${String(params['limit'])}`);
    case 'pattern':
      if (params['pattern'] === UUID_PATTERN || params['pattern'] === UUID_OR_EMPTY_PATTERN) {
        return make('format', FORMAT_TEXT['uuid'] ?? 'Value should be UUID format');
      }
      if (params['pattern'] === KEY_SEGMENT_PATTERN) {
        return make('keySegment', "A key is one URL path segment: it may not be empty, '.' or '..'");
      }
      return make('pattern', `Value should match the pattern ${String(params['pattern'])}`);
    default:
      return make(error.keyword, `Value ${error.message ?? 'is invalid'}`);
  }
}

function describeType(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')).map(String).filter((t) => t !== 'null');
  return types.join(' or ') || 'null';
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
