/**
 * The wire: the etcd key layout and value formats shared by the Proton server, the
 * shims and the arbiter — object keys (`/proton/<api>/<ObjectName>/<pk>`), port
 * registration keys (`/gluon/port/<id>`), bind-result
 * keys (`/controller/<api>/Port/<id>`) and the bind-result value (its type, how a shim
 * encodes it and how the server reads it). A leaf: imports nothing but errors, so the
 * shim SDK can use it without pulling in server code.
 * @packageDocumentation
 */
export { protonPrefix, controllerPrefix, controllerKey, objectKey, parseObjectKey, PORT_REGISTRY_PREFIX, portRegistryKey, shimElectionPrefix, shimElectionName, SERVER_LEADER_PREFIX } from './keys.js';
export { etcdRolePlan, etcdRoleCommands } from './roles.js';
export type { EtcdRole, EtcdPermission, EtcdPermissionType, EtcdRolePlanOptions } from './roles.js';
export type { ObjectKeyParts } from './keys.js';
export { encodeBindResult, parseShimResult, hasAnswer } from './bind-result.js';
export type { BindResultValue, ShimResult } from './bind-result.js';
export { pythonJson } from './python-json.js';
