/**
 * The etcd key layout of objects, port registrations and bind results (Gluon's, see
 * docs/etcd.md): `/proton/<api>/<ObjectName>/<pk>` (objects, written by the Proton
 * server), `/gluon/port/<id>` (port registrations, written by the Proton server, read by
 * the port arbiter), `/controller/<api>/Port/<id>` (bind results, written by shims) and
 * `/election/shim/<api>/<shim>/` (the default election of a shim's instances).
 */

/** Prefix of the port registrations the port arbiter reads: `/gluon/port/`. */
export const PORT_REGISTRY_PREFIX = '/gluon/port/';

/** The registration key of port `id`: `/gluon/port/<id>`. */
export function portRegistryKey(id: string): string {
  return `${PORT_REGISTRY_PREFIX}${id}`;
}

/** Prefix of every object of `api`: `/proton/<api>/`. */
export function protonPrefix(api: string): string {
  return `/proton/${api}/`;
}

/** Prefix of the bind-result keys of `api`: `/controller/<api>/Port/`. */
export function controllerPrefix(api: string): string {
  return `/controller/${api}/Port/`;
}

/** The bind-result key of port `portId`: `/controller/<api>/Port/<id>`. */
export function controllerKey(api: string, portId: string): string {
  return `${controllerPrefix(api)}${portId}`;
}

/** The key of object `objectName` / `id`: `/proton/<api>/<ObjectName>/<id>`. */
export function objectKey(api: string, objectName: string, id: string): string {
  return `${protonPrefix(api)}${objectName}/${id}`;
}

/** An object key split into its parts. */
export interface ObjectKeyParts {
  /** The object's model name (`Port`). */
  readonly objectName: string;
  /** The object's primary key. */
  readonly id: string;
}

/** Splits `/proton/<api>/<ObjectName>/<id>`; undefined for keys of another shape. */
export function parseObjectKey(api: string, key: string): ObjectKeyParts | undefined {
  const prefix = protonPrefix(api);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { objectName: rest.slice(0, slash), id: rest.slice(slash + 1) };
}

/** Prefix of the default elections of every shim of `api`: `/election/shim/<api>/`. */
export function shimElectionPrefix(api: string): string {
  return `/election/shim/${api}/`;
}

/** The default election of shim `shim` for `api`: `/election/shim/<api>/<shim>` (its candidates' keys are below it). */
export function shimElectionName(api: string, shim: string): string {
  return `${shimElectionPrefix(api)}${shim}`;
}

/** Prefix of the Proton servers' elections (the outbox publisher's leader key is below it): `/gluon/leader/`. */
export const SERVER_LEADER_PREFIX = '/gluon/leader/';
