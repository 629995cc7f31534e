import type { ApiModel, ObjectModel } from '../model/index.js';

/**
 * The original Gluon's `de_camel`: `net_l3vpn_Port` → `net_l3vpn__port`,
 * `net_l3vpn_BGPPeering` → `net_l3vpn_bgp_peering` (its two regular expressions, in its order).
 */
export function deCamel(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The table the original proton-server keeps `object` of `api` in:
 * `de_camel(<api with - turned into _>_<ObjectName>)`, e.g. `net_l3vpn__vpn_binding`.
 */
export function originalTableName(api: Pick<ApiModel, 'name'>, object: Pick<ObjectModel, 'name'>): string {
  return deCamel(`${api.name.replace(/-/g, '_')}_${object.name}`);
}
