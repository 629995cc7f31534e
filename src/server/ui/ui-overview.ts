import type { ProtonRegistry } from '../../core/registry/index.js';
import type { CapabilitiesAuth } from '../../core/http/index.js';

/** One object of one API version, as the live view lists it. */
export interface UiObjectSummary {
  /** The model's object name (`Port`). */
  readonly name: string;
  /** The collection's path segment (`ports`). */
  readonly plural: string;
  /** `port`, `interface`, `service`, `service-binding` or `plain`. */
  readonly role: string;
  /** The primary key attribute. */
  readonly primaryKey: string;
  /** The collection's path, `/proton/<api>/<version>/<plural>` (same origin as the page). */
  readonly path: string;
}

/** One served version of one API. */
export interface UiApiSummary {
  /** The API's name (`net-l3vpn`). */
  readonly name: string;
  /** The version's URL segment (`v1.0`). */
  readonly version: string;
  /** True for the version a client gets by default. */
  readonly isDefault: boolean;
  /** Its objects, in model order. */
  readonly objects: readonly UiObjectSummary[];
}

/** `GET /proton/ui/overview`: what the page needs before it has a token. */
export interface UiOverview {
  /** The authentication strategy and header, as `GET /proton/capabilities` tells them. */
  readonly auth: { readonly strategy: string; readonly header: 'X-Auth-Token'; readonly auth_url?: string };
  /** True when the server streams changes (`?watch=true`); without it the page cannot be live. */
  readonly watch: boolean;
  /** Every served version of every API. */
  readonly apis: readonly UiApiSummary[];
}

/**
 * The served APIs with their objects, roles and collection paths, the auth strategy and
 * whether watching works. It holds the model only (no object, no tenant data), like
 * `/proton/openapi.json`, so it is served without a token.
 */
export function uiOverview(registry: ProtonRegistry, auth: CapabilitiesAuth | undefined, watch: boolean): UiOverview {
  const apis: UiApiSummary[] = [];
  for (const name of registry.apiNames()) {
    const byDefault = registry.defaultVersion(name)?.versionId;
    for (const api of registry.versions(name)) {
      apis.push({
        name,
        version: api.versionId,
        isDefault: api.versionId === byDefault,
        objects: api.objects.map((object) => ({
          name: object.name,
          plural: object.api.plural,
          role: object.role,
          primaryKey: object.primaryKey,
          path: `/proton/${name}/${api.versionId}/${object.api.plural}`,
        })),
      });
    }
  }
  return {
    auth: { strategy: auth?.strategy ?? 'noauth', header: 'X-Auth-Token', ...(auth?.authUrl === undefined ? {} : { auth_url: auth.authUrl }) },
    watch,
    apis,
  };
}
