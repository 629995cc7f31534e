/** Helpers of the auth acceptance tests: bodies for every net-l3vpn object, HTTP calls with a token. */
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { validValue } from '../http/model-values.js';
import { call } from '../setup/http-call.js';

/** The binding fields only admins and services may set. */
export const BINDING_FIELDS = new Set(['host_id', 'vif_type', 'vif_details', 'profile']);

/** One HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The URL of an API's collection of an object (top-level route). */
export function collectionUrl(base: string, api: ApiModel, object: ObjectModel): string {
  return `${base}/proton/${api.name}/${api.versionId}/${object.api.plural}`;
}

/**
 * Creates objects as a privileged caller, building every referenced object first (a
 * fresh one per reference, so objects keyed by a reference, like VpnBinding, never collide).
 */
export class ObjectFactory {
  private serial = 0;
  constructor(
    private readonly base: string,
    private readonly api: ApiModel,
    private readonly adminToken: () => string | undefined,
  ) {}

  /** A valid create body for `object` owned by `tenantId` (referenced objects are created as needed). */
  async body(object: ObjectModel, tenantId: string): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = { tenant_id: tenantId };
    for (const attribute of object.attributes) {
      if (attribute.name === 'tenant_id' || BINDING_FIELDS.has(attribute.name)) continue;
      if (attribute.reference !== undefined) {
        const target = this.api.objects.find((o) => o.name === attribute.reference) as ObjectModel;
        const created = await this.create(target, tenantId);
        body[attribute.name] = created[target.primaryKey];
        continue;
      }
      if (attribute.primary && attribute.type === 'uuid') continue;
      if (attribute.primary) {
        body[attribute.name] = `k${Date.now().toString(36)}${(this.serial++).toString(36)}`.slice(0, attribute.length ?? 32);
        continue;
      }
      if (attribute.required) body[attribute.name] = validValue(attribute);
    }
    return body;
  }

  /** Creates an object owned by `tenantId` as admin and returns it. */
  async create(object: ObjectModel, tenantId: string): Promise<Record<string, unknown>> {
    const answer = await call(collectionUrl(this.base, this.api, object), { method: 'POST', token: this.adminToken(), body: await this.body(object, tenantId) });
    if (answer.status !== 201) throw new Error(`set-up create ${object.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, unknown>;
  }
}

/** An attribute an update may change (not a key, reference, tenant or binding field) and a new value for it. */
export function updatePatch(object: ObjectModel): Record<string, unknown> {
  const attribute = object.attributes.find(
    (a) => !a.primary && a.reference === undefined && a.name !== 'tenant_id' && !BINDING_FIELDS.has(a.name) && a.type !== 'enum' && a.type !== 'boolean',
  );
  if (attribute === undefined) throw new Error(`no updatable attribute on ${object.name}`);
  return { [attribute.name]: validValue(attribute) };
}
