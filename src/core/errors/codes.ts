/**
 * The registry of every error code gluon-net can raise.
 *
 * Codes are stable: once released a code keeps its meaning and is never reused.
 * Each entry gives the HTTP status the reference server answers with, a one-line
 * description and how to fix the cause. `docs/errors.md` is kept in sync with this
 * table by a test (`test/errors/errors-doc.test.ts`).
 */
export const ERROR_CODES = {
  // ── model (spec compiler) ────────────────────────────────────────────────
  GLUON_ERR_MODEL_INVALID: {
    status: 400,
    description: 'One or more model files are invalid; `issues` lists every problem found.',
    fix: 'Fix each listed problem at the file:line:column given, then load again.',
  },
  GLUON_ERR_MODEL_FILE_UNREADABLE: {
    status: 400,
    description: 'A model file or directory could not be read.',
    fix: 'Check the path exists and is readable by the server user.',
  },
  GLUON_ERR_MODEL_YAML_SYNTAX: {
    status: 400,
    description: 'A model file is not well-formed YAML.',
    fix: 'Correct the YAML syntax at the position given.',
  },
  GLUON_ERR_MODEL_UNKNOWN_KEY: {
    status: 400,
    description: 'A key that the spec language does not define appears in a model.',
    fix: 'Remove the key or correct its spelling; the message lists the allowed keys.',
  },
  GLUON_ERR_MODEL_WRONG_TYPE: {
    status: 400,
    description: 'A model value has the wrong YAML type (e.g. a list where a mapping is expected).',
    fix: 'Write the value with the type named in the message.',
  },
  GLUON_ERR_MODEL_MISSING_KEY: {
    status: 400,
    description: 'A key the spec language requires is missing (e.g. `info.name`, `api.name`, an attribute `type`).',
    fix: 'Add the key named in the message.',
  },
  GLUON_ERR_MODEL_BAD_VALUE: {
    status: 400,
    description: 'A model value is not one of the allowed values (e.g. `type: strin`, `format: ipv5`, `file_version: "2.0"`).',
    fix: 'Use one of the allowed values listed in the message.',
  },
  GLUON_ERR_MODEL_UNKNOWN_REFERENCE: {
    status: 400,
    description: 'A model names an object or attribute that does not exist (`extends`, `parent`, `parent_key`, a reference type).',
    fix: 'Name an object or attribute that is defined, or define it.',
  },
  GLUON_ERR_MODEL_INHERITANCE_CYCLE: {
    status: 400,
    description: 'An `extends` chain loops back on itself.',
    fix: 'Break the cycle so every chain ends at an object that extends nothing.',
  },
  GLUON_ERR_MODEL_PARENT_CYCLE: {
    status: 400,
    description: 'The `api.parent` chain of API objects loops back on itself (A is the parent of B, B the parent of A).',
    fix: 'Break the loop so every parent chain ends at an object without `parent`.',
  },
  GLUON_ERR_MODEL_PRIMARY_KEY: {
    status: 400,
    description: 'An API object has no primary key attribute.',
    fix: 'Mark exactly one attribute `primary: true` (or extend a base object that has one).',
  },
  GLUON_ERR_MODEL_VERSION_CONVERSION: {
    status: 400,
    description:
      'Two versions of one API differ in a way that is not a declared conversion from the storage version (an attribute added without a needed `default`, removed without `removed:`, renamed without `renamed_from:`, or retyped; an object added or dropped; two storage versions).',
    fix: 'Declare the difference in the non-storage version (`renamed_from:`, `removed:`, `default:`) or make the attribute equal to the storage version\'s; see docs/migrations.md "Several versions of one API".',
  },
  GLUON_ERR_MODEL_DUPLICATE: {
    status: 400,
    description: 'Two definitions collide (two objects with one plural name in an API, two files defining one API version, two objects extending BasePort…).',
    fix: 'Rename or remove one of the colliding definitions.',
  },
  GLUON_ERR_MODEL_CONSTRAINT: {
    status: 400,
    description: 'An attribute property does not fit its type (e.g. `min` on a string, `values` without `type: enum`, `length` not a positive integer).',
    fix: 'Remove the property or change the attribute type as the message says.',
  },
  GLUON_ERR_MODEL_POLICY: {
    status: 400,
    description: 'An object\'s `policies` are malformed (unknown action, missing `role`, not a string).',
    fix: 'Use the actions create, get, list, update, delete with a check string (`"rule:admin_or_owner"`) or `{role: "…"}`.',
  },
  // ── registry ─────────────────────────────────────────────────────────────
  GLUON_ERR_REGISTRY_DUPLICATE_API: {
    status: 500,
    description: 'The same API name and version was registered twice in one server.',
    fix: 'Load each model once; remove the duplicate model file or path.',
  },
  // ── request validation and resources (HTTP) ──────────────────────────────
  GLUON_ERR_VALIDATION: {
    status: 400,
    description: 'The request body, query string or URL key is invalid; `details[]` names each field, the rule broken and the value received.',
    fix: 'Correct each field listed in `details`.',
  },
  GLUON_ERR_BAD_JSON: {
    status: 400,
    description: 'The request body is not valid JSON.',
    fix: 'Send a well-formed JSON object.',
  },
  GLUON_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The request body has a content type other than JSON.',
    fix: 'Send `Content-Type: application/json`.',
  },
  GLUON_ERR_NOT_FOUND: {
    status: 404,
    description: 'No object with this key exists (or it is not under the parent named in the URL), or the caller may not see it; also a reference in a body (`details[].field`, rule `reference`) that names such an object. A missing and a hidden object get the same answer.',
    fix: 'Check the key; list the collection to see what exists.',
  },
  GLUON_ERR_ROUTE_NOT_FOUND: {
    status: 404,
    description: 'No route matches the URL.',
    fix: 'Check the API name, version and plural name against `GET /proton/`.',
  },
  GLUON_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The route exists but does not accept this HTTP method.',
    fix: 'Use one of the methods listed in the `Allow` header.',
  },
  GLUON_ERR_ALREADY_EXISTS: {
    status: 409,
    description: 'An object with this primary key (or unique natural key) already exists.',
    fix: 'Use another key, or update the existing object with PUT.',
  },
  GLUON_ERR_VALUE_TAKEN: {
    status: 409,
    description: 'A value the model keeps unique (a `unique:` set, or an allocated attribute within its scope) is already held by another object; `details[]` names each field and the message names the holder.',
    fix: 'Choose another value, leave an allocated attribute out to get a free one, or delete the holder first.',
  },
  GLUON_ERR_POOL_EXHAUSTED: {
    status: 409,
    description: 'An attribute left out of a create is allocated from a pool (addresses of a CIDR, or integers of a range) and no value of the pool is free.',
    fix: 'Delete objects that hold values of the pool, widen the pool (or its range), or send the value explicitly.',
  },
  GLUON_ERR_IN_USE: {
    status: 409,
    description: 'The object cannot be deleted (or its key changed) because other objects still reference it.',
    fix: 'Delete or re-point the referencing objects named in `details` first.',
  },
  GLUON_ERR_REFERENCE_NOT_FOUND: {
    status: 400,
    description: 'A reference attribute names an object that does not exist (raised by the store; with the auth hooks, as in the reference server, the answer is 404 `GLUON_ERR_NOT_FOUND` instead, the same as for another project\'s object).',
    fix: 'Create the referenced object first, or correct the id.',
  },
  GLUON_ERR_PARENT_MISMATCH: {
    status: 400,
    description: 'The body\'s parent key differs from the parent id in the URL of a child route.',
    fix: 'Omit the parent key from the body or make it equal to the id in the URL.',
  },
  GLUON_ERR_IMMUTABLE_FIELD: {
    status: 400,
    description: 'The request tries to change a field that cannot change (the primary key, `created_at`, `updated_at`, `revision_number`).',
    fix: 'Remove the field from the body.',
  },
  GLUON_ERR_PRECONDITION_FAILED: {
    status: 412,
    description: 'The `If-Match: revision_number=N` precondition does not hold: the object changed since it was read.',
    fix: 'GET the object again and retry with its current `revision_number`.',
  },
  GLUON_ERR_BAD_PRECONDITION: {
    status: 400,
    description: 'The `If-Match` header is not of the form `revision_number=N`.',
    fix: 'Send `If-Match: revision_number=<integer>`.',
  },
  GLUON_ERR_BODY_TOO_LARGE: {
    status: 413,
    description: 'The request body is larger than the server accepts (fastify `bodyLimit`).',
    fix: 'Send a smaller body, or raise the server\'s body limit.',
  },
  GLUON_ERR_BAD_REQUEST: {
    status: 400,
    description: 'The HTTP request itself is malformed (bad Content-Length, bad URL encoding, …).',
    fix: 'Fix the request as the message says; well-behaved HTTP clients never cause this.',
  },
  GLUON_ERR_JSON_TOO_DEEP: {
    status: 400,
    description: 'The request body nests arrays and objects deeper than the server accepts (32 levels by default); refused while parsing.',
    fix: 'Send a flatter body: object attributes are scalars, so a valid body is never deep.',
  },
  GLUON_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    description: 'The request line and headers are larger than the server accepts (Node\'s `maxHeaderSize`, 16 KiB by default); the connection is closed.',
    fix: 'Send fewer or shorter headers (a huge cookie or token), or raise the limit.',
  },
  GLUON_ERR_REQUEST_TIMEOUT: {
    status: 408,
    description: 'The request (headers or body) did not arrive completely within the server\'s time limit; the connection is closed.',
    fix: 'Send the whole request without pauses, or raise `requestTimeoutMs` / `headersTimeoutMs`.',
  },
  GLUON_ERR_UNKNOWN_METHOD: {
    status: 400,
    description: 'The HTTP method is not one the server knows (e.g. `FOO /proton/`); the connection is closed.',
    fix: 'Use GET, POST, PUT or DELETE (see the `Allow` header of a 405 for a given URL).',
  },
  GLUON_ERR_WATCH_EXPIRED: {
    status: 410,
    description: 'A watch stream cannot resume from the revision asked for (`Last-Event-ID` or `resourceVersion`): the key/value store compacted that history. Sent as an `ERROR` event, then the stream closes.',
    fix: 'List again (or open the watch without a resume point, which starts with the current objects) and resume from the new revision.',
  },
  GLUON_ERR_WATCH_SLOW_CLIENT: {
    status: 503,
    description: 'A watch stream was cut off because the client read it more slowly than events arrived and its bounded buffer filled up.',
    fix: 'Read the stream promptly (do not block the reader), watch fewer objects (filters), or ask the operator for a larger `watchBufferBytes`; reconnect with `Last-Event-ID` to miss nothing.',
  },
  GLUON_ERR_WATCH_UNAVAILABLE: {
    status: 501,
    description: 'This server cannot stream changes (`?watch=true`): it runs without a key/value store mirror to watch.',
    fix: 'Run the server with its mirror (the default) or poll the list instead.',
  },
  // ── store ────────────────────────────────────────────────────────────────
  GLUON_ERR_STORE_UNAVAILABLE: {
    status: 503,
    description: 'The database cannot be reached or refused the operation for a transient reason.',
    fix: 'Check the database server and the `--db` URL; the request can be retried.',
  },
  GLUON_ERR_STORE_OPEN: {
    status: 503,
    description: 'The database could not be opened at start-up: the message names the URL (password masked), the cause (wrong password, unknown database, nothing listening, read-only or damaged file…) and the fix.',
    fix: 'Do what the message says (correct the `--db` URL, create the database, start the server, restore the file), then start again.',
  },
  GLUON_ERR_STORE_CONFIG: {
    status: 500,
    description: 'The database URL or driver is not usable (unknown scheme, driver package not installed).',
    fix: 'Use `sqlite:<file>` or `mysql://user:pass@host:port/db`, and install `better-sqlite3` or `mysql2`.',
  },
  GLUON_ERR_STORE_SCHEMA: {
    status: 503,
    description:
      'The database tables do not match the models (a table or column is missing or has another type): the server refuses to start on them, and a request that meets such a table answers 503 instead of failing.',
    fix: 'Run `gluon db plan` to see the difference and `gluon db upgrade` to apply it, or start the server with `migrate: safe` for changes that lose no data.',
  },
  GLUON_ERR_MIGRATION_DESTRUCTIVE: {
    status: 409,
    description: 'A schema upgrade would lose or refuse data (a dropped, narrowed or retyped column, a removed object, a new required attribute), or gluon cannot make the change at all.',
    fix: 'Read `gluon db plan` (it counts the rows at risk); back up and run `gluon db upgrade --allow-destructive`, or change the model the expand/contract way (docs/migrations.md).',
  },
  GLUON_ERR_MIGRATION_INTERRUPTED: {
    status: 503,
    description: 'A schema upgrade stopped before its end (a statement failed or the process died); the journal records the step it stopped at.',
    fix: 'Run `gluon db status` to see the step, fix its cause, and run `gluon db upgrade` with the same models to resume.',
  },
  GLUON_ERR_IMPORT_SOURCE: {
    status: 400,
    description: 'The database of the original Gluon given to `gluon db import-gluon` cannot be read (bad URL, missing file, unreachable server, missing driver) or holds no table of the loaded models.',
    fix: 'Give `sqlite:<path of gluon.sqlite>` or the original\'s `mysql://user:pass@host:port/db` URL, and load the models the original served.',
  },
  GLUON_ERR_INTERNAL: {
    status: 500,
    description: 'An unexpected error; the server log has the cause.',
    fix: 'Report it with the request id from the log.',
  },
  // ── key/value port (etcd / in-process) ───────────────────────────────────
  GLUON_ERR_KV_UNAVAILABLE: {
    status: 503,
    description: 'The key/value store (etcd) cannot be reached or did not answer in time. Retryable.',
    fix: 'Check that etcd runs and that `--etcd` / `GLUON_ETCD` names its client URL; the operation can be retried.',
  },
  GLUON_ERR_KV_COMPACTED: {
    status: 410,
    description: 'The revision asked for (a read at a revision, or a watch resuming from it) is older than the store\'s compaction revision.',
    fix: 'List again (at the current revision) and watch from the revision of that list plus one.',
  },
  GLUON_ERR_KV_FUTURE_REVISION: {
    status: 400,
    description: 'A read or compaction named a revision the store has not reached yet.',
    fix: 'Use a revision at most equal to the store\'s current revision.',
  },
  GLUON_ERR_KV_TXN_TOO_LARGE: {
    status: 500,
    description: 'A transaction has more than 128 operations in one branch (etcd\'s `--max-txn-ops`).',
    fix: 'Split the writes into transactions of at most 128 operations.',
  },
  GLUON_ERR_KV_BAD_REQUEST: {
    status: 500,
    description: 'A key/value operation is malformed (empty key, key outside the prefix, bad limit, duplicate key in a transaction, request too large).',
    fix: 'Correct the argument named in the message.',
  },
  GLUON_ERR_KV_LEASE_NOT_FOUND: {
    status: 500,
    description: 'A put named a lease that does not exist (expired or revoked).',
    fix: 'Grant a new lease and write the key again with it.',
  },
  GLUON_ERR_KV_LEASE_LOST: {
    status: 503,
    description: 'A lease expired or was revoked while its holder relied on it; keys attached to it are gone and leadership based on it is over.',
    fix: 'Stop the work the lease protected, grant a new lease (campaign again) and rewrite its keys.',
  },
  GLUON_ERR_KV_WATCH_FAILED: {
    status: 503,
    description: 'The store ended a watch for a reason other than compaction (e.g. permission, cancelled stream).',
    fix: 'List again and watch from the list\'s revision plus one; check etcd permissions if it persists.',
  },
  GLUON_ERR_KV_NO_SPACE: {
    status: 507,
    description: 'etcd refused a write because its backend quota is exhausted (alarm NOSPACE).',
    fix: 'Compact and defragment etcd, disarm the alarm, and run etcd with `--auto-compaction-retention`.',
  },
  GLUON_ERR_KV_PERMISSION_DENIED: {
    status: 502,
    description: "etcd refused an operation: the etcd user (the client certificate's CN, or `etcdUsername`) has no permission on the key, or authentication failed.",
    fix: 'Give the component the etcd user of its role (`gluon etcd roles` prints them; see docs/deployment.md), or check `etcdCertFile`, `etcdUsername` and `etcdPassword`.',
  },
  GLUON_ERR_KV_CAMPAIGN_ABORTED: {
    status: 503,
    description: 'An election campaign was aborted (signal, store closed, or lease lost while waiting).',
    fix: 'Campaign again if this process should still become leader.',
  },
  GLUON_ERR_KV_CLOSED: {
    status: 503,
    description: 'The key/value store was used after `close()`.',
    fix: 'Do not use a store after closing it; create a new one.',
  },
  GLUON_ERR_KV_FAILED: {
    status: 500,
    description: 'etcd answered with an error gluon-net does not classify; the message carries etcd\'s text.',
    fix: 'Read etcd\'s message; check the etcd server log.',
  },
  // ── sync (outbox publisher, reconciler) ──────────────────────────────────
  GLUON_ERR_SYNC_FLUSH_TIMEOUT: {
    status: 503,
    description: 'The outbox publisher did not publish every change committed before `flush()` within the time allowed (etcd unreachable, or this server is not the leader).',
    fix: 'Check that etcd is reachable and that one server leads the publisher election (`/readyz` checks.mirror); raise the timeout for large backlogs.',
  },
  GLUON_ERR_SYNC_STOPPED: {
    status: 503,
    description: 'The outbox publisher was stopped (server shutting down, or leadership lost) while a caller waited for it.',
    fix: 'Wait on the publisher of the current leader, or start the mirror again.',
  },
  GLUON_ERR_SYNC_NOT_LEADER: {
    status: 409,
    description: 'A leader-fenced write to etcd was refused: this server no longer holds the publisher election.',
    fix: 'Nothing to do: another server leads and publishes; this one campaigns again.',
  },
  // ── binding (port bind/unbind) ───────────────────────────────────────────
  GLUON_ERR_BIND_PENDING: {
    status: 409,
    description: 'A bind of the port to another host or device is still waiting for its shim result on this server.',
    fix: 'Wait for the pending bind to answer (or unbind the port first), then bind again.',
  },
  // ── backend drivers and plugins ──────────────────────────────────────────
  GLUON_ERR_DRIVER_UNREACHABLE: {
    status: 502,
    description: 'A backend driver could not reach the Proton server of a port (connection refused, reset, timed out).',
    fix: 'Check that the Proton server at the URL named in the message (the port\'s `/gluon/port/<id>` registration) is running and reachable.',
  },
  GLUON_ERR_DRIVER_BACKEND_ERROR: {
    status: 502,
    description: 'The Proton server of a port answered with an unexpected status or a body that is not what the driver expects.',
    fix: 'Read the Proton server\'s answer quoted in the message and its log; check that it serves the service and version the port is registered under.',
  },
  GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE: {
    status: 400,
    description: 'A port update names a Neutron attribute the backend driver cannot map to the Gluon port (read-only in Neutron, or with no Proton counterpart).',
    fix: 'Send only the attributes listed as allowed in the message; bind and unbind with `binding:host_id`.',
  },
  GLUON_ERR_DRIVER_NO_PORT_OBJECT: {
    status: 502,
    description: 'The service of a port has no API object with the port role (extending BasePort) on its Proton server, so the built-in driver cannot serve it.',
    fix: 'Check the service name in the port registration and the model the Proton server loaded; a model needs an object extending BasePort.',
  },
  GLUON_ERR_DRIVER_CLOSED: {
    status: 503,
    description: 'A backend driver was used after `close()`.',
    fix: 'Create a new driver; do not call a driver once the arbiter that owns it is shutting down.',
  },
  GLUON_ERR_DRIVER_BAD_OPTIONS: {
    status: 500,
    description: 'A backend driver factory was given invalid options (e.g. an empty service name or GluonNetwork id).',
    fix: 'Pass the option named in the message with an allowed value.',
  },
  // ── port arbiter and Neutron facade ──────────────────────────────────────
  GLUON_ERR_ARBITER_NO_DRIVER: {
    status: 503,
    description: 'A Gluon port is registered under a service for which the port arbiter has no backend driver.',
    fix: 'Install and list the plugin whose `gluon.drivers` serves the service named in the message (or let the built-in Proton driver serve every service).',
  },
  GLUON_ERR_ARBITER_NOT_STARTED: {
    status: 503,
    description: 'The port arbiter was asked about a port before its port registry was loaded from etcd (or after it was closed).',
    fix: 'Call `start()` and wait for it before serving requests; check that etcd is reachable.',
  },
  GLUON_ERR_ARBITER_UPSTREAM_UNREACHABLE: {
    status: 502,
    description: 'The Neutron facade could not reach the upstream Neutron server (connection refused, reset or timed out).',
    fix: 'Check that Neutron runs at the `--neutron-url` named in the message and is reachable from the facade.',
  },
  GLUON_ERR_ARBITER_GLUON_OBJECTS: {
    status: 503,
    description: 'The dummy Neutron network `GluonNetwork` or subnet `GluonSubnet` could not be found in the upstream Neutron.',
    fix: 'Create them as admin (see docs/neutron.md) or pass their ids with `--gluon-network-id` / `--gluon-subnet-id`.',
  },
  GLUON_ERR_PLUGIN_NOT_FOUND: {
    status: 500,
    description: 'A plugin package listed in the configuration (or in the application\'s dependencies) cannot be resolved from the application root.',
    fix: 'Install the package (`npm install <name>`) in the application, or correct its name.',
  },
  GLUON_ERR_PLUGIN_MALFORMED: {
    status: 500,
    description: 'A plugin package\'s `gluon` field in package.json is not of the documented shape.',
    fix: 'Write `"gluon": { "apiVersion": 1, "drivers": { "<service>": "./file.js#export" }, "shims": {…}, "models": ["./x.yaml"] }` in the package named in the message.',
  },
  GLUON_ERR_PLUGIN_API_VERSION: {
    status: 500,
    description: 'A plugin (its `gluon.apiVersion` or a driver definition\'s `apiVersion`) targets a plugin contract version this gluon-net does not implement.',
    fix: 'Install a plugin version built for plugin contract version 1, or upgrade gluon-net.',
  },
  GLUON_ERR_PLUGIN_FILE_NOT_FOUND: {
    status: 500,
    description: 'A file named by a plugin\'s `gluon` field (a driver, shim or model) does not exist in the package.',
    fix: 'Build the plugin (its `dist/` may be missing) or correct the path in its package.json.',
  },
  GLUON_ERR_PLUGIN_LOAD_FAILED: {
    status: 500,
    description: 'Importing a plugin module threw; the cause is kept.',
    fix: 'Read the cause (a syntax error, a missing dependency of the plugin) and fix or reinstall the plugin.',
  },
  GLUON_ERR_PLUGIN_EXPORT_NOT_FOUND: {
    status: 500,
    description: 'A plugin module does not have the export named after `#` in its `gluon` entry (or has no default export).',
    fix: 'Export the name, or correct the `#export` part of the entry; the message lists the module\'s exports.',
  },
  GLUON_ERR_PLUGIN_NOT_A_DRIVER: {
    status: 500,
    description: 'A plugin\'s driver entry does not export a driver definition (`{ name, apiVersion, create }`).',
    fix: 'Export the result of `defineDriver({ name, apiVersion: 1, create })`.',
  },
  GLUON_ERR_PLUGIN_NOT_HOOKS: {
    status: 500,
    description: 'A plugin\'s `gluon.hooks` entry does not export a server hooks definition (`{ name, apiVersion, beforeWrite?, afterWrite?, decideBind? }`).',
    fix: 'Export the result of `defineHooks({ name, apiVersion: 1, … })`; every hook must be a function.',
  },
  GLUON_ERR_PLUGIN_DUPLICATE_DRIVER: {
    status: 500,
    description: 'Two plugin packages provide a driver for the same service (or two shims share a name).',
    fix: 'Remove one of the two packages named in the message, or list plugins explicitly without the unwanted one.',
  },
  // ── auth (authenticators, policy) ────────────────────────────────────────
  GLUON_ERR_AUTH_REQUIRED: {
    status: 401,
    description: 'The request carries no credentials (no `X-Auth-Token` header) and the server requires them.',
    fix: 'Send a valid token in the `X-Auth-Token` header (a Keystone token, or a token from the token file).',
  },
  GLUON_ERR_AUTH_INVALID_TOKEN: {
    status: 401,
    description: 'The token sent in `X-Auth-Token` is unknown, revoked or expired.',
    fix: 'Get a new token (e.g. `openstack token issue`) and send it in `X-Auth-Token`.',
  },
  GLUON_ERR_AUTH_FORBIDDEN: {
    status: 403,
    description: 'The policy rule named in the message does not allow the caller to perform this action on this object.',
    fix: 'Use credentials with the role or project the rule requires, or change the rule in the policy file (`gluon policy list` shows the effective rules).',
  },
  GLUON_ERR_AUTH_UNAVAILABLE: {
    status: 503,
    description: 'The identity service (Keystone) could not be reached or answered with an error, so the token could not be checked.',
    fix: 'Check that Keystone is up and reachable at the configured URL, and that the service credentials are right; retry later.',
  },
  GLUON_ERR_AUTH_CONFIG: {
    status: 500,
    description: 'The auth configuration (strategy, token file, policy file, Keystone settings) is invalid.',
    fix: 'Correct the file or setting named in the message; docs/security.md describes each.',
  },
  GLUON_ERR_POLICY_SYNTAX: {
    status: 500,
    description: 'A policy check string could not be parsed (it is treated as "deny" at run time).',
    fix: 'Correct the check string at the rule named in the message; docs/security.md describes the policy language.',
  },
  // ── server / config / cli ────────────────────────────────────────────────
  GLUON_ERR_CONFIG: {
    status: 500,
    description: 'A server option (flag, environment variable or config file entry) is invalid.',
    fix: 'Correct the option named in the message; `gluon serve --help` lists them.',
  },
  // ── client CLI (`gluon <resource> <action>`, `protonclient`) ───────────────
  GLUON_ERR_CLI_USAGE: {
    status: 400,
    description: 'A client command was given an unknown resource or action, a missing argument, or a flag value its attribute\'s schema refuses (checked before anything is sent).',
    fix: 'Correct the flag named in the message (field, rule and value are given); `gluon <resource> <action> --help` lists the flags.',
  },
  GLUON_ERR_CLI_UNREACHABLE: {
    status: 503,
    description: 'The client could not reach the Proton server or Keystone (connection refused, reset, timed out).',
    fix: 'Check the URL named in the message: `--url`, `GLUON_URL`, the clouds.yaml profile or the Keystone catalog.',
  },
  GLUON_ERR_CLI_FAULT: {
    status: 500,
    description: 'The Proton server answered a client command with a fault; the message carries the server\'s own code and details.',
    fix: 'Follow the fix of the server\'s code (printed with the fault) in this table.',
  },
  GLUON_ERR_CLI_AUTH: {
    status: 401,
    description: 'The client could not get a token: the clouds.yaml profile or `OS_*` variables are incomplete, or Keystone refused the credentials.',
    fix: 'Check the profile named in the message (auth_url, username/password or application_credential_id/secret, project).',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** What the registry says about one code. */
export interface ErrorCodeInfo {
  /** HTTP status the reference server answers with. */
  readonly status: number;
  /** What the error means. */
  readonly description: string;
  /** How to fix its cause. */
  readonly fix: string;
}

/** Every stable error code. Match on `err.code`, not on `instanceof`. */
export type GluonErrorCode = keyof typeof ERROR_CODES;
