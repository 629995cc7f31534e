/**
 * IPv4 and IPv6 addresses and CIDR prefixes as numbers: parsing, canonical text and the
 * subnet arithmetic the address rules and pools of a model need. Pure.
 */

/** An address family: 4 or 6. */
export type IpFamily = 4 | 6;

/** An IP address as a number of its family's width. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A CIDR as written: an address and a prefix length valid for its family. */
export interface IpPrefix {
  readonly address: IpAddress;
  readonly prefix: number;
}

const V4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Bits of an address of `family`. */
export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (V6_GROUP.test(part)) groups.push(Number.parseInt(part, 16));
    else return undefined;
  }
  return groups;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseV6Groups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseV6Groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** The address `text` names (dotted IPv4, or IPv6 in any RFC 4291 notation), or undefined. */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length > 45) return undefined;
  if (text.includes(':')) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** The CIDR `text` names (`address/prefix`, the prefix within the family's width), or undefined. */
export function parseIpPrefix(text: string): IpPrefix | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (address === undefined || !/^(?:0|[1-9]\d{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix > familyBits(address.family) ? undefined : { address, prefix };
}

/** Canonical text of an address: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const groups = [...Array(8).keys()].map((i) => Number((address.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  let run = { start: -1, length: 0 };
  groups.forEach((g, i) => {
    if (g !== 0) {
      run = { start: -1, length: 0 };
      return;
    }
    run = run.start < 0 ? { start: i, length: 1 } : { start: run.start, length: run.length + 1 };
    if (run.length > best.length) best = run;
  });
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** The first address (network address) of `address/prefix`. */
export function networkOf(address: IpAddress, prefix: number): bigint {
  const host = familyBits(address.family) - prefix;
  return (address.value >> BigInt(host)) << BigInt(host);
}

/** The last address (IPv4 broadcast address) of `address/prefix`. */
export function lastOf(address: IpAddress, prefix: number): bigint {
  const host = BigInt(familyBits(address.family) - prefix);
  return networkOf(address, prefix) + (1n << host) - 1n;
}

/** True when `candidate` lies inside `subnet/prefix` (same family). */
export function contains(subnet: IpAddress, prefix: number, candidate: IpAddress): boolean {
  return subnet.family === candidate.family && candidate.value >= networkOf(subnet, prefix) && candidate.value <= lastOf(subnet, prefix);
}

/**
 * True when `address` may be given to a host of `address/prefix`: not the network
 * address, and for IPv4 not the broadcast address (both allowed on /31 and /32
 * point-to-point links, RFC 3021).
 */
export function isHostAddress(address: IpAddress, prefix: number): boolean {
  if (address.family === 4 && prefix >= 31) return true;
  if (address.family === 6 && prefix === 128) return true;
  if (address.value === networkOf(address, prefix)) return false;
  return address.family === 6 || address.value !== lastOf(address, prefix);
}

/** True when `text` is an IPv4 or IPv6 address (the `ip` string format). */
export function isIpText(text: string): boolean {
  return parseIp(text) !== undefined;
}

/** True when `text` is an IPv4 or IPv6 CIDR (the `cidr` string format). */
export function isCidrText(text: string): boolean {
  return parseIpPrefix(text) !== undefined;
}
