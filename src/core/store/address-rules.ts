import { ValidationError, type ErrorDetail } from '../errors/index.js';
import { contains, familyBits, formatIp, isHostAddress, networkOf, parseIp, type IpAddress, type ObjectModel } from '../model/index.js';

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

/** Throws the 400 for the broken `subnet:` rules of `values`, if any. */
export function assertSubnetRules(object: ObjectModel, values: Readonly<Record<string, unknown>>): void {
  const problems = subnetProblems(object, values);
  if (problems.length === 0) return;
  const head = problems.length === 1 ? (problems[0]?.message ?? '') : `Invalid ${object.name}: ${problems.map((p) => `${p.field} (${p.rule})`).join(', ')}.`;
  throw new ValidationError(head, problems);
}
