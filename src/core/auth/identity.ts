import type { PolicyCredentials } from './policy/checks.js';

/** Which authenticator vouched for an identity. */
export type AuthStrategy = 'noauth' | 'token-file' | 'keystone';

/**
 * The authenticated caller, as every layer sees it (`request.identity` in the HTTP
 * layer; the driver and arbiter receive its `token`).
 */
export interface Identity {
  readonly userId: string;
  readonly userName?: string;
  /** The project (tenant) the caller acts in; objects' `tenant_id` is compared with it. */
  readonly projectId: string;
  readonly projectName?: string;
  /** Role names, as the identity service gave them (compared case-insensitively). */
  readonly roles: readonly string[];
  /** True when the `context_is_admin` rule holds for this caller (set by the enforcement layer). */
  readonly isAdmin?: boolean;
  /** The token the caller sent, for forwarding to backends (never logged). */
  readonly token?: string;
  /** When the caller's token expires, if known. */
  readonly expiresAt?: Date;
  readonly authStrategy: AuthStrategy;
}

/**
 * The policy credentials of an identity (oslo.context's `to_policy_values()`):
 * `user_id`, `project_id` and its alias `tenant_id`, `roles`, names.
 */
export function toPolicyCredentials(identity: Identity): PolicyCredentials {
  return {
    user_id: identity.userId,
    ...(identity.userName === undefined ? {} : { user_name: identity.userName }),
    project_id: identity.projectId,
    tenant_id: identity.projectId,
    ...(identity.projectName === undefined ? {} : { project_name: identity.projectName }),
    roles: identity.roles,
    ...(identity.isAdmin === undefined ? {} : { is_admin: identity.isAdmin }),
  };
}
