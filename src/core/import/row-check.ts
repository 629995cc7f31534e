import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { CUSTOM_FORMATS, KEY_SEGMENT_PATTERN, UUID_OR_EMPTY_PATTERN, UUID_PATTERN, toObjectSchemas, type ApiModel, type ObjectModel } from '../model/index.js';
import type { ErrorDetail } from '../errors/index.js';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (formatsModule as unknown as { default?: AddFormats }).default ?? (formatsModule as unknown as AddFormats);

/** Keywords that only wrap more specific errors on the same field. */
const WRAPPERS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

function show(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String((error.params as { missingProperty?: unknown }).missingProperty);
  if (error.keyword === 'additionalProperties') return String((error.params as { additionalProperty?: unknown }).additionalProperty);
  return error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
}

function toDetail(error: ErrorObject, field: string, body: Readonly<Record<string, unknown>>): ErrorDetail {
  const rule = error.keyword === 'additionalProperties' ? 'unknown' : error.keyword;
  if (rule === 'required') {
    return { field, rule, message: `"${field}" is required but the original stored NULL.` };
  }
  const value = body[field];
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const pattern = (error.params as { pattern?: unknown }).pattern;
  const isUuid = rule === 'pattern' && (pattern === UUID_PATTERN || pattern === UUID_OR_EMPTY_PATTERN);
  const isKeySegment = rule === 'pattern' && pattern === KEY_SEGMENT_PATTERN;
  const why = isUuid ? 'must be a UUID (8-4-4-4-12 or 32 hex digits)' : isKeySegment ? "a key may not be empty, '.' or '..'" : (error.message ?? rule);
  const message = `Invalid value for "${field}": ${why}, received ${show(value)}.`;
  return allowed === undefined ? { field, rule, value, message } : { field, rule, value, message, allowed };
}

/**
 * Checks create bodies against the same JSON Schemas the HTTP API validates POST bodies
 * with (Ajv 8, `ajv-formats`, gluon's `mac` and `json` formats, no coercion), so a row is
 * refused exactly when a client sending it would get a 400.
 */
export class RowChecker {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<ObjectModel, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: false });
    addFormats(this.ajv);
    for (const [name, format] of Object.entries(CUSTOM_FORMATS)) {
      this.ajv.addFormat(name, format as Parameters<Ajv['addFormat']>[1]);
    }
  }

  /** One detail per invalid field of `body` (empty when the body is valid). */
  check(api: ApiModel, object: ObjectModel, body: Readonly<Record<string, unknown>>): ErrorDetail[] {
    let validate = this.compiled.get(object);
    if (validate === undefined) {
      validate = this.ajv.compile(structuredClone(toObjectSchemas(api, object).create) as object);
      this.compiled.set(object, validate);
    }
    if (validate(body)) return [];
    const errors = validate.errors ?? [];
    const specific = new Set(errors.filter((e) => !WRAPPERS.has(e.keyword)).map((e) => fieldOf(e)));
    const byField = new Map<string, ErrorDetail>();
    for (const error of errors) {
      const field = fieldOf(error);
      if (WRAPPERS.has(error.keyword) && specific.has(field)) continue;
      if (!byField.has(field)) byField.set(field, toDetail(error, field, body));
    }
    return [...byField.values()];
  }
}
