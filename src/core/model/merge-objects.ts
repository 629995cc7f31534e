import type { PolicyAction } from './types.js';
import { oneOf, type IssueList } from './issues.js';
import type { AttributeProps, Located, RawAttribute, RawObject } from './spec-types.js';

/** The resolved `extends` chain of one object. */
export interface ExtendsChain {
  /** Base objects, nearest first (the object itself excluded). */
  readonly chain: readonly string[];
  /** False when the chain is broken (unknown name, API object or cycle — already reported). */
  readonly ok: boolean;
}

/**
 * Resolves every object's `extends` chain (any depth). Reports unknown names, names of
 * API objects (only base objects can be extended) and cycles (once per cycle).
 */
export function resolveExtends(objects: ReadonlyMap<string, RawObject>, issues: IssueList): Map<string, ExtendsChain> {
  const out = new Map<string, ExtendsChain>();
  const baseNames = [...objects.values()].filter((o) => o.api === undefined).map((o) => o.name);
  for (const object of objects.values()) {
    const chain: string[] = [];
    const visited = [object.name];
    let current = object;
    let ok = true;
    while (current.extends !== undefined) {
      const ext = current.extends;
      const target = objects.get(ext.value);
      if (target === undefined) {
        issues.add('GLUON_ERR_MODEL_UNKNOWN_REFERENCE', ext.loc, { rule: 'extends', message: `object ${current.name} extends "${ext.value}", which is not defined; base objects: ${oneOf(baseNames)}`, value: ext.value, allowed: baseNames });
        ok = false;
        break;
      }
      if (target.api !== undefined) {
        issues.add('GLUON_ERR_MODEL_UNKNOWN_REFERENCE', ext.loc, { rule: 'extends', message: `object ${current.name} extends "${ext.value}", an API object; only base objects (without \`api\`) can be extended: ${oneOf(baseNames)}`, value: ext.value, allowed: baseNames });
        ok = false;
        break;
      }
      const seenAt = visited.indexOf(target.name);
      if (seenAt >= 0) {
        reportCycle(visited.slice(seenAt), objects, issues);
        ok = false;
        break;
      }
      chain.push(target.name);
      visited.push(target.name);
      current = target;
    }
    out.set(object.name, { chain, ok });
  }
  return out;
}

function reportCycle(members: readonly string[], objects: ReadonlyMap<string, RawObject>, issues: IssueList): void {
  // Report each cycle once: at the member with the smallest name, listed from it.
  const first = [...members].sort()[0] ?? members[0] ?? '';
  const start = members.indexOf(first);
  const ordered = [...members.slice(start), ...members.slice(0, start)];
  const ext = objects.get(first)?.extends;
  if (ext === undefined) return;
  issues.add('GLUON_ERR_MODEL_INHERITANCE_CYCLE', ext.loc, { rule: 'extends-cycle', message: `extends chain loops: ${[...ordered, first].join(' → ')}; every chain must end at an object that extends nothing`, value: ext.value });
}

/** Properties that describe a type; dropped from an inherited attribute when the child changes its `type`. */
const TYPE_SPECIFIC: readonly (keyof AttributeProps)[] = ['length', 'format', 'min', 'max', 'values'];

/**
 * The attributes of `object` after inheritance: ancestors' attributes first (root first,
 * in their order), then its own. An attribute redefined lower down is merged property
 * by property (child wins); when the child changes the `type`, the parent's
 * type-specific properties (length, format, min, max, values) are dropped. Every result
 * is a fresh copy: an override never changes another object.
 */
export function mergeAttributes(
  object: RawObject,
  chain: readonly string[],
  objects: ReadonlyMap<string, RawObject>,
): RawAttribute[] {
  const merged = new Map<string, { name: string; loc: RawAttribute['loc']; props: AttributeProps }>();
  const levels = [...chain].reverse().map((name) => objects.get(name));
  levels.push(object);
  for (const level of levels) {
    for (const attr of level?.attributes ?? []) {
      const existing = merged.get(attr.name);
      if (existing === undefined) {
        merged.set(attr.name, { name: attr.name, loc: attr.loc, props: { ...attr.props } });
        continue;
      }
      const props: AttributeProps = { ...existing.props };
      if (attr.props.type !== undefined && props.type !== undefined && attr.props.type.value !== props.type.value) {
        for (const key of TYPE_SPECIFIC) delete props[key];
      }
      Object.assign(props, attr.props);
      merged.set(attr.name, { name: attr.name, loc: attr.loc, props });
    }
  }
  return [...merged.values()];
}

/** The policies of `object` after inheritance: per action, the nearest definition wins. */
export function mergePolicies(
  object: RawObject,
  chain: readonly string[],
  objects: ReadonlyMap<string, RawObject>,
): Map<PolicyAction, Located<string>> {
  const out = new Map<PolicyAction, Located<string>>();
  const levels = [...chain].reverse().map((name) => objects.get(name));
  levels.push(object);
  for (const level of levels) for (const [action, rule] of level?.policies ?? []) out.set(action, rule);
  return out;
}
