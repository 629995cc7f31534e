import type { ApiModel, ObjectModel, PolicyAction } from '../../model/index.js';

/**
 * The one name of an object's rule for an action: `<api>:<action>_<plural>`, e.g.
 * `net-l3vpn:create_ports`, `net-l3vpn:list_vpns`. Used when rules are generated, when
 * they are checked and by `gluon policy list` (the original generated other names than
 * it checked).
 */
export function policyRuleName(api: Pick<ApiModel, 'name'>, object: Pick<ObjectModel, 'api'>, action: PolicyAction): string {
  return `${api.name}:${action}_${object.api.plural}`;
}

/** An attribute rule: `<api>:<action>_<plural>:<attribute>`, e.g. `net-l3vpn:update_ports:host_id`. */
export function attributeRuleName(api: Pick<ApiModel, 'name'>, object: Pick<ObjectModel, 'api'>, rule: { action: 'create' | 'update'; attribute: string }): string {
  return `${policyRuleName(api, object, rule.action)}:${rule.attribute}`;
}
