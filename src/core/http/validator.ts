import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { CUSTOM_FORMATS } from '../model/index.js';
import { ajvToValidationError } from './ajv-errors.js';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (formatsModule as unknown as { default?: AddFormats }).default ?? (formatsModule as unknown as AddFormats);

/** The Ajv options the plugin uses: every error, no silent removal, no type coercion. */
export const AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  removeAdditional: false,
  coerceTypes: false,
  useDefaults: false,
  strict: false,
};

/** A fresh Ajv 8 with ajv-formats and gluon's custom formats (`mac`, `json`). */
export function createAjv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
  addFormats(ajv);
  for (const [name, format] of Object.entries(CUSTOM_FORMATS)) {
    ajv.addFormat(name, format as Parameters<Ajv['addFormat']>[1]);
  }
  return ajv;
}

/**
 * A fastify validator compiler backed by its own Ajv: a failed body validation is
 * returned as ONE GluonError ValidationError (one detail per bad field), which fastify
 * hands to the plugin's error handler unchanged. Each schema is compiled on the first
 * request that needs it, not when the route is registered: a server holds the compiled
 * validators of the routes it is asked for, not of every route of every model.
 */
export function createValidatorCompiler(ajv: Ajv = createAjv()): FastifySchemaCompiler<Record<string, unknown>> {
  const cache = new WeakMap<object, ValidateFunction>();
  const compile = (schema: object): ValidateFunction => {
    let validate = cache.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(schema);
      cache.set(schema, validate);
    }
    return validate;
  };
  return ({ schema }) => {
    let compiled: ValidateFunction | undefined;
    return (data: unknown) => {
      compiled ??= compile(schema);
      if (compiled(data)) return { value: data };
      return { error: ajvToValidationError(compiled.errors ?? [], data, schema) };
    };
  };
}
