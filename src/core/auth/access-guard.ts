import { GluonError, NotFoundError } from '../errors/index.js';
import type { ApiModel, ObjectModel, PolicyAction } from '../model/index.js';
import { toPolicyCredentials, type Identity } from './identity.js';
import { PORT_BINDING_ATTRIBUTES } from './policy/base-rules.js';
import type { PolicyCredentials, PolicyTarget } from './policy/checks.js';
import type { PolicyEngine } from './policy/policy-engine.js';
import { attributeRuleName, policyRuleName } from './policy/rule-names.js';

/** The attribute holding an object's project. */
export const TENANT_ATTRIBUTE = 'tenant_id';

/** What a list may show: everything, or only one project's objects. */
export type ListScope = { readonly all: true } | { readonly all: false; readonly tenantId: string };

/** An object of an API, as the policy sees it. */
export interface GuardedObject {
  readonly api: ApiModel;
  readonly object: ObjectModel;
}

/** A get, update or delete of a stored object, as {@link AccessGuard.authorizeStored} checks it. */
export interface StoredAccess {
  readonly action: 'get' | 'update' | 'delete';
  /** The object as stored. */
  readonly stored: PolicyTarget;
  /** Its primary key (named in the 404). */
  readonly key: string;
  /** For an update, the attributes it changes. */
  readonly patch?: PolicyTarget | undefined;
}

/** The 403 of a denied rule, naming it; `detail` says why when the rule alone does not. */
export function forbiddenError(rule: string, denied: { action: PolicyAction; object: ObjectModel }, detail?: string): GluonError {
  const what = `${denied.action} ${denied.object.api.plural}`;
  return new GluonError('GLUON_ERR_AUTH_FORBIDDEN', `Policy does not allow this request: rule "${rule}" denied ${what}${detail === undefined ? '' : ` (${detail})`}.`, {
    details: [{ field: rule, rule: 'policy', message: `"${rule}" is not satisfied by the caller's roles and project` }],
  });
}

function changed(before: unknown, after: unknown): boolean {
  return JSON.stringify(before ?? null) !== JSON.stringify(after ?? null);
}

/**
 * Applies the policy to API requests, independent of the HTTP framework:
 * - create: the create rule against the body (plus the binding attribute rules);
 * - get/update/delete: against the **stored** object. An object the caller may not
 *   `get` answers 404 (its existence is not revealed, as Neutron does); one it may see
 *   but not change answers 403. An update is also checked against the object as it
 *   would be after the change, so a tenant-scoped caller cannot move it to another
 *   project;
 * - list: `{ all: true }` when the list rule holds without any project in the target
 *   (e.g. admins), `{ tenantId }` (own project only) when it holds with the caller's
 *   project as target, 403 otherwise.
 */
export class AccessGuard {
  constructor(private readonly policy: PolicyEngine) {}

  /** The policy engine in force. */
  get engine(): PolicyEngine {
    return this.policy;
  }

  /** The caller's credentials, with `is_admin` from `context_is_admin`. */
  credentials(identity: Identity): PolicyCredentials {
    const creds = toPolicyCredentials(identity);
    return { ...creds, is_admin: this.policy.enforce('context_is_admin', {}, creds) };
  }

  /** The identity with `isAdmin` filled in from `context_is_admin`. */
  withAdminFlag(identity: Identity): Identity {
    return { ...identity, isAdmin: this.policy.enforce('context_is_admin', {}, toPolicyCredentials(identity)) };
  }

  /** Checks a create against its (validated) body; throws 403 naming the rule. */
  authorizeCreate(identity: Identity, on: GuardedObject, body: PolicyTarget): void {
    const { api, object } = on;
    const creds = this.credentials(identity);
    const rule = policyRuleName(api, object, 'create');
    if (!this.policy.enforce(rule, body, creds)) {
      const tenant = body[TENANT_ATTRIBUTE];
      throw forbiddenError(rule, { action: 'create', object }, tenant === undefined || tenant === identity.projectId ? undefined : `tenant_id ${String(tenant)} is not the caller's project ${identity.projectId}`);
    }
    this.checkAttributes(creds, on, { action: 'create', target: body, touched: (name) => body[name] !== undefined && body[name] !== null && body[name] !== '' });
  }

  /**
   * Checks get, update or delete against the stored object (and, for an update, the
   * object after the patch). Throws 404 when the caller may not see it, 403 otherwise.
   */
  authorizeStored(identity: Identity, on: GuardedObject, access: StoredAccess): void {
    const { api, object } = on;
    const { action, stored, key, patch } = access;
    const creds = this.credentials(identity);
    if (!this.policy.enforce(policyRuleName(api, object, 'get'), stored, creds)) {
      throw new NotFoundError(`Object of ${object.name} with Primary Key ${key} not found.`);
    }
    if (action === 'get') return;
    const rule = policyRuleName(api, object, action);
    if (!this.policy.enforce(rule, stored, creds)) throw forbiddenError(rule, { action, object });
    if (action === 'update' && patch !== undefined) {
      const after = { ...stored, ...patch };
      if (!this.policy.enforce(rule, after, creds)) {
        const moved = changed(stored[TENANT_ATTRIBUTE], after[TENANT_ATTRIBUTE]);
        throw forbiddenError(rule, { action, object }, moved ? `moving the object to tenant_id ${String(after[TENANT_ATTRIBUTE])} is not allowed` : 'the object after the change would not satisfy it');
      }
      this.checkAttributes(creds, on, { action: 'update', target: after, touched: (name) => Object.hasOwn(patch, name) && changed(stored[name], patch[name]) });
    }
  }

  /**
   * Checks that an object a request refers to (a reference attribute such as
   * `port_id`, `interface_id`, `service_id`) is visible to the caller — its `get` rule
   * holds — so nobody attaches objects to another project's objects. Throws the same
   * 404 as a dangling reference otherwise.
   */
  authorizeReference(identity: Identity, on: GuardedObject, found: { stored: PolicyTarget; key: string }): void {
    if (!this.mayGet(identity, on, found.stored)) {
      throw new NotFoundError(`Object of ${on.object.name} with Primary Key ${found.key} not found.`);
    }
  }

  /** True when the caller's `get` rule of `object` holds on the stored object. */
  mayGet(identity: Identity, on: GuardedObject, stored: PolicyTarget): boolean {
    return this.policy.enforce(policyRuleName(on.api, on.object, 'get'), stored, this.credentials(identity));
  }

  /** Decides what a list may show (see the class description); throws 403 naming the rule. */
  listScope(identity: Identity, on: GuardedObject): ListScope {
    const { api, object } = on;
    const creds = this.credentials(identity);
    const rule = policyRuleName(api, object, 'list');
    if (this.policy.enforce(rule, {}, creds)) return { all: true };
    const hasTenant = object.attributes.some((a) => a.name === TENANT_ATTRIBUTE);
    const own = { [TENANT_ATTRIBUTE]: identity.projectId, project_id: identity.projectId };
    if (hasTenant && this.policy.enforce(rule, own, creds)) return { all: false, tenantId: identity.projectId };
    throw forbiddenError(rule, { action: 'list', object });
  }

  private checkAttributes(creds: PolicyCredentials, on: GuardedObject, change: { action: 'create' | 'update'; target: PolicyTarget; touched: (name: string) => boolean }): void {
    const { api, object } = on;
    const { action, target, touched } = change;
    if (object.role !== 'port') return;
    for (const attribute of PORT_BINDING_ATTRIBUTES) {
      if (!object.attributes.some((a) => a.name === attribute) || !touched(attribute)) continue;
      const rule = attributeRuleName(api, object, { action, attribute });
      if (!this.policy.enforce(rule, target, creds)) throw forbiddenError(rule, { action, object }, `only admins and services may set ${attribute}`);
    }
  }
}
