import { ValidationError, type ErrorDetail } from '../errors/index.js';
import {
  contains,
  familyBits,
  formatIp,
  isHostAddress,
  networkOf,
  parseIp,
  parseIpPrefix,
  type FamilyName,
  type FamilyRuleModel,
  type IpAddress,
  type ObjectModel,
} from '../model/index.js';

function detail(offence: { field: string; rule: string; value: unknown }, why: string): ErrorDetail {
  const { field, rule, value } = offence;
  return { field, rule, value, message: `Invalid "${field}": ${why} (rule ${rule}).` };
}

function addressAt(values: Readonly<Record<string, unknown>>, name: string): IpAddress | undefined {
  const v = values[name];
  return typeof v === 'string' ? parseIp(v) : undefined;
}

/**
 * The problems of the `subnet:` rules of `object` in `values` (a create body or the
 * object after an update): the prefix fits the address family; the address is a host
 * of `address/prefix`; the gateway is another host of the same subnet. Rules whose
 * attributes are missing are not checked. Empty when all hold.
 */
export function subnetProblems(object: ObjectModel, values: Readonly<Record<string, unknown>>): ErrorDetail[] {
  const rule = object.subnet;
  if (rule === undefined) return [];
  const out: ErrorDetail[] = [];
  const address = addressAt(values, rule.address);
  const gateway = rule.gateway === undefined ? undefined : addressAt(values, rule.gateway);
  const prefixValue = values[rule.prefix];
  let prefix = typeof prefixValue === 'number' && Number.isInteger(prefixValue) ? prefixValue : undefined;
  if (address !== undefined && prefix !== undefined && (prefix < 0 || prefix > familyBits(address.family))) {
    out.push(detail({ field: rule.prefix, rule: 'prefix-length', value: prefixValue }, `${prefix} is not a prefix length of an IPv${address.family} address (0..${familyBits(address.family)})`));
    prefix = undefined;
  }
  if (address !== undefined && prefix !== undefined && !isHostAddress(address, prefix)) {
    const which = address.value === networkOf(address, prefix) ? 'network' : 'broadcast';
    out.push(detail({ field: rule.address, rule: `not-${which}-address`, value: values[rule.address] }, `${formatIp(address)} is the ${which} address of ${formatIp({ family: address.family, value: networkOf(address, prefix) })}/${prefix}`));
  }
  if (rule.gateway === undefined || gateway === undefined || address === undefined) return out;
  const shownGateway = values[rule.gateway];
  if (gateway.family === address.family && gateway.value === address.value) {
    out.push(detail({ field: rule.gateway, rule: 'gateway-not-address', value: shownGateway }, `the gateway equals ${rule.address} ${formatIp(address)}`));
  } else if (prefix !== undefined && !contains(address, prefix, gateway)) {
    const subnet = `${formatIp({ family: address.family, value: networkOf(address, prefix) })}/${prefix}`;
    out.push(detail({ field: rule.gateway, rule: 'gateway-in-subnet', value: shownGateway }, `${String(shownGateway)} is not in the subnet ${subnet} of ${rule.address} ${formatIp(address)}`));
  } else if (prefix !== undefined && !isHostAddress(gateway, prefix)) {
    out.push(detail({ field: rule.gateway, rule: 'gateway-host-address', value: shownGateway }, `${String(shownGateway)} is the network or broadcast address of its subnet`));
  }
  return out;
}

/** The family of an address or CIDR text; undefined when it is neither. */
function familyOf(text: string): FamilyName | undefined {
  const family = (parseIp(text) ?? parseIpPrefix(text)?.address)?.family;
  return family === undefined ? undefined : family === 4 ? 'ipv4' : 'ipv6';
}

function isSet(row: Readonly<Record<string, unknown>>, name: string | undefined): boolean {
  const v = name === undefined ? undefined : row[name];
  return v !== null && v !== undefined && String(v).trim() !== '';
}

/**
 * The problem of a `family_from` rule, if its value's family is not accepted by
 * `holder` (the object the rule's scope references, or the object itself): a family
 * whose attribute is set is accepted; when none is set, the rule's `default` families.
 */
export function familyProblem(at: { field: string; value: unknown; rule: FamilyRuleModel }, holder: { row: Readonly<Record<string, unknown>>; shown: string }): ErrorDetail | undefined {
  const { field, value, rule } = at;
  const family = typeof value === 'string' ? familyOf(value.trim()) : undefined;
  const gate = family === undefined ? undefined : rule[family];
  if (family === undefined || gate === undefined || isSet(holder.row, gate)) return undefined;
  const noneSet = !isSet(holder.row, rule.ipv4) && !isSet(holder.row, rule.ipv6);
  if (noneSet && rule.default.includes(family)) return undefined;
  const accepted = noneSet ? (rule.default.length === 0 ? 'no family' : rule.default.join(', ')) : (['ipv4', 'ipv6'] as const).filter((f) => f !== family).join(', ');
  return detail({ field, rule: 'address-family', value }, `${String(value)} is ${family === 'ipv4' ? 'IPv4' : 'IPv6'} and ${holder.shown} has no ${gate} (it accepts ${accepted})`);
}

/** The problems of the `family_from` rules without a scope (the object's own attributes decide). */
export function ownFamilyProblems(object: ObjectModel, values: Readonly<Record<string, unknown>>): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const attr of object.attributes) {
    const rule = attr.familyFrom;
    if (rule === undefined || rule.scope !== undefined) continue;
    const problem = familyProblem({ field: attr.name, value: values[attr.name], rule }, { row: values, shown: `the ${object.name}` });
    if (problem !== undefined) out.push(problem);
  }
  return out;
}

/** Throws the 400 for `problems` of an object, if there are any. */
export function assertNoProblems(object: ObjectModel, problems: readonly ErrorDetail[]): void {
  if (problems.length === 0) return;
  const head = problems.length === 1 ? (problems[0]?.message ?? '') : `Invalid ${object.name}: ${problems.map((p) => `${p.field} (${p.rule})`).join(', ')}.`;
  throw new ValidationError(head, [...problems]);
}

const ruleAttributesOf = new WeakMap<ObjectModel, ReadonlySet<string>>();

/**
 * The attributes the rules of {@link assertAddressRules} read (its `subnet:` attributes,
 * the attributes with a `family_from` rule without a scope and their family attributes),
 * worked out once per object model.
 */
export function addressRuleAttributes(object: ObjectModel): ReadonlySet<string> {
  let names = ruleAttributesOf.get(object);
  if (names === undefined) {
    const found = new Set<string>();
    const subnet = object.subnet;
    if (subnet !== undefined) for (const name of [subnet.address, subnet.prefix, subnet.gateway]) if (name !== undefined) found.add(name);
    for (const attr of object.attributes) {
      const rule = attr.familyFrom;
      if (rule === undefined || rule.scope !== undefined) continue;
      for (const name of [attr.name, rule.ipv4, rule.ipv6]) if (name !== undefined) found.add(name);
    }
    names = found;
    ruleAttributesOf.set(object, names);
  }
  return names;
}

/**
 * Throws the 400 for the broken address rules of `values` that the object alone
 * decides: its `subnet:` rules and its `family_from` rules without a scope. An update
 * passes the attributes it `changed`: when none of them is read by a rule, the rules
 * held before and still hold, and nothing is evaluated.
 */
export function assertAddressRules(object: ObjectModel, values: Readonly<Record<string, unknown>>, changed?: readonly string[]): void {
  if (changed !== undefined) {
    const read = addressRuleAttributes(object);
    if (!changed.some((name) => read.has(name))) return;
  }
  assertNoProblems(object, [...subnetProblems(object, values), ...ownFamilyProblems(object, values)]);
}
