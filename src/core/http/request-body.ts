import { GluonError, ValidationError } from '../errors/index.js';
import { READ_ONLY_FIELDS } from '../model/index.js';
import { coerceBody } from './coerce.js';
import { missingBody } from './fault.js';
import { scopeOf, type ResolvedParams, type RoutePlan } from './route-plan.js';
import { invalidInput } from './typed-text.js';

/** The request a body is prepared for. */
export interface BodyTarget {
  readonly plan: RoutePlan;
  readonly resolved: ResolvedParams;
  readonly mode: 'create' | 'update';
}

function readOnlyError(field: string, value: unknown): GluonError {
  const why = 'Cannot set read only field.';
  return new GluonError('GLUON_ERR_IMMUTABLE_FIELD', invalidInput(field, value, why), {
    details: [{ field, rule: 'readOnly', value, message: why }],
  });
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw missingBody();
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError(invalidInput('body', body, 'Wrong type. Expected a JSON object.'), [
      { field: 'body', rule: 'type', value: body, message: 'the body must be a JSON object' },
    ]);
  }
  return { ...(body as Record<string, unknown>) };
}

/** The parent key must match the URL's parent; a create without it gets it from the URL. */
function applyParentKey(target: BodyTarget, values: Record<string, unknown>): void {
  const scope = scopeOf(target.resolved.parents);
  if (scope === undefined) return;
  const sent = values[scope.key];
  if (sent === undefined || (sent === null && target.mode === 'create')) {
    if (target.mode === 'create') values[scope.key] = scope.value;
  } else if (sent !== scope.value) {
    const message = `API parent identifier(${scope.key}): ${String(sent)} does not match parent key value: ${scope.value}`;
    throw new GluonError('GLUON_ERR_PARENT_MISMATCH', message, {
      details: [{ field: scope.key, rule: 'parent', value: sent, message: `must equal the parent id in the URL (${scope.value})`, allowed: [scope.value] }],
    });
  }
}

/** An update may repeat the primary key of the URL, not change it; it is dropped from the patch. */
function dropPrimaryKey(target: BodyTarget, values: Record<string, unknown>): void {
  const { plan, resolved } = target;
  const pk = plan.object.primaryKey;
  if (target.mode !== 'update' || resolved.key === undefined || !Object.hasOwn(values, pk)) return;
  const sent = values[pk];
  if (sent !== resolved.key) {
    const why = `The primary key cannot be changed (URL key: ${resolved.key}).`;
    throw new GluonError('GLUON_ERR_IMMUTABLE_FIELD', invalidInput(pk, sent, why), {
      details: [{ field: pk, rule: 'immutable', value: sent, message: why, allowed: [resolved.key] }],
    });
  }
  delete values[pk];
}

/**
 * Checks and shapes a POST/PUT body before schema validation: present and an object,
 * no read-only fields, parent key consistent with the URL (filled in on create), the
 * primary key unchanged on update, then booleans/integers coerced as the original did.
 */
export function prepareBody(target: BodyTarget, body: unknown): Record<string, unknown> {
  const values = asObject(body);
  const declared = new Set(target.plan.object.attributes.map((a) => a.name));
  for (const field of READ_ONLY_FIELDS) {
    if (Object.hasOwn(values, field) && !declared.has(field)) throw readOnlyError(field, values[field]);
  }
  applyParentKey(target, values);
  dropPrimaryKey(target, values);
  return coerceBody(target.plan.object, values);
}
