/**
 * Value patterns and the custom string formats the JSON Schemas of this folder use.
 * The standard formats (`date-time`, `ipv4`, `ipv6`, `uri`, `email`) come from
 * `ajv-formats`; `mac`, `json`, `ip` and `cidr` are ours and must be registered on the Ajv instance
 * that validates request bodies (see {@link CUSTOM_FORMATS}).
 */

import { isCidrText, isIpText } from '../ip-address.js';

const HEX = '[0-9A-Fa-f]';

/**
 * Regular-expression source of a UUID as Gluon accepts it: the canonical 8-4-4-4-12
 * form, or the same 32 hex digits without dashes (Keystone project ids look like that).
 * Either case. Anchored.
 */
export const UUID_PATTERN = `^(?:${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}|${HEX}{32})$`;

/**
 * The same as {@link UUID_PATTERN} but also accepting the empty string, which Gluon
 * clients send to clear an optional uuid (unbinding a port sends `"device_id": ""`) and
 * to ask the server to generate a uuid primary key.
 */
export const UUID_OR_EMPTY_PATTERN = `^(?:|${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}|${HEX}{32})$`;

/**
 * Regular-expression source of the rule a string primary key obeys: it is one URL path
 * segment, so it may not be empty, `.` or `..` (clients resolve those as dot segments
 * before a request leaves them: `/vpnafconfigs/.` is the collection, never the object).
 * Anchored; a match means the key is usable.
 */
export const KEY_SEGMENT_PATTERN = '^(?!\\.{0,2}$)';

/**
 * Regular-expression source of a MAC-48 address in the notations the original accepted
 * through `netaddr`: six hex pairs separated by `:` or by `-` (one separator throughout),
 * Cisco's three dot-separated groups of four (`aabb.ccdd.eeff`), or twelve bare hex
 * digits. Either case. Anchored.
 */
export const MAC_PATTERN =
  `^(?:${HEX}{2}(?::${HEX}{2}){5}|${HEX}{2}(?:-${HEX}{2}){5}|${HEX}{4}\\.${HEX}{4}\\.${HEX}{4}|${HEX}{12})$`;

/**
 * True when `value` is the empty string or a string whose content parses as JSON
 * (the `json` format: a JSON document carried inside a JSON string, e.g. a port's
 * `profile` `"{\"a\": 1}"`).
 */
export function isJsonString(value: string): boolean {
  if (value === '') return true;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The custom formats used by the generated schemas, ready for `ajv.addFormat(name, f)`:
 * `mac` is a RegExp built from {@link MAC_PATTERN}, `json` a predicate
 * ({@link isJsonString}), `ip` an IPv4 or IPv6 address and `cidr` an IPv4 or IPv6
 * `address/prefix`.
 *
 * @example
 * ```ts
 * for (const [name, format] of Object.entries(CUSTOM_FORMATS)) ajv.addFormat(name, format);
 * ```
 */
export const CUSTOM_FORMATS: Readonly<{
  mac: RegExp;
  json: (value: string) => boolean;
  ip: (value: string) => boolean;
  cidr: (value: string) => boolean;
}> = Object.freeze({
  mac: new RegExp(MAC_PATTERN),
  json: isJsonString,
  ip: isIpText,
  cidr: isCidrText,
});
