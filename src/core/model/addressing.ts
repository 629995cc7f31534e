/**
 * The addressing keys of the model language: `unique:` and `subnet:` on an object,
 * `allocate:` on an attribute. Checked once every object of an API is built, because a
 * pool may live on the object a scope attribute references.
 */
import type { AllocationModel, AttributeModel, ObjectModel, SubnetRuleModel } from './types.js';
import { oneOf, show, type IssueList, type IssueProblem, type Loc } from './issues.js';
import type { Located, RawAttribute, RawObject } from './spec-types.js';
import { isCidrText, isIpText } from './ip-address.js';
import { compileFamilyFrom } from './family-rule.js';

/** String formats that hold one address. */
export const ADDRESS_FORMATS = ['ip', 'ipv4', 'ipv6'] as const;
/** Keys allowed in `allocate`. */
export const ALLOCATE_KEYS = ['scope', 'pool', 'pool_from', 'exclude', 'exclude_from'] as const;
/** Keys allowed in `subnet`. */
export const SUBNET_KEYS = ['address', 'prefix', 'gateway'] as const;

function isAddress(attr: AttributeModel | undefined): boolean {
  return attr?.type === 'string' && (ADDRESS_FORMATS as readonly string[]).includes(attr.format ?? '');
}

/** An attribute's `allocate` mapping and where it was given. */
interface AllocateSpec {
  readonly spec: Record<string, unknown>;
  readonly given: Located<unknown>;
}

class AddressingChecker {
  constructor(
    private readonly object: ObjectModel,
    private readonly objects: readonly ObjectModel[],
    private readonly issues: IssueList,
  ) {}

  private fail(loc: Loc, problem: IssueProblem): undefined {
    this.issues.add('GLUON_ERR_MODEL_CONSTRAINT', loc, problem);
    return undefined;
  }

  private attributeNames(): string[] {
    return this.object.attributes.map((a) => a.name);
  }

  /** `name` when it is an attribute of the object, else reports it. */
  private own(name: unknown, loc: Loc, what: string): AttributeModel | undefined {
    const attr = typeof name === 'string' ? this.object.attributes.find((a) => a.name === name) : undefined;
    if (attr !== undefined) return attr;
    return this.fail(loc, { rule: 'unknown-attribute', message: `${what} ${show(name)} is not an attribute of ${this.object.name}; allowed: ${oneOf(this.attributeNames())}`, value: name,
      allowed: this.attributeNames() });
  }

  unique(given: Located<unknown>): (readonly string[])[] | undefined {
    const sets = given.value;
    if (!Array.isArray(sets) || sets.length === 0 || !sets.every((s) => Array.isArray(s) && s.length > 0)) {
      return this.fail(given.loc, { rule: 'unique-form', message: `\`unique\` of ${this.object.name} must be a list of attribute lists, e.g. [[service_id, ipaddress]]`, value: sets });
    }
    const out: string[][] = [];
    for (const set of sets as unknown[][]) {
      const names = set.map((n) => this.own(n, given.loc, 'unique attribute')?.name);
      if (names.some((n) => n === undefined)) continue;
      if (new Set(names).size !== names.length) {
        this.fail(given.loc, { rule: 'unique-repeat', message: `unique set [${names.join(', ')}] of ${this.object.name} names an attribute twice`, value: set });
        continue;
      }
      out.push(names as string[]);
    }
    return out;
  }

  subnet(given: Located<unknown>): SubnetRuleModel | undefined {
    const v = given.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return this.fail(given.loc, { rule: 'subnet-form', message: `\`subnet\` of ${this.object.name} must be a mapping {address, prefix, gateway?}`, value: v });
    }
    const entries = v as Record<string, unknown>;
    for (const key of Object.keys(entries)) {
      if (!(SUBNET_KEYS as readonly string[]).includes(key)) {
        this.issues.add('GLUON_ERR_MODEL_UNKNOWN_KEY', given.loc, { rule: 'unknown-key', message: `unknown key "${key}" in \`subnet\`; allowed keys: ${oneOf([...SUBNET_KEYS])}`, value: key, allowed: SUBNET_KEYS });
      }
    }
    const address = this.own(entries['address'], given.loc, 'subnet address');
    const prefix = this.own(entries['prefix'], given.loc, 'subnet prefix');
    const gateway = entries['gateway'] === undefined ? undefined : this.own(entries['gateway'], given.loc, 'subnet gateway');
    for (const attr of [address, gateway]) {
      if (attr !== undefined && !isAddress(attr)) {
        this.fail(given.loc, { rule: 'subnet-address-format', message: `subnet attribute ${attr.name} must be a string with format ${oneOf([...ADDRESS_FORMATS])}`, value: attr.format ?? attr.type, allowed: ADDRESS_FORMATS });
      }
    }
    if (prefix !== undefined && prefix.type !== 'integer') {
      this.fail(given.loc, { rule: 'subnet-prefix-type', message: `subnet prefix ${prefix.name} must be an integer attribute`, value: prefix.type, allowed: ['integer'] });
    }
    if (address === undefined || prefix === undefined || (entries['gateway'] !== undefined && gateway === undefined)) return undefined;
    return { address: address.name, prefix: prefix.name, ...(gateway === undefined ? {} : { gateway: gateway.name }) };
  }

  allocate(attr: AttributeModel, given: Located<unknown>): AllocationModel | undefined {
    const v = given.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return this.fail(given.loc, { rule: 'allocate-form', message: `\`allocate\` of ${attr.name} must be a mapping (${ALLOCATE_KEYS.join(', ')}); use {} for a pool over min..max`, value: v });
    }
    const spec = v as Record<string, unknown>;
    for (const key of Object.keys(spec)) {
      if (!(ALLOCATE_KEYS as readonly string[]).includes(key)) {
        this.issues.add('GLUON_ERR_MODEL_UNKNOWN_KEY', given.loc, { rule: 'unknown-key', message: `unknown key "${key}" in \`allocate\`; allowed keys: ${oneOf([...ALLOCATE_KEYS])}`, value: key, allowed: ALLOCATE_KEYS });
      }
    }
    if (attr.primary || attr.required) {
      return this.fail(given.loc, { rule: 'allocate-optional', message: `allocated attribute ${attr.name} must be optional and not the primary key (a create that leaves it out gets a value)`, value: attr.name });
    }
    const scope = spec['scope'] === undefined ? undefined : this.own(spec['scope'], given.loc, 'allocate scope');
    if (spec['scope'] !== undefined && scope === undefined) return undefined;
    const target = scope?.reference === undefined ? undefined : this.objects.find((o) => o.name === scope.reference);
    const fromTarget = (key: 'pool_from' | 'exclude_from'): string | undefined => {
      const name = spec[key];
      if (name === undefined) return undefined;
      if (target === undefined) return this.fail(given.loc, { rule: `${key.replace('_', '-')}-scope`, message: `\`${key}\` needs a \`scope\` that references an object (its attribute holds the value)`, value: name });
      const found = target.attributes.find((a) => a.name === name && a.type === 'string');
      if (found !== undefined) return found.name;
      const allowed = target.attributes.filter((a) => a.type === 'string').map((a) => a.name);
      return this.fail(given.loc, { rule: key.replace('_', '-'), message: `\`${key}\` ${show(name)} is not a string attribute of ${target.name}; allowed: ${oneOf(allowed)}`, value: name, allowed });
    };
    const poolFrom = fromTarget('pool_from');
    const excludeFrom = fromTarget('exclude_from');
    const out: { scope?: string; pool?: string; poolFrom?: string; exclude?: (string | number)[]; excludeFrom?: string } = {
      ...(scope === undefined ? {} : { scope: scope.name }),
      ...(poolFrom === undefined ? {} : { poolFrom }),
      ...(excludeFrom === undefined ? {} : { excludeFrom }),
    };
    if (isAddress(attr)) return this.addressPool(attr, { spec, given }, out);
    if (attr.type === 'integer') return this.integerPool(attr, { spec, given }, out);
    return this.fail(given.loc, { rule: 'allocate-type', message: `\`allocate\` is valid on integer attributes and on strings with format ${oneOf([...ADDRESS_FORMATS])} (attribute ${attr.name} is ${attr.type}${attr.format === undefined ? '' : ` ${attr.format}`})`, value: attr.type,
      allowed: ['integer', ...ADDRESS_FORMATS] });
  }

  private addressPool(
    attr: AttributeModel,
    { spec, given }: AllocateSpec,
    out: { pool?: string; poolFrom?: string; exclude?: (string | number)[] },
  ): AllocationModel | undefined {
    const pool = spec['pool'];
    if ((pool === undefined) === (out.poolFrom === undefined) && spec['pool_from'] === undefined) {
      return this.fail(given.loc, { rule: 'allocate-pool', message: `allocated address ${attr.name} needs exactly one of \`pool\` (a CIDR) or \`pool_from\` (an attribute of the scope's object)`, allowed: ['pool', 'pool_from'] });
    }
    if (pool !== undefined) {
      if (typeof pool !== 'string' || !isCidrText(pool)) return this.fail(given.loc, { rule: 'allocate-pool', message: `\`pool\` of ${attr.name} must be a CIDR such as 10.0.0.0/24, found ${show(pool)}`, value: pool });
      out.pool = pool;
    }
    const exclude = spec['exclude'];
    if (exclude !== undefined) {
      if (!Array.isArray(exclude) || !exclude.every((e) => typeof e === 'string' && (isIpText(e) || isCidrText(e)))) {
        return this.fail(given.loc, { rule: 'allocate-exclude', message: `\`exclude\` of ${attr.name} must be a list of addresses or CIDRs`, value: exclude });
      }
      out.exclude = exclude as string[];
    }
    return out;
  }

  private integerPool(
    attr: AttributeModel,
    { spec, given }: AllocateSpec,
    out: { exclude?: (string | number)[] },
  ): AllocationModel | undefined {
    if (attr.min === undefined || attr.max === undefined || attr.max - attr.min > 2 ** 32) {
      return this.fail(given.loc, { rule: 'allocate-range', message: `allocated integer ${attr.name} needs \`min\` and \`max\` (the range to allocate from, at most 2^32 values)`, allowed: ['min', 'max'] });
    }
    if (spec['pool'] !== undefined || spec['pool_from'] !== undefined) {
      return this.fail(given.loc, { rule: 'allocate-pool', message: `an integer pool is the attribute's min..max; \`pool\`/\`pool_from\` are for addresses`, value: spec['pool'] ?? spec['pool_from'] });
    }
    const exclude = spec['exclude'];
    if (exclude !== undefined) {
      if (!Array.isArray(exclude) || !exclude.every((e) => Number.isInteger(e))) return this.fail(given.loc, { rule: 'allocate-exclude', message: `\`exclude\` of ${attr.name} must be a list of integers`, value: exclude });
      out.exclude = exclude as number[];
    }
    return out;
  }
}

/**
 * Checks the addressing keys of every API object and returns the objects with
 * `unique`, `subnet` and attribute `allocate` and `family_from` filled in (the attribute
 * keys are read from the merged attributes, so they are inherited like any property). Problems are
 * reported with the file and path of the key.
 */
export function compileAddressing(
  objects: { built: readonly ObjectModel[]; raws: readonly RawObject[]; merged: ReadonlyMap<string, readonly RawAttribute[]> },
  issues: IssueList,
): ObjectModel[] {
  const { built, raws, merged } = objects;
  return built.map((object) => {
    const raw = raws.find((r) => r.name === object.name);
    if (raw === undefined) return object;
    const checker = new AddressingChecker(object, built, issues);
    const attributes = object.attributes.map((attr) => {
      const props = merged.get(object.name)?.find((a) => a.name === attr.name)?.props;
      const allocate = props?.allocate === undefined ? undefined : checker.allocate(attr, props.allocate);
      const familyFrom = props?.familyFrom === undefined ? undefined : compileFamilyFrom({ object, objects: built, issues }, attr, props.familyFrom);
      if (allocate === undefined && familyFrom === undefined) return attr;
      return { ...attr, ...(allocate === undefined ? {} : { allocate }), ...(familyFrom === undefined ? {} : { familyFrom }) };
    });
    const unique = raw.unique === undefined ? undefined : checker.unique(raw.unique);
    const subnet = raw.subnet === undefined ? undefined : checker.subnet(raw.subnet);
    if (unique === undefined && subnet === undefined && attributes.every((a, i) => a === object.attributes[i])) return object;
    return {
      ...object,
      attributes,
      ...(unique === undefined || unique.length === 0 ? {} : { unique }),
      ...(subnet === undefined ? {} : { subnet }),
    };
  });
}
