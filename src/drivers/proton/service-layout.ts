import { GluonError } from '../../core/errors/index.js';
import type { ApiModel, ObjectModel } from '../../core/model/index.js';
import type { DriverContext } from '../types.js';
import { protonFault, type ProtonHttp } from './proton-http.js';

/** Where one service's ports and service bindings live on a Proton server. @internal */
export interface ServiceLayout {
  /** `<url>/proton/<service>/<versionId>` */
  readonly base: string;
  /** Plural of the port-role object (`ports`). */
  readonly portPlural: string;
  /** The service-binding collections, in model order, with the attribute holding the interface id. */
  readonly bindings: readonly { readonly plural: string; readonly key: string }[];
}

/** A nil uuid: a well-typed filter value that matches nothing, for probes. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Joins a Proton server base URL and a path (a base may carry a path prefix). @internal */
export function joinUrl(url: string, path: string): string {
  return `${url.replace(/\/+$/, '')}${path}`;
}

/** The layout read from a model (no request needed). @internal */
export function layoutFromModel(url: string, model: ApiModel): ServiceLayout {
  const ports = model.objects.filter((o) => o.role === 'port');
  const port = ports.find((o) => o.api.plural === 'ports') ?? ports[0];
  if (port === undefined) throw noPortObject(model.name, url, `its model ${model.name} ${model.versionId} has no object extending BasePort`);
  return {
    base: joinUrl(url, `/proton/${encodeURIComponent(model.name)}/${encodeURIComponent(model.versionId)}`),
    portPlural: port.api.plural,
    bindings: model.objects.filter((o) => o.role === 'service-binding').map((o) => ({ plural: o.api.plural, key: bindingKey(o) })),
  };
}

function bindingKey(object: ObjectModel): string {
  return object.attributes.some((a) => a.name === 'interface_id') ? 'interface_id' : object.primaryKey;
}

function noPortObject(service: string, url: string, why: string): GluonError {
  return new GluonError('GLUON_ERR_DRIVER_NO_PORT_OBJECT', `Service "${service}" on Proton server ${url} cannot be served by the Proton driver: ${why}.`);
}

/**
 * Reads the layout from a Proton server's discovery documents: the default version from
 * `GET /proton/<service>`, the collections from `GET /proton/<service>/<v>`, then one
 * probe per collection to learn its role — a collection that accepts the filters
 * `host_id` and `vif_type` holds ports (BasePort), one that accepts `interface_id` and
 * `service_id` holds service bindings (BaseServiceBinding). Unknown filters answer 400.
 * @internal
 */
export async function discoverLayout(http: ProtonHttp, server: { url: string; service: string }, ctx: DriverContext | undefined): Promise<ServiceLayout> {
  const { url, service } = server;
  const versionsUrl = joinUrl(url, `/proton/${encodeURIComponent(service)}`);
  const versions = await http.send({ method: 'GET', url: versionsUrl, ctx });
  if (versions.status === 404) throw noPortObject(service, url, 'the server does not host this service (GET /proton/<service> answered 404)');
  if (versions.status !== 200) throw protonFault('GET', versionsUrl, versions);
  const versionId = readPath(versions.body, ['default_version', 'version_id']);
  if (typeof versionId !== 'string') throw badDocument(versionsUrl, 'default_version.version_id', versions.body);
  const base = joinUrl(url, `/proton/${encodeURIComponent(service)}/${encodeURIComponent(versionId)}`);
  const resources = await http.send({ method: 'GET', url: base, ctx });
  if (resources.status !== 200) throw protonFault('GET', base, resources);
  const list = readPath(resources.body, ['resources']);
  if (!Array.isArray(list)) throw badDocument(base, 'resources', resources.body);
  const plurals = list.map((r) => readPath(r, ['resource_name'])).filter((p): p is string => typeof p === 'string');

  const probe = async (plural: string, query: string): Promise<boolean> => {
    const probeUrl = `${base}/${encodeURIComponent(plural)}?limit=1&${query}`;
    const answer = await http.send({ method: 'GET', url: probeUrl, ctx });
    if (answer.status === 200) return true;
    if (answer.status === 400) return false;
    throw protonFault('GET', probeUrl, answer);
  };
  const roles = await Promise.all(
    plurals.map(async (plural) => ({
      plural,
      port: await probe(plural, 'host_id=probe&vif_type=probe'),
      binding: await probe(plural, `interface_id=${NIL_UUID}&service_id=${NIL_UUID}`),
    })),
  );
  const ports = roles.filter((r) => r.port).map((r) => r.plural);
  const portPlural = ports.includes('ports') ? 'ports' : ports[0];
  if (portPlural === undefined) throw noPortObject(service, url, `none of its collections (${plurals.join(', ')}) holds ports`);
  return { base, portPlural, bindings: roles.filter((r) => r.binding).map((r) => ({ plural: r.plural, key: 'interface_id' })) };
}

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function badDocument(url: string, field: string, body: unknown): GluonError {
  return new GluonError(
    'GLUON_ERR_DRIVER_BACKEND_ERROR',
    `Proton server discovery document ${url} lacks "${field}": ${JSON.stringify(body ?? null).slice(0, 200)}.`,
  );
}
