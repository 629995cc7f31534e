/** An Ajv configured the way the HTTP part is expected to: ajv-formats + our custom formats. */
import AjvModule from 'ajv';
import formatsModule from 'ajv-formats';
import { CUSTOM_FORMATS, type JsonSchema } from '../../src/core/model/index.js';

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

/** A fresh strict Ajv with every error reported; `coerceTypes` as given (fastify's default coerces). */
export function makeAjv(coerceTypes: boolean | 'array' = true): InstanceType<typeof Ajv> {
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes });
  addFormats(ajv);
  for (const [name, format] of Object.entries(CUSTOM_FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** Validates a copy of `data` (coercion mutates) and returns the errors as `[keyword, instancePath]`. */
export function check(schema: JsonSchema, data: unknown, coerceTypes: boolean | 'array' = true): { ok: boolean; errors: [string, string][]; data: unknown } {
  const validate = makeAjv(coerceTypes).compile(structuredClone(schema) as object);
  const copy = structuredClone(data);
  const ok = validate(copy);
  return { ok, errors: (validate.errors ?? []).map((e) => [e.keyword, e.instancePath]), data: copy };
}
