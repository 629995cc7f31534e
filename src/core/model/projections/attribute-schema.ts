/**
 * The JSON Schema of one attribute's value, the building block of every body, response,
 * parameter and filter schema in this folder.
 */
import type { ApiModel, AttributeModel } from '../types.js';
import { UUID_OR_EMPTY_PATTERN, UUID_PATTERN } from './formats.js';
import { valueAttribute } from './lookup.js';

/** Bounds of `format: int32` (and of integers without a format: their column is a SQL INTEGER). */
export const INT32_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Bounds of `format: int64`: the integers a JavaScript number holds exactly. */
export const INT64_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({
  min: Number.MIN_SAFE_INTEGER,
  max: Number.MAX_SAFE_INTEGER,
});

/** Default `length` of a string attribute without one (the original's documented default). */
export const DEFAULT_STRING_LENGTH = 255;
/** Length of a uuid value in its canonical form. */
export const UUID_LENGTH = 36;

/** A mutable schema object while it is being built. */
export type SchemaObject = Record<string, unknown>;

/** How {@link attributeValueSchema} shapes a value schema. */
export interface ValueSchemaOptions {
  /** Accept `""` for a uuid (clearing an optional uuid, or "generate one" for a uuid key). */
  readonly uuidMayBeEmpty?: boolean;
  /** Leave out checks that only matter for input (`pattern`, `format`, `minimum`/`maximum`, `maxLength`). */
  readonly typeOnly?: boolean;
}

/**
 * The schema of a non-null value of `attr` (a reference takes its target key's type,
 * length and format). Rules:
 * - string → `{type: 'string', maxLength: length ?? 255}` plus `format` when given;
 * - uuid → `{type: 'string', maxLength: 36, pattern: UUID_PATTERN}` (dashed or 32 hex digits);
 * - integer → `{type: 'integer', minimum, maximum}`: `min`/`max` when given, else the
 *   int64 range for `format: int64` and the int32 range otherwise;
 * - number → `{type: 'number'}` plus `minimum`/`maximum` when given;
 * - boolean → `{type: 'boolean'}`; enum → `{type: 'string', enum: values}`.
 */
export function attributeValueSchema(api: ApiModel, attr: AttributeModel, options: ValueSchemaOptions = {}): SchemaObject {
  const value = valueAttribute(api, attr);
  const schema: SchemaObject = {};
  const full = options.typeOnly !== true;
  switch (value.type) {
    case 'string':
      schema['type'] = 'string';
      if (full) {
        schema['maxLength'] = value.length ?? DEFAULT_STRING_LENGTH;
        if (value.format !== undefined && value.format !== 'int32' && value.format !== 'int64') {
          schema['format'] = value.format;
        }
      }
      break;
    case 'uuid':
      schema['type'] = 'string';
      if (full) {
        schema['maxLength'] = UUID_LENGTH;
        schema['pattern'] = options.uuidMayBeEmpty === true ? UUID_OR_EMPTY_PATTERN : UUID_PATTERN;
      }
      break;
    case 'integer': {
      schema['type'] = 'integer';
      if (full) {
        const range = value.format === 'int64' ? INT64_RANGE : INT32_RANGE;
        schema['minimum'] = attr.min ?? value.min ?? range.min;
        schema['maximum'] = attr.max ?? value.max ?? range.max;
      }
      break;
    }
    case 'number': {
      schema['type'] = 'number';
      const min = attr.min ?? value.min;
      const max = attr.max ?? value.max;
      if (full && min !== undefined) schema['minimum'] = min;
      if (full && max !== undefined) schema['maximum'] = max;
      break;
    }
    case 'boolean':
      schema['type'] = 'boolean';
      break;
    case 'enum':
      schema['type'] = 'string';
      schema['enum'] = [...(value.values ?? [])];
      break;
  }
  const description = attr.description ?? value.description;
  if (description !== undefined) schema['description'] = description;
  return schema;
}

/**
 * Makes a value schema accept `null` too. `nullable: true` (understood by ajv, fast-json-stringify
 * and OpenAPI 3.0) also stops Ajv's `coerceTypes` from turning a `null` into `""`, `0` or `false`;
 * an enum gets `null` among its values, as ajv requires.
 */
export function nullable(schema: SchemaObject): SchemaObject {
  const out: SchemaObject = { ...schema, nullable: true };
  const values = schema['enum'];
  if (Array.isArray(values)) out['enum'] = [...(values as unknown[]), null];
  return out;
}

/**
 * Makes a value schema reject `null`, robustly under Ajv's `coerceTypes` (which would
 * otherwise turn `null` into `""`, `0` or `false` and accept it): `nullable: true` keeps the
 * `null` as it is, then `not: {const: null}` rejects it. An enum rejects `null` by itself.
 * An Ajv error with keyword `not` on a property therefore means "null sent for a required
 * attribute".
 */
export function nonNull(schema: SchemaObject): SchemaObject {
  if (Array.isArray(schema['enum'])) return { ...schema, nullable: true };
  return { ...schema, nullable: true, not: { const: null } };
}
