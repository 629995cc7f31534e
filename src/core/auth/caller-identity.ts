import { AccessGuard } from './access-guard.js';
import type { AuthHeaders, Authenticator } from './authenticator.js';
import { PolicyEngine } from './policy/policy-engine.js';

/** Who a request comes from, in the shape the port arbiter's facade wants (`identify` option). */
export interface CallerScope {
  readonly projectId: string;
  /** `context_is_admin` holds for the caller. */
  readonly isAdmin: boolean;
}

/**
 * Turns an authenticator into an `identify` function for other front doors (e.g. the
 * Neutron facade's `identify` option): authenticates the headers (throwing the same
 * 401/503 `AuthError`s) and reports the caller's project and whether `context_is_admin`
 * holds (with the given policy, else the base rules).
 *
 * @example
 * ```ts
 * const keystone = createKeystoneAuthenticator({ service });
 * await createNeutronFacade({ ..., identify: callerScopeOf(keystone), tokenProvider: keystone.serviceToken });
 * ```
 */
export function callerScopeOf(authenticator: Authenticator, policy: PolicyEngine = PolicyEngine.create()): (headers: AuthHeaders) => Promise<CallerScope> {
  const guard = new AccessGuard(policy);
  return async (headers) => {
    const identity = guard.withAdminFlag(await authenticator.authenticate(headers));
    return { projectId: identity.projectId, isAdmin: identity.isAdmin === true };
  };
}
