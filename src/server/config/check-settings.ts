import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ErrorDetail } from '../../core/errors/index.js';
import { describeOrigin, type ValueOrigin } from './origin.js';
import type { SettingDeclaration, SettingFormat } from './setting.js';
import { isDatabaseUrl, isHttpUrl, isListenHost } from './value-formats.js';

/** The checks behind the formats the settings' schemas name. */
const FORMATS: Readonly<Record<SettingFormat, (text: string) => boolean>> = {
  'listen-host': isListenHost,
  'http-url': isHttpUrl,
  'database-url': isDatabaseUrl,
};

/** One value to check: the setting, what was given (as given) and where it came from. */
export interface GivenValue {
  readonly key: string;
  readonly setting: SettingDeclaration;
  /** The value read into the shape its schema checks. */
  readonly value: unknown;
  /** The value as given, shown in the message. */
  readonly raw: unknown;
  readonly origin: ValueOrigin;
}

const compiled = new WeakMap<SettingDeclaration, ValidateFunction>();
let ajv: Ajv | undefined;

/** The Ajv that checks settings: every error, no coercion (values are read before), the settings' formats. */
function settingsAjv(): Ajv {
  if (ajv !== undefined) return ajv;
  ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false });
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: check });
  return ajv;
}

function validatorOf(setting: SettingDeclaration): ValidateFunction {
  let validate = compiled.get(setting);
  if (validate === undefined) {
    validate = settingsAjv().compile(setting.schema);
    compiled.set(setting, validate);
  }
  return validate;
}

/**
 * Checks one value against its setting's schema, then its `refine` check.
 * @returns the problem (the setting, the rule broken, the value as given and what is allowed), or undefined.
 */
export function checkGivenValue(given: GivenValue): ErrorDetail | undefined {
  const validate = validatorOf(given.setting);
  if (!validate(given.value)) return problemOf(given, ruleOf(validate.errors?.[0]), given.setting.expects);
  const refine = given.setting.refine;
  const refused = refine?.check(given.value as never);
  return refine === undefined || refused === undefined ? undefined : problemOf(given, refine.rule, refused);
}

/** The schema keyword broken (`type`, `minimum`, `enum`, `format:http-url`…). */
function ruleOf(error: ErrorObject | undefined): string {
  if (error === undefined) return 'schema';
  return error.keyword === 'format' ? `format:${String((error.params as { format?: unknown }).format)}` : error.keyword;
}

/** What a message shows of a value: `***` for a secret. */
export function shownValue(setting: SettingDeclaration, value: unknown): unknown {
  return setting.secret === true ? '***' : value;
}

function problemOf(given: GivenValue, rule: string, expects: string): ErrorDetail {
  const value = shownValue(given.setting, given.raw);
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  const choices = 'enum' in given.setting.schema ? { allowed: given.setting.schema.enum } : {};
  return { field: given.key, rule, value, message: `Invalid ${given.key} ${shown} (from ${describeOrigin(given.origin)}): ${expects}.`, ...choices };
}
