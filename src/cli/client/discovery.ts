import { GluonError } from '../../core/errors/index.js';
import type { ClientHttp } from './http.js';

/** The JSON schema of one attribute, as the server's OpenAPI document gives it. */
export interface AttributeSchema {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly readOnly?: boolean;
  readonly nullable?: boolean;
  readonly description?: string;
}

/** One collection of the server (an object of a model), as the client sees it. */
export interface Resource {
  /** Proton (API) name, e.g. `net-l3vpn`. */
  readonly api: string;
  /** Version id, e.g. `v1.0`. */
  readonly version: string;
  /** Collection name in URLs, e.g. `ports`. */
  readonly plural: string;
  /** Command name: the model's singular `api.name` (`x-gluon-name` in the OpenAPI document), e.g. `port`; else the plural without its trailing `s`. */
  readonly name: string;
  /** Object name of the model, e.g. `Port`. */
  readonly objectName: string;
  /** Primary key attribute. */
  readonly pk: string;
  /** Path of the collection, e.g. `/proton/net-l3vpn/v1.0/ports`. */
  readonly path: string;
  /** Every attribute of the object (read-only ones included), in model order. */
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  /** Attributes a create may send, and which of them are required. */
  readonly create: { readonly attributes: Readonly<Record<string, AttributeSchema>>; readonly required: readonly string[] };
  /** Attributes an update may send. */
  readonly update: Readonly<Record<string, AttributeSchema>>;
  /** Query filters the list accepts (attribute → item schema). */
  readonly filters: Readonly<Record<string, AttributeSchema>>;
}

/** What the server serves: every resource of every Proton (its default version unless asked otherwise). */
export interface Catalog {
  readonly baseUrl: string;
  readonly apis: readonly string[];
  readonly resources: readonly Resource[];
}

interface OpenApiOperation {
  /** The object's singular `api.name` (gluon-net servers; absent elsewhere). */
  readonly 'x-gluon-name'?: string;
  readonly parameters?: readonly { name: string; in: string; schema?: { items?: AttributeSchema } & AttributeSchema }[];
  readonly requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  readonly responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDoc {
  readonly paths: Record<string, Record<string, OpenApiOperation | undefined>>;
  readonly components: { schemas: Record<string, { properties?: Record<string, AttributeSchema>; required?: string[] }> };
}

/** Names the list query takes besides filters. */
const LIST_CONTROL = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse', 'watch', 'bind_timeout']);

function refName(ref: string | undefined): string | undefined {
  return ref?.split('/').pop();
}

/** `ports` → `port`, `TestBindings` → `TestBinding`, `sffdataplanelocator` stays. */
export function singular(plural: string): string {
  return plural.length > 1 && plural.endsWith('s') ? plural.slice(0, -1) : plural;
}

function resourceOf(doc: OpenApiDoc, path: string, memberPath: string): Resource | undefined {
  const [, , api, version, plural] = path.split('/');
  const list = doc.paths[path]?.['get'];
  const show = doc.paths[memberPath]?.['get'];
  if (api === undefined || version === undefined || plural === undefined || list === undefined || show === undefined) return undefined;
  const schemaName = refName(show.responses?.['200']?.content?.['application/json']?.schema?.$ref);
  const schema = schemaName === undefined ? undefined : doc.components.schemas[schemaName];
  if (schemaName === undefined || schema === undefined) return undefined;
  const createSchema = doc.components.schemas[`${schemaName}Create`] ?? {};
  const updateSchema = doc.components.schemas[`${schemaName}Update`] ?? {};
  const pk = /\{([^}]+)\}$/.exec(memberPath)?.[1] ?? 'id';
  const filters: Record<string, AttributeSchema> = {};
  for (const param of list.parameters ?? []) {
    if (param.in === 'query' && !LIST_CONTROL.has(param.name)) filters[param.name] = param.schema?.items ?? param.schema ?? {};
  }
  return {
    api,
    version,
    plural,
    name: list['x-gluon-name'] ?? singular(plural),
    objectName: schemaName.split('.').pop() ?? schemaName,
    pk,
    path,
    attributes: schema.properties ?? {},
    create: { attributes: createSchema.properties ?? {}, required: createSchema.required ?? [] },
    update: updateSchema.properties ?? {},
    filters,
  };
}

async function defaultVersions(http: ClientHttp, baseUrl: string): Promise<Map<string, string>> {
  const protons = (await http.call('GET', `${baseUrl}/proton/`)) as { protons?: { proton_service: string }[] };
  const names = (protons.protons ?? []).map((p) => p.proton_service);
  const docs = await Promise.all(names.map(async (name) => (await http.call('GET', `${baseUrl}/proton/${name}`)) as { default_version?: { version_id?: string } | null }));
  const versions = new Map<string, string>();
  names.forEach((name, i) => {
    const id = docs[i]?.default_version?.version_id;
    if (id !== undefined) versions.set(name, id);
  });
  return versions;
}

/**
 * Reads the server's discovery documents (`/proton/`, `/proton/<api>`) and its OpenAPI
 * document, and returns every collection of every Proton in the version asked for
 * (`versions[api]`) or the server's default one.
 */
export async function discover(http: ClientHttp, baseUrl: string, versions: Readonly<Record<string, string>> = {}): Promise<Catalog> {
  const defaults = await defaultVersions(http, baseUrl);
  const doc = (await http.call('GET', `${baseUrl}/proton/openapi.json`)) as OpenApiDoc;
  if (typeof doc !== 'object' || typeof doc.paths !== 'object') {
    throw new GluonError('GLUON_ERR_CLI_UNREACHABLE', `${baseUrl}/proton/openapi.json is not an OpenAPI document: is ${baseUrl} a gluon-net Proton server?`);
  }
  const resources: Resource[] = [];
  for (const path of Object.keys(doc.paths)) {
    const parts = path.split('/');
    if (parts.length !== 5 || parts[1] !== 'proton') continue;
    const [, , api, version] = parts;
    if (api === undefined || (versions[api] ?? defaults.get(api)) !== version) continue;
    const memberPath = Object.keys(doc.paths).find((p) => p.startsWith(`${path}/{`) && p.split('/').length === 6);
    const resource = memberPath === undefined ? undefined : resourceOf(doc, path, memberPath);
    if (resource !== undefined) resources.push(resource);
  }
  return { baseUrl, apis: [...defaults.keys()], resources };
}

/**
 * The resource a command names: by command name, plural or object name (any case),
 * in the API given, or the only API that has it.
 * @throws `GLUON_ERR_CLI_USAGE` when no API or several have it
 */
export function findResource(catalog: Catalog, name: string, api: string | undefined): Resource {
  const wanted = name.toLowerCase();
  const matches = catalog.resources.filter(
    (r) => (api === undefined || r.api === api) && [r.name, r.plural, r.objectName].some((n) => n.toLowerCase() === wanted),
  );
  if (api !== undefined && !catalog.apis.includes(api)) {
    throw new GluonError('GLUON_ERR_CLI_USAGE', `Unknown API "${api}": the server hosts ${catalog.apis.join(', ')}.`);
  }
  const first = matches[0];
  if (first === undefined) {
    const known = [...new Set(catalog.resources.filter((r) => api === undefined || r.api === api).map((r) => r.name))].sort();
    throw new GluonError('GLUON_ERR_CLI_USAGE', `Unknown resource "${name}"${api === undefined ? '' : ` in API ${api}`}; known: ${known.join(', ')}.`);
  }
  if (matches.length > 1) {
    throw new GluonError('GLUON_ERR_CLI_USAGE', `"${name}" exists in several APIs (${matches.map((r) => r.api).join(', ')}): add --api <name>.`);
  }
  return first;
}
