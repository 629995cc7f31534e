import { fromStorageObject, storageName, toStorageValues, type ApiModel, type ObjectConversion, type ObjectModel } from '../model/index.js';
import type { ProtonRegistry } from '../registry/index.js';
import type { ListJsonPage, ListPage, ListQuery, ParentScope, ProtonStore, StoredObject, WriteOptions } from '../store/index.js';

const servedStores = new WeakSet<ProtonStore>();

/** The store call of a served object: the storage model and object, and the conversion (none = pass through). */
interface Target {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly conversion?: ObjectConversion;
}

/**
 * A {@link ProtonStore} that serves every version of an API from its one storage: each
 * call names a served version's model and object; it goes to the store with the API's
 * storage model ({@link ProtonRegistry.storageModels}), the values renamed and defaulted
 * on the way in and shown as the served version shows them on the way out. Calls with a
 * storage model, or a model the registry does not know, pass through unchanged.
 *
 * The HTTP plugin wraps its store with this itself; a server that hands the same store to
 * other parts (binding, authorization) wraps it once and passes the result everywhere.
 * Wrapping a wrapped store returns it unchanged.
 */
export function servedVersionsStore(store: ProtonStore, registry: ProtonRegistry): ProtonStore {
  if (servedStores.has(store)) return store;
  const target = (api: ApiModel, object: ObjectModel): Target => {
    const conversion = registry.conversion(api, object);
    const storage = registry.storage(api.name);
    if (storage === undefined || api === storage) return { api, object };
    const storageObject = conversion?.storage ?? storage.objects.find((o) => o.name === object.name) ?? object;
    return conversion === undefined ? { api: storage, object: storageObject } : { api: storage, object: storageObject, conversion };
  };
  const shown = (t: Target, stored: StoredObject): StoredObject => (t.conversion === undefined ? stored : fromStorageObject(t.conversion, stored));
  const scope = (t: Target, parent: ParentScope | undefined): { parent?: ParentScope } =>
    parent === undefined ? {} : { parent: t.conversion === undefined ? parent : { ...parent, key: storageName(t.conversion, parent.key) } };
  const writeOptions = (t: Target, options: WriteOptions | undefined): WriteOptions => ({
    ...(options?.ifRevision === undefined ? {} : { ifRevision: options.ifRevision }),
    ...(options?.urgent === undefined ? {} : { urgent: options.urgent }),
    ...scope(t, options?.parent),
  });

  const served: ProtonStore = {
    // tables exist for storage models only: a served version maps to its API's storage model
    init: (models) => store.init([...new Set(models.map((model) => registry.storage(model.name) ?? model))]),
    async create(api, object, values, options) {
      const t = target(api, object);
      const stored = await store.create(t.api, t.object, t.conversion === undefined ? values : toStorageValues(t.conversion, values, 'create'), writeOptions(t, options));
      return shown(t, stored);
    },
    async get(api, object, key, options) {
      const t = target(api, object);
      return shown(t, await store.get(t.api, t.object, key, scope(t, options?.parent)));
    },
    async list(api, object, query, options) {
      const t = target(api, object);
      const page: ListPage = await store.list(t.api, t.object, storageQuery(t, query), scope(t, options?.parent));
      return t.conversion === undefined ? page : { ...page, items: page.items.map((item) => shown(t, item)) };
    },
    // the JSON text is the stored objects': only where the served version shows them unchanged
    ...(store.listJson === undefined
      ? {}
      : {
          listJson(api: ApiModel, object: ObjectModel, query?: ListQuery, options?: { readonly parent?: ParentScope }): Promise<ListJsonPage | undefined> {
            const t = target(api, object);
            if (t.conversion !== undefined) return Promise.resolve(undefined);
            return store.listJson?.(t.api, t.object, query, scope(t, options?.parent)) ?? Promise.resolve(undefined);
          },
        }),
    async update(api, object, key, patch, options) {
      const t = target(api, object);
      const stored = await store.update(t.api, t.object, key, t.conversion === undefined ? patch : toStorageValues(t.conversion, patch, 'update'), writeOptions(t, options));
      return shown(t, stored);
    },
    delete(api, object, key, options) {
      const t = target(api, object);
      return store.delete(t.api, t.object, key, writeOptions(t, options));
    },
    ping: () => store.ping(),
    close: () => store.close(),
  };
  servedStores.add(served);
  return served;
}

/** A list query with filter and sort keys renamed to storage names. */
function storageQuery(t: Target, query: ListQuery | undefined): ListQuery | undefined {
  const conversion = t.conversion;
  if (conversion === undefined || query === undefined) return query;
  return {
    ...query,
    ...(query.filters === undefined ? {} : { filters: Object.fromEntries(Object.entries(query.filters).map(([key, values]) => [storageName(conversion, key), values])) }),
    ...(query.sort === undefined ? {} : { sort: query.sort.map((key) => ({ ...key, key: storageName(conversion, key.key) })) }),
  };
}
