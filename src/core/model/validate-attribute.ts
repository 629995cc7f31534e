import {
  INTEGER_FORMATS,
  SCALAR_TYPES,
  STRING_FORMATS,
  type AttributeModel,
  type IntegerFormat,
  type ScalarType,
  type StringFormat,
} from './types.js';
import { oneOf, show, type IssueList } from './issues.js';
import type { Located, RawAttribute } from './spec-types.js';

/** Default `length` of a `string` attribute. */
export const DEFAULT_STRING_LENGTH = 255;
/** `length` of a `uuid` attribute (canonical dashed form). */
export const UUID_LENGTH = 36;
/** Bounds implied by `format: int32`. */
export const INT32_MIN = -2147483648;
/** Bounds implied by `format: int32`. */
export const INT32_MAX = 2147483647;
/** Names every object gets from the store; attributes cannot use them. */
export const RESERVED_ATTRIBUTE_NAMES = ['created_at', 'updated_at', 'revision_number'] as const;

/** The field of an etcd object value that names the storage version it is written in. */
export const MIRROR_VERSION_FIELD = 'api_version';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The type facts a reference copies from its target's primary key. */
export type KeyType = Pick<AttributeModel, 'type' | 'length' | 'format' | 'min' | 'max' | 'values'>;

/** What an attribute needs to know about the rest of its API. */
export interface AttributeContext {
  /** Names of the API objects of the API (valid reference types). */
  readonly apiObjects: readonly string[];
  /** Names of the base objects (not valid reference types). */
  readonly baseObjects: readonly string[];
  /** The key type of an API object, or undefined when it has no usable key (reported elsewhere). */
  keyOf(objectName: string): KeyType | undefined;
}

/** An attribute as validated, before its primary / natural-key role is known. */
export type AttributeDraft = Omit<AttributeModel, 'primary' | 'naturalKey'>;

/**
 * Validates one merged attribute and builds its model. Every problem is reported; the
 * result is `undefined` when the attribute cannot be built (no usable `type`).
 */
export function validateAttribute(attr: RawAttribute, ctx: AttributeContext, issues: IssueList): AttributeDraft | undefined {
  const p = attr.props;
  if (!NAME_RE.test(attr.name)) {
    issues.add('GLUON_ERR_MODEL_BAD_VALUE', attr.loc, { rule: 'attribute-name', message: `attribute name ${show(attr.name)} must start with a letter or _ and contain only letters, digits and _`, value: attr.name });
  }
  if ((RESERVED_ATTRIBUTE_NAMES as readonly string[]).includes(attr.name)) {
    issues.add('GLUON_ERR_MODEL_BAD_VALUE', attr.loc, { rule: 'attribute-name', message: `attribute name "${attr.name}" is reserved (every object has ${oneOf([...RESERVED_ATTRIBUTE_NAMES])})`, value: attr.name });
  }
  if (attr.name === MIRROR_VERSION_FIELD) {
    issues.add('GLUON_ERR_MODEL_BAD_VALUE', attr.loc, { rule: 'attribute-name', message: `attribute name "${attr.name}" is reserved (the etcd value of every object names its storage version there)`, value: attr.name });
  }
  if (p.type === undefined) {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', attr.loc, { rule: 'type-required', message: `attribute ${attr.name} has no \`type\`; allowed: ${oneOf([...SCALAR_TYPES, 'an API object name'])}`, allowed: [...SCALAR_TYPES, ...ctx.apiObjects] });
    return undefined;
  }
  const typeName = p.type.value;
  const common = {
    name: attr.name,
    required: p.required?.value ?? false,
    ...(p.description === undefined ? {} : { description: p.description.value }),
    ...renamedFrom(attr, issues),
    ...(p.default === undefined ? {} : { default: p.default.value }),
    source: { file: attr.loc.file, line: attr.loc.line ?? 1, column: attr.loc.column ?? 1 },
  };

  if ((SCALAR_TYPES as readonly string[]).includes(typeName)) {
    return { ...common, ...validateScalar(typeName as ScalarType, attr, issues) };
  }
  if (ctx.apiObjects.includes(typeName)) {
    for (const key of ['length', 'format', 'min', 'max', 'values'] as const) {
      const prop = p[key];
      if (prop === undefined) continue;
      issues.add('GLUON_ERR_MODEL_CONSTRAINT', prop.loc, { rule: `${key}-on-reference`, message: `\`${key}\` cannot be set on attribute ${attr.name}: it references ${typeName} and follows the type of ${typeName}'s primary key`, value: prop.value });
    }
    const key = ctx.keyOf(typeName);
    if (key === undefined) return undefined;
    return { ...common, ...key, reference: typeName };
  }
  const allowed = [...SCALAR_TYPES, ...ctx.apiObjects];
  if (ctx.baseObjects.includes(typeName)) {
    issues.add('GLUON_ERR_MODEL_UNKNOWN_REFERENCE', p.type.loc, { rule: 'reference-type', message: `type "${typeName}" names a base object; a reference type must name an API object (${oneOf([...ctx.apiObjects])})`, value: typeName,
      allowed });
  } else {
    issues.add('GLUON_ERR_MODEL_BAD_VALUE', p.type.loc, { rule: 'type', message: `unknown type "${typeName}"; allowed: ${oneOf(allowed)} (a scalar type or an API object name)`, value: typeName,
      allowed });
  }
  return undefined;
}

function validateScalar(type: ScalarType, attr: RawAttribute, issues: IssueList): KeyType {
  const p = attr.props;
  const out: { type: ScalarType; length?: number; format?: StringFormat | IntegerFormat; min?: number; max?: number; values?: readonly string[] } = { type };
  const constraint = (prop: Located<unknown>, problem: { rule: string; message: string; allowed?: readonly unknown[] }): void =>
    issues.add('GLUON_ERR_MODEL_CONSTRAINT', prop.loc, { ...problem, value: prop.value });

  // length
  if (p.length !== undefined) {
    if (type !== 'string') {
      constraint(p.length, { rule: 'length-type', message: `\`length\` is only valid for type string (attribute ${attr.name} is ${type}${type === 'uuid' ? `, always ${UUID_LENGTH} characters` : ''})`, allowed: ['string'] });
    } else if (!Number.isInteger(p.length.value) || p.length.value < 1) {
      constraint(p.length, { rule: 'length-positive', message: `\`length\` must be a positive integer, found ${show(p.length.value)}` });
    } else out.length = p.length.value;
  }
  if (type === 'string' && out.length === undefined) out.length = DEFAULT_STRING_LENGTH;
  if (type === 'uuid') out.length = UUID_LENGTH;

  // format
  if (p.format !== undefined) {
    const f = p.format.value;
    if (type === 'string') {
      if ((STRING_FORMATS as readonly string[]).includes(f)) out.format = f as StringFormat;
      else issues.add('GLUON_ERR_MODEL_BAD_VALUE', p.format.loc, { rule: 'format', message: `unknown string format "${f}"; allowed: ${oneOf([...STRING_FORMATS])}`, value: f, allowed: STRING_FORMATS });
    } else if (type === 'integer') {
      if ((INTEGER_FORMATS as readonly string[]).includes(f)) out.format = f as IntegerFormat;
      else issues.add('GLUON_ERR_MODEL_BAD_VALUE', p.format.loc, { rule: 'format', message: `unknown integer format "${f}"; allowed: ${oneOf([...INTEGER_FORMATS])}`, value: f, allowed: INTEGER_FORMATS });
    } else {
      constraint(p.format, { rule: 'format-type', message: `\`format\` is only valid for type string or integer (attribute ${attr.name} is ${type})`, allowed: ['string', 'integer'] });
    }
  }

  // min / max
  let boundsOk = true;
  for (const key of ['min', 'max'] as const) {
    const prop = p[key];
    if (prop === undefined) continue;
    if (type !== 'integer' && type !== 'number') {
      constraint(prop, { rule: `${key}-type`, message: `\`${key}\` is only valid for type integer or number (attribute ${attr.name} is ${type})`, allowed: ['integer', 'number'] });
      boundsOk = false;
    } else if (type === 'integer' && !Number.isInteger(prop.value)) {
      constraint(prop, { rule: `${key}-integer`, message: `\`${key}\` of integer attribute ${attr.name} must be an integer, found ${show(prop.value)}` });
      boundsOk = false;
    } else if (out.format === 'int32' && (prop.value < INT32_MIN || prop.value > INT32_MAX)) {
      constraint(prop, { rule: `${key}-int32`, message: `\`${key}\` ${prop.value} is outside the int32 range ${INT32_MIN}..${INT32_MAX}` });
      boundsOk = false;
    } else out[key] = prop.value;
  }
  if (boundsOk && p.min !== undefined && p.max !== undefined && p.min.value > p.max.value) {
    constraint(p.max, { rule: 'min-max', message: `\`max\` (${p.max.value}) is lower than \`min\` (${p.min.value})` });
  }
  if (out.format === 'int32') {
    out.min ??= INT32_MIN;
    out.max ??= INT32_MAX;
  }

  // values
  if (p.values !== undefined) {
    if (type !== 'enum') {
      constraint(p.values, { rule: 'values-type', message: `\`values\` is only valid for type enum (attribute ${attr.name} is ${type})`, allowed: ['enum'] });
    } else if (p.values.value.length === 0) {
      constraint(p.values, { rule: 'values-empty', message: `\`values\` of enum attribute ${attr.name} must list at least one value` });
    } else {
      const seen = new Set<string>();
      for (const v of p.values.value) {
        if (seen.has(v)) issues.add('GLUON_ERR_MODEL_DUPLICATE', p.values.loc, { rule: 'values-unique', message: `enum value "${v}" is listed twice`, value: v });
        seen.add(v);
      }
      out.values = [...seen];
    }
  } else if (type === 'enum') {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', p.type?.loc ?? attr.loc, { rule: 'values-required', message: `enum attribute ${attr.name} has no \`values\` (a non-empty list of strings)`, allowed: ['values'] });
  }
  return out;
}

/** The checked `renamed_from` of an attribute: valid names, not its own. */
function renamedFrom(attr: RawAttribute, issues: IssueList): { renamedFrom?: readonly string[] } {
  const given = attr.props.renamedFrom;
  if (given === undefined) return {};
  const names: string[] = [];
  for (const name of given.value) {
    if (!NAME_RE.test(name) || name === attr.name) {
      const why = name === attr.name ? 'is the attribute\'s own name' : 'must start with a letter or _ and contain only letters, digits and _';
      issues.add('GLUON_ERR_MODEL_BAD_VALUE', given.loc, { rule: 'renamed-from', message: `renamed_from ${show(name)} of attribute ${attr.name} ${why}`, value: name });
    } else if (!names.includes(name)) names.push(name);
  }
  return names.length === 0 ? {} : { renamedFrom: names };
}
