import type { ApiModel, ObjectModel } from '../model/index.js';

/** The objects `object` needs to exist first: its parent and the targets of its references. */
function dependencies(api: ApiModel, object: ObjectModel): string[] {
  const out = new Set<string>();
  if (object.api.parent !== undefined) out.add(object.api.parent);
  for (const attr of object.attributes) if (attr.reference !== undefined) out.add(attr.reference);
  out.delete(object.name);
  return [...out].filter((name) => api.objects.some((o) => o.name === name));
}

/**
 * The objects of `api` ordered so that parents and referenced objects come before the
 * objects that point to them (depth-first, file order otherwise; a reference cycle, which
 * the model checker rejects, is cut where it closes).
 */
export function importOrder(api: ApiModel): ObjectModel[] {
  const ordered: ObjectModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (object: ObjectModel): void => {
    if (state.has(object.name)) return;
    state.set(object.name, 'visiting');
    for (const name of dependencies(api, object)) {
      const target = api.objects.find((o) => o.name === name);
      if (target !== undefined) visit(target);
    }
    state.set(object.name, 'done');
    ordered.push(object);
  };
  for (const object of api.objects) visit(object);
  return ordered;
}
