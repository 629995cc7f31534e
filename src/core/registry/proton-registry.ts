import { GluonError } from '../errors/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
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

  /** @param models APIs to register right away. */
  constructor(models: readonly ApiModel[] = []) {
    for (const model of models) this.register(model);
  }

  /**
   * Adds one API version.
   * @throws GluonError `GLUON_ERR_REGISTRY_DUPLICATE_API` when this name and version are already registered.
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
    versions.set(model.versionId, model);
    for (const object of model.objects) {
      this.#objects.set(objectKey(model.name, model.versionId, object.api.plural), { api: model, object });
    }
    return this;
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

  /** The newest version of an API: the highest version number. */
  defaultVersion(api: string): ApiModel | undefined {
    return [...this.versions(api)].sort((a, b) => compareVersions(b.version, a.version))[0];
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

/** Compares dotted version strings numerically (`1.10` > `1.9`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const na = Number(pa[i] ?? 0);
    const nb = Number(pb[i] ?? 0);
    if (Number.isNaN(na) || Number.isNaN(nb)) {
      const cmp = (pa[i] ?? '').localeCompare(pb[i] ?? '');
      if (cmp !== 0) return cmp;
    } else if (na !== nb) {
      return na - nb;
    }
  }
  return 0;
}
