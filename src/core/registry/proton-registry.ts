import { GluonError } from '../errors/index.js';
import { compareVersions, resolveVersions, type ApiModel, type ApiVersions, type ObjectConversion, type ObjectModel, type ServedVersion, type VersionStatus } from '../model/index.js';
import type { ResolvedObject } from './types.js';

/**
 * The Protons (API name + versions) one server hosts. Several APIs, and several
 * versions of one API, live side by side; lookups resolve `api / versionId / plural`
 * in constant time. Pure and synchronous.
 *
 * @example
 * ```ts
 * const registry = new ProtonRegistry(await loadModels('models'));
 * registry.resolve('net-l3vpn', 'v1.0', 'ports')?.object.name; // 'Port'
 * ```
 */
export class ProtonRegistry {
  readonly #apis = new Map<string, Map<string, ApiModel>>();
  readonly #objects = new Map<string, ResolvedObject>();
  readonly #versionSets = new Map<string, ApiVersions>();
  readonly #served = new Map<ApiModel, ServedVersion>();

  /** @param models APIs to register right away. */
  constructor(models: readonly ApiModel[] = []) {
    for (const model of models) this.register(model);
  }

  /**
   * Adds one API version.
   * @throws GluonError `GLUON_ERR_REGISTRY_DUPLICATE_API` when this name and version are already registered.
   * @throws ModelError `GLUON_ERR_MODEL_VERSION_CONVERSION` issues when the versions of the API do not convert to one storage.
   */
  register(model: ApiModel): this {
    let versions = this.#apis.get(model.name);
    if (versions === undefined) {
      versions = new Map();
      this.#apis.set(model.name, versions);
    }
    if (versions.has(model.versionId)) {
      throw new GluonError(
        'GLUON_ERR_REGISTRY_DUPLICATE_API',
        `API "${model.name}" version "${model.versionId}" is registered twice (files: ${model.files.join(', ')}); load each model once.`,
      );
    }
    const set = resolveVersions([...versions.values(), model])[0];
    versions.set(model.versionId, model);
    for (const object of model.objects) {
      this.#objects.set(objectKey(model.name, model.versionId, object.api.plural), { api: model, object });
    }
    if (set !== undefined) {
      this.#versionSets.set(model.name, set);
      for (const served of set.served) this.#served.set(served.api, served);
    }
    return this;
  }

  /**
   * The models the store is given, one per API: each API's storage version (with the
   * attributes other versions add). The store, the etcd mirror and the binding use these;
   * every served version reads and writes the same objects through them.
   */
  storageModels(): readonly ApiModel[] {
    return [...this.#versionSets.values()].map((set) => set.storage);
  }

  /** The storage model of one API (see {@link ProtonRegistry.storageModels}), or undefined. */
  storage(api: string): ApiModel | undefined {
    return this.#versionSets.get(api)?.storage;
  }

  /** The served versions, storage version and storage model of one API, or undefined. */
  versionSet(api: string): ApiVersions | undefined {
    return this.#versionSets.get(api);
  }

  /** The status of a served version (`CURRENT`, `SUPPORTED`, `DEPRECATED`); undefined for a model not registered. */
  status(api: ApiModel): VersionStatus | undefined {
    return this.#served.get(api)?.status;
  }

  /**
   * How an object of a served version converts to and from storage; undefined when it
   * needs no conversion (the storage model itself, an unknown model, or an identity).
   */
  conversion(api: ApiModel, object: ObjectModel): ObjectConversion | undefined {
    const conversion = this.#served.get(api)?.objects.get(object.name);
    return conversion === undefined || conversion.identity ? undefined : conversion;
  }

  /** Every registered API version, in registration order. */
  list(): readonly ApiModel[] {
    return [...this.#apis.values()].flatMap((versions) => [...versions.values()]);
  }

  /** Names of the hosted APIs, in registration order. */
  apiNames(): readonly string[] {
    return [...this.#apis.keys()];
  }

  /** The versions of one API (registration order), empty when unknown. */
  versions(api: string): readonly ApiModel[] {
    return [...(this.#apis.get(api)?.values() ?? [])];
  }

  /** The CURRENT version of an API; the highest version number when none is CURRENT. */
  defaultVersion(api: string): ApiModel | undefined {
    const current = this.#versionSets.get(api)?.served.find((served) => served.status === 'CURRENT');
    return current?.api ?? [...this.versions(api)].sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  /** One API version, or undefined. */
  get(api: string, versionId: string): ApiModel | undefined {
    return this.#apis.get(api)?.get(versionId);
  }

  /** The object served at `/proton/<api>/<versionId>/<plural>`, or undefined. */
  resolve(api: string, versionId: string, plural: string): ResolvedObject | undefined {
    return this.#objects.get(objectKey(api, versionId, plural));
  }

  /** An object of an API version by its model name (`Port`), or undefined. */
  object(api: ApiModel, name: string): ObjectModel | undefined {
    return api.objects.find((candidate) => candidate.name === name);
  }
}

function objectKey(api: string, versionId: string, plural: string): string {
  return `${api}\u0000${versionId}\u0000${plural}`;
}
