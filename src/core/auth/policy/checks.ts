/**
 * The parsed form of an oslo.policy check string: a small tree of checks.
 * Produced by {@link parseCheck}, evaluated by {@link evaluateCheck}.
 */
export type PolicyCheck =
  | { readonly kind: 'true' }
  | { readonly kind: 'false'; readonly error?: string }
  | { readonly kind: 'not'; readonly check: PolicyCheck }
  | { readonly kind: 'and'; readonly checks: readonly PolicyCheck[] }
  | { readonly kind: 'or'; readonly checks: readonly PolicyCheck[] }
  | { readonly kind: 'rule'; readonly match: string }
  | { readonly kind: 'role'; readonly match: string }
  | { readonly kind: 'generic'; readonly lhs: string; readonly match: string }
  | { readonly kind: 'custom'; readonly name: string; readonly match: string };

/** The caller's credentials as the policy language sees them (oslo.context's `to_policy_values()`). */
export interface PolicyCredentials {
  readonly user_id?: string;
  readonly user_name?: string;
  readonly project_id?: string;
  /** Same as `project_id` (the name the original's rules use). */
  readonly tenant_id?: string;
  readonly project_name?: string;
  readonly roles: readonly string[];
  readonly is_admin?: boolean;
  readonly [extra: string]: unknown;
}

/** The object a rule is checked against (`%(tenant_id)s` reads it). */
export type PolicyTarget = Readonly<Record<string, unknown>>;

/**
 * A custom check kind (the analogue of oslo.policy's `oslo.policy.rule_checks`
 * entry points): `<name>:<match>` calls it with the raw match text.
 */
export type CustomCheck = (match: string, target: PolicyTarget, creds: PolicyCredentials) => boolean;
