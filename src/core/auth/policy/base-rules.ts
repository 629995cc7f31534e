/**
 * The base rules every policy starts from: the original Gluon's `gluon/policies/base.py`
 * plus three of our own (`admin`, `admin_or_service`, `reader_only`), explained in
 * docs/security.md.
 */
export const BASE_RULES: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  // The original's models say `list: rule:admin`, a rule it never defined (oslo fell back
  // to `default` with an empty target, i.e. admin only). We define it: same meaning, said.
  admin: 'rule:context_is_admin',
  owner: 'tenant_id:%(tenant_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
  context_is_advsvc: 'role:advsvc',
  context_is_service: 'role:service',
  admin_or_service: 'rule:context_is_admin or rule:context_is_advsvc or rule:context_is_service',
  admin_or_network_owner: 'rule:context_is_admin or tenant_id:%(network:tenant_id)s',
  admin_owner_or_network_owner: 'rule:owner or rule:admin_or_network_owner',
  admin_only: 'rule:context_is_admin',
  regular_user: '',
  // A caller whose only role is `reader` (Keystone's read-only role) may read but not write.
  reader_only: 'role:reader and not (role:member or role:admin or role:service or role:advsvc)',
  default: 'rule:admin_or_owner',
};

/** Name of the rule used for unknown rule names (oslo.policy's `policy_default_rule`). */
export const DEFAULT_RULE = 'default';

/**
 * Attributes of a port-role object that only admins and services may set (Neutron's
 * `binding:host_id`, `binding:vif_*`, `binding:profile` habit). Setting `host_id` is what
 * starts a bind.
 */
export const PORT_BINDING_ATTRIBUTES = ['host_id', 'vif_type', 'vif_details', 'profile'] as const;

/** The check string of the attribute rules of {@link PORT_BINDING_ATTRIBUTES}. */
export const BINDING_ATTRIBUTE_CHECK = 'rule:admin_or_service';
