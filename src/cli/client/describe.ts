import type { Catalog, Resource } from './discovery.js';
import type { ClientHttp } from './http.js';

type Obj = Record<string, unknown>;

/** The attributes of a port that say how it is bound. */
export const BINDING_STATE_FIELDS = ['host_id', 'device_owner', 'device_id', 'profile', 'vif_type', 'vif_details', 'status'] as const;

/** A list query on one collection: the objects whose `field` is one of `values`. */
interface ListWhere {
  readonly resource: Resource;
  readonly field: string;
  readonly values: readonly string[];
}

async function listWhere(http: ClientHttp, baseUrl: string, { resource, field, values }: ListWhere): Promise<Obj[]> {
  if (values.length === 0) return [];
  const query = new URLSearchParams(values.map((v): [string, string] => [field, v]));
  const body = (await http.call('GET', `${baseUrl}${resource.path}?${query.toString()}`)) as Record<string, Obj[] | undefined>;
  return body[resource.plural] ?? [];
}

/** Resources of the same API that point at `target` with a `<name>_id` attribute. */
function referrers(catalog: Catalog, target: Resource): { resource: Resource; field: string }[] {
  const field = `${target.name.toLowerCase()}_id`;
  return catalog.resources
    .filter((r) => r.api === target.api && r !== target)
    .flatMap((r) => Object.keys(r.attributes).filter((a) => a.toLowerCase() === field).map((a) => ({ resource: r, field: a })));
}

/** The service a binding resource binds into: `vpnbinding` → `vpn`, `TestBinding` → `test`. */
function serviceOf(catalog: Catalog, binding: Resource): Resource | undefined {
  const stem = binding.name.toLowerCase().replace(/binding$/, '');
  return catalog.resources.find((r) => r.api === binding.api && r.name.toLowerCase() === stem && r !== binding);
}

/**
 * The `describe` view: the object, its binding state (for a port), the objects that
 * point at it (a port's interfaces), the bindings of those, and the services bound into.
 */
export async function describeObject(http: ClientHttp, catalog: Catalog, target: { resource: Resource; id: string }): Promise<Obj> {
  const { resource, id } = target;
  const base = catalog.baseUrl;
  const object = (await http.call('GET', `${base}${resource.path}/${encodeURIComponent(id)}`)) as Obj;
  const view: Obj = { [resource.name]: object };
  if (BINDING_STATE_FIELDS.every((f) => f in resource.attributes)) {
    const state = Object.fromEntries(BINDING_STATE_FIELDS.map((f) => [f, object[f] ?? null]));
    view['binding_state'] = { bound: typeof object['host_id'] === 'string' && object['host_id'] !== '', ...state };
  }
  for (const { resource: child, field } of referrers(catalog, resource)) {
    const children = await listWhere(http, base, { resource: child, field, values: [id] });
    view[child.plural] = children;
    const childIds = children.map((c) => String(c[child.pk]));
    for (const { resource: binding, field: bindingField } of referrers(catalog, child)) {
      const bindings = await listWhere(http, base, { resource: binding, field: bindingField, values: childIds });
      view[binding.plural] = bindings;
      const service = serviceOf(catalog, binding);
      if (service === undefined) continue;
      const serviceIds = [...new Set(bindings.map((b) => b['service_id']).filter((s): s is string => typeof s === 'string'))];
      view[service.plural] = await listWhere(http, base, { resource: service, field: service.pk, values: serviceIds });
    }
  }
  return view;
}
