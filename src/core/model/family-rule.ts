/**
 * `family_from:` on an address or CIDR attribute: which address families it accepts,
 * decided by string attributes of the object a scope attribute references (or of the
 * object itself). Checked once every object of an API is built.
 */
import type { AttributeModel, FamilyName, FamilyRuleModel, ObjectModel } from './types.js';
import { oneOf, show, type IssueList, type IssueProblem, type Loc } from './issues.js';
import type { Located } from './spec-types.js';

/** Keys allowed in `family_from`. */
export const FAMILY_KEYS = ['scope', 'ipv4', 'ipv6', 'default'] as const;
/** String formats `family_from` applies to. */
const FAMILY_FORMATS = ['ip', 'ipv4', 'ipv6', 'cidr'] as const;
const FAMILIES: readonly FamilyName[] = ['ipv4', 'ipv6'];

/** What a `family_from` is checked against. */
export interface FamilyContext {
  readonly object: ObjectModel;
  readonly objects: readonly ObjectModel[];
  readonly issues: IssueList;
}

function fail(ctx: FamilyContext, loc: Loc, problem: IssueProblem): undefined {
  ctx.issues.add('GLUON_ERR_MODEL_CONSTRAINT', loc, problem);
  return undefined;
}

/** The object holding the family attributes: the scope's target, or the object itself. */
function holderOf(ctx: FamilyContext, scope: unknown, loc: Loc): ObjectModel | undefined {
  if (scope === undefined) return ctx.object;
  const attr = ctx.object.attributes.find((a) => a.name === scope);
  const target = attr?.reference === undefined ? undefined : ctx.objects.find((o) => o.name === attr.reference);
  if (target !== undefined) return target;
  const allowed = ctx.object.attributes.filter((a) => a.reference !== undefined).map((a) => a.name);
  return fail(ctx, loc, { rule: 'family-scope', message: `\`family_from\` scope ${show(scope)} is not a reference attribute of ${ctx.object.name}; allowed: ${oneOf(allowed)}`, value: scope, allowed });
}

function familyDefault(ctx: FamilyContext, given: unknown, loc: Loc): FamilyName[] | undefined {
  if (given === undefined) return [];
  const list = Array.isArray(given) ? (given as unknown[]) : [given];
  if (list.every((f) => typeof f === 'string' && (FAMILIES as readonly string[]).includes(f))) return list as FamilyName[];
  return fail(ctx, loc, { rule: 'family-default', message: `\`default\` of \`family_from\` must be ipv4, ipv6 or a list of them, found ${show(given)}`, value: given, allowed: FAMILIES });
}

/**
 * Checks `family_from` of `attr` and returns it compiled, or undefined (problems are
 * reported): the attribute holds addresses or CIDRs, `scope` is a reference attribute,
 * `ipv4`/`ipv6` (at least one) are string attributes of the holder, and `default` lists
 * only named families.
 */
export function compileFamilyFrom(ctx: FamilyContext, attr: AttributeModel, given: Located<unknown>): FamilyRuleModel | undefined {
  const { loc, value } = given;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ctx, loc, { rule: 'family-form', message: `\`family_from\` of ${attr.name} must be a mapping (${FAMILY_KEYS.join(', ')})`, value });
  }
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!(FAMILY_KEYS as readonly string[]).includes(key)) {
      ctx.issues.add('GLUON_ERR_MODEL_UNKNOWN_KEY', loc, { rule: 'unknown-key', message: `unknown key "${key}" in \`family_from\`; allowed keys: ${oneOf([...FAMILY_KEYS])}`, value: key, allowed: FAMILY_KEYS });
    }
  }
  if (attr.type !== 'string' || !(FAMILY_FORMATS as readonly string[]).includes(attr.format ?? '')) {
    return fail(ctx, loc, { rule: 'family-format', message: `\`family_from\` is valid on strings with format ${oneOf([...FAMILY_FORMATS])} (attribute ${attr.name} is ${attr.type}${attr.format === undefined ? '' : ` ${attr.format}`})`, value: attr.format ?? attr.type, allowed: FAMILY_FORMATS });
  }
  const holder = holderOf(ctx, spec['scope'], loc);
  if (holder === undefined) return undefined;
  const strings = holder.attributes.filter((a) => a.type === 'string').map((a) => a.name);
  const named: Partial<Record<FamilyName, string>> = {};
  for (const family of FAMILIES) {
    const name = spec[family];
    if (name === undefined) continue;
    if (typeof name === 'string' && strings.includes(name)) named[family] = name;
    else fail(ctx, loc, { rule: 'family-attribute', message: `\`${family}\` of \`family_from\` ${show(name)} is not a string attribute of ${holder.name}; allowed: ${oneOf(strings)}`, value: name, allowed: strings });
  }
  if (spec['ipv4'] === undefined && spec['ipv6'] === undefined) {
    return fail(ctx, loc, { rule: 'family-attribute', message: `\`family_from\` of ${attr.name} needs \`ipv4\` or \`ipv6\` (the attribute of ${holder.name} that admits the family)`, allowed: FAMILIES });
  }
  const defaults = familyDefault(ctx, spec['default'], loc);
  if (defaults === undefined || Object.keys(named).length !== [spec['ipv4'], spec['ipv6']].filter((n) => n !== undefined).length) return undefined;
  const unnamed = defaults.filter((f) => named[f] === undefined);
  if (unnamed.length > 0) {
    return fail(ctx, loc, { rule: 'family-default', message: `\`default\` of \`family_from\` names ${unnamed.join(', ')}, which has no attribute here (a family without one is always accepted)`, value: spec['default'], allowed: Object.keys(named) });
  }
  return { ...(spec['scope'] === undefined ? {} : { scope: String(spec['scope']) }), ...named, default: defaults };
}
