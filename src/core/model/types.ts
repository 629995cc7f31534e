/**
 * The compiled, immutable form of a Gluon API spec. Everything else in gluon-net
 * (tables, routes, JSON Schemas, policies, CLI commands, docs) is derived from these
 * types; nothing per object is written by hand.
 */

/** Scalar attribute types of the spec language (a reference resolves to its target's key type). */
export const SCALAR_TYPES = ['string', 'uuid', 'integer', 'number', 'boolean', 'enum'] as const;
/** A scalar attribute type. */
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** `format` values allowed on `type: string`. */
export const STRING_FORMATS = ['date-time', 'json', 'ipv4', 'ipv6', 'ip', 'cidr', 'mac', 'uri', 'email'] as const;
/** A string format. */
export type StringFormat = (typeof STRING_FORMATS)[number];

/** `format` values allowed on `type: integer`. */
export const INTEGER_FORMATS = ['int32', 'int64'] as const;
/** An integer format. */
export type IntegerFormat = (typeof INTEGER_FORMATS)[number];

/** Policy actions of an API object. */
export const POLICY_ACTIONS = ['create', 'get', 'list', 'update', 'delete'] as const;
/** A policy action. */
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/**
 * The role an API object plays, derived from its `extends` chain:
 * BasePort → `port`, BaseInterface → `interface`, BaseService → `service`,
 * BaseServiceBinding → `service-binding`, anything else → `plain`.
 */
export type ObjectRole = 'port' | 'interface' | 'service' | 'service-binding' | 'plain';

/** Where a node came from in a model file (1-based line and column). */
export interface SourceLocation {
  /** The model file. */
  readonly file: string;
  /** Line, from 1. */
  readonly line: number;
  /** Column, from 1. */
  readonly column: number;
}

/** One attribute of an API object, after inheritance and reference resolution. */
export interface AttributeModel {
  /** Attribute (and column, and JSON property) name. */
  readonly name: string;
  /**
   * Effective scalar type. For a reference (`type: Port`) this is the type of the
   * target's primary key, and {@link AttributeModel.reference} names the target.
   */
  readonly type: ScalarType;
  /** The API object this attribute references (its primary key), when `type` named an object. */
  readonly reference?: string;
  /** True for the object's primary key (exactly one attribute per object). */
  readonly primary: boolean;
  /**
   * True when this attribute was marked `primary: true` but is not the key: together
   * these form a unique natural key (ietf-sfc's composite "primary" bindings).
   */
  readonly naturalKey: boolean;
  /** Must be present and non-null on create. */
  readonly required: boolean;
  /** Maximum length in characters for `string` (default 255) and `uuid` (36). */
  readonly length?: number;
  /** Value format (string formats, or int32/int64 for integers). */
  readonly format?: StringFormat | IntegerFormat;
  /** Inclusive lower bound for integers/numbers. */
  readonly min?: number;
  /** Inclusive upper bound for integers/numbers. */
  readonly max?: number;
  /** Allowed values of an enum. */
  readonly values?: readonly string[];
  /** Free text from the model. */
  readonly description?: string;
  /**
   * Former names of this attribute (`renamed_from`, a string or a list). In the storage
   * version a migration renames the column instead of dropping the old one and adding a
   * new one; in another served version, the one that names an attribute of the storage
   * version is the attribute's name there (a conversion).
   */
  readonly renamedFrom?: readonly string[];
  /** Where the attribute's final definition is. */
  readonly source?: SourceLocation;
  /**
   * `default:` — the value a create gets when the body leaves the attribute out, and what
   * an attribute added by a served version reads as where storage holds none.
   */
  readonly default?: string | number | boolean;
  /** `allocate:` — the pool a create draws this attribute's value from when the body leaves it out. */
  readonly allocate?: AllocationModel;
  /** `family_from:` — which address families the attribute accepts, read from attributes of an object. */
  readonly familyFrom?: FamilyRuleModel;
}

/** An address family as the model language names it. */
export type FamilyName = 'ipv4' | 'ipv6';

/**
 * Which address families an address or CIDR attribute accepts (`family_from:`), decided
 * by attributes of the object {@link FamilyRuleModel.scope} references (or of the object
 * itself): a family named here is accepted when its attribute is set (not null, not
 * empty), or, when none of the named attributes is set, when it is listed in
 * {@link FamilyRuleModel.default}. A family not named is always accepted.
 */
export interface FamilyRuleModel {
  /** Reference attribute of the same object whose target holds the family attributes; absent: the object itself. */
  readonly scope?: string;
  /** Attribute that, when set, admits IPv4 values. */
  readonly ipv4?: string;
  /** Attribute that, when set, admits IPv6 values. */
  readonly ipv6?: string;
  /** Families accepted when none of the named attributes is set. */
  readonly default: readonly FamilyName[];
}

/**
 * Where an allocated attribute's values come from. Values are unique per value of
 * {@link AllocationModel.scope} (a unique index over the scope and the attribute), and
 * a value is free again once its holder is deleted.
 */
export interface AllocationModel {
  /** Attribute of the same object whose value scopes the pool (e.g. `service_id`: one pool per VPN); absent: one pool. */
  readonly scope?: string;
  /** A fixed CIDR to allocate addresses from (`ip`/`ipv4`/`ipv6` attributes). */
  readonly pool?: string;
  /** Attribute of the object `scope` references that holds the CIDR (a pool per scope object). */
  readonly poolFrom?: string;
  /** Addresses or CIDRs (addresses) or integers (integer attributes) never handed out. */
  readonly exclude?: readonly (string | number)[];
  /** Attribute of the object `scope` references that holds comma-separated exclusions. */
  readonly excludeFrom?: string;
}

/**
 * Address rules across the attributes of one object (`subnet:`): `address` is a host of
 * `address/prefix` (not its network or IPv4 broadcast address), `prefix` fits the
 * address family, and `gateway` is another host of the same subnet.
 */
export interface SubnetRuleModel {
  /** The address attribute (format `ip`, `ipv4` or `ipv6`). */
  readonly address: string;
  /** The integer attribute holding the prefix length. */
  readonly prefix: string;
  /** The gateway address attribute, when the object has one. */
  readonly gateway?: string;
}

/** The `api:` part of an object: how it appears in URLs. */
export interface ObjectApi {
  /** Singular name (CLI command names). */
  readonly name: string;
  /** Collection path segment and list key; defaults to `name + "s"`. */
  readonly plural: string;
  /** Parent API object name, for child routes. */
  readonly parent?: string;
  /** Attribute of this object that holds the parent's primary key. */
  readonly parentKey?: string;
}

/** One API object (one table, one set of routes) of one API version. */
export interface ObjectModel {
  /** Object name in the YAML (`Port`, `VpnBinding`); used in etcd keys. */
  readonly name: string;
  /** URL and CLI naming. */
  readonly api: ObjectApi;
  /** Role derived from the `extends` chain. */
  readonly role: ObjectRole;
  /** The chain of base objects, nearest first (`['BasePort', 'BaseObject']`). */
  readonly extendsChain: readonly string[];
  /** Attributes in merged order (inherited first, then own). */
  readonly attributes: readonly AttributeModel[];
  /** Name of the primary key attribute. */
  readonly primaryKey: string;
  /** Names of the attributes forming a unique natural key (may be empty). */
  readonly naturalKey: readonly string[];
  /** Policy check string per action (after inheritance). */
  readonly policies: Readonly<Partial<Record<PolicyAction, string>>>;
  /** Free text. */
  readonly description?: string;
  /** Former names of this object (`renamed_from`): a migration renames its table. */
  readonly renamedFrom?: readonly string[];
  /** Where the object is defined. */
  readonly source?: SourceLocation;
  /**
   * `removed:` — attributes of the storage version this served version does not show
   * (kept in storage, hidden here).
   */
  readonly removed?: readonly string[];
  /** `unique:` — sets of attributes whose values together identify at most one object (a unique index each). */
  readonly unique?: readonly (readonly string[])[];
  /** `subnet:` — the address rules across attributes. */
  readonly subnet?: SubnetRuleModel;
}

/** The lifecycle status of one served version of an API (discovery shows it). */
export const VERSION_STATUSES = ['CURRENT', 'SUPPORTED', 'DEPRECATED'] as const;
/** A version status. */
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** One API (a Proton) at one version. */
export interface ApiModel {
  /** `info.name`, e.g. `net-l3vpn`. */
  readonly name: string;
  /** `info.version` as written, e.g. `1.0`. */
  readonly version: string;
  /** URL version id: `"v" + version`, e.g. `v1.0`. */
  readonly versionId: string;
  /** `info.description`. */
  readonly description?: string;
  /** API objects in file order. */
  readonly objects: readonly ObjectModel[];
  /** The files this API was compiled from. */
  readonly files: readonly string[];
  /** `info.status` as declared (the registry derives it when absent). */
  readonly status?: VersionStatus;
  /** `info.storage: true`: this version is the API's storage version. */
  readonly storage?: boolean;
  /** `info.deprecated_since`: when the version was deprecated (ISO-8601 text). */
  readonly deprecatedSince?: string;
  /** Where the API's `info` is. */
  readonly source?: SourceLocation;
}

// ── projections ─────────────────────────────────────────────────────────────

/** Portable SQL column type of a table description (the store maps it per dialect). */
export type SqlType = 'string' | 'integer' | 'bigint' | 'float' | 'boolean' | 'enum' | 'datetime' | 'text';

/** One column of a table description. */
export interface ColumnDescription {
  readonly name: string;
  readonly type: SqlType;
  /** For `string`: maximum length in characters. */
  readonly length?: number;
  /** For `enum`: allowed values. */
  readonly values?: readonly string[];
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  /** Former column names (the attribute's `renamed_from`); not part of the schema hash. */
  readonly renamedFrom?: readonly string[];
}

/** A foreign key of a table description. */
export interface ForeignKeyDescription {
  /** Column of this table. */
  readonly column: string;
  /** Referenced table and column. */
  readonly table: string;
  readonly references: string;
  /** The referenced API object (for error messages). */
  readonly object: string;
}

/** An index of a table description. */
export interface IndexDescription {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

/**
 * The table the store creates for one API object: attribute columns in model order,
 * then `created_at`, `updated_at` (datetime, NOT NULL) and `revision_number` (integer,
 * NOT NULL). Table name: `<api>_<versionId>_<object>` in snake case with every
 * non-alphanumeric run replaced by `_`, e.g. `net_l3vpn_v1_0_vpn_binding`.
 */
export interface TableDescription {
  readonly name: string;
  /** The API object this table stores. */
  readonly object: string;
  readonly columns: readonly ColumnDescription[];
  readonly primaryKey: string;
  readonly foreignKeys: readonly ForeignKeyDescription[];
  /** Indexes on parent keys and references, and the unique natural key if any. */
  readonly indexes: readonly IndexDescription[];
  /** Former table names (from the object's `renamed_from`); not part of the schema hash. */
  readonly renamedFrom?: readonly string[];
}

/** A JSON Schema document (draft 2020-12 subset understood by ajv 8 / fastify). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The JSON Schemas of one API object. */
export interface ObjectSchemas {
  /** POST body: required attributes required, no unknown keys, no read-only keys. */
  readonly create: JsonSchema;
  /** PUT body: every attribute optional (partial update), no unknown keys. */
  readonly update: JsonSchema;
  /** One object as returned (attributes + created_at, updated_at, revision_number). */
  readonly response: JsonSchema;
  /** `{ "<plural>": [response…], "<plural>_links"?: [...] }`. */
  readonly list: JsonSchema;
}

/** One URL parameter of a route: the parent keys along the chain, then the member key. */
export interface RouteParam {
  /** Fastify parameter name, unique within the route (e.g. `port_id`, `id`). */
  readonly param: string;
  /** The API object whose primary key this parameter holds. */
  readonly object: string;
  /**
   * For a parent parameter: the attribute of the next object down the chain that holds
   * this parent's key (the child's `parent_key`). Absent for the member key.
   */
  readonly childKey?: string;
}

/** One route derived from a model, relative to `/proton/<api>/<versionId>`. */
export interface RouteDescription {
  /** `collection` (GET list, POST create) or `member` (GET, PUT, DELETE). */
  readonly kind: 'collection' | 'member';
  /** The API object served. */
  readonly object: string;
  /** Fastify path, e.g. `/ports/:port_id/interfaces/:id`. */
  readonly path: string;
  /** Parent parameters (outermost first) and, for members, the member key last. */
  readonly params: readonly RouteParam[];
  /** HTTP methods. */
  readonly methods: readonly ('GET' | 'POST' | 'PUT' | 'DELETE')[];
}
