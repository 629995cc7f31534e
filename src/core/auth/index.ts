/**
 * The auth part: authenticators (noauth, token file, Keystone v3), the caller's
 * {@link Identity}, an oslo.policy-compatible policy engine and the access guard that
 * applies it to API requests. Imports only model types and errors (plus `yaml`/`undici`).
 * @packageDocumentation
 */
export type { Identity, AuthStrategy } from './identity.js';
export { toPolicyCredentials } from './identity.js';
export type { Authenticator, AuthHeaders } from './authenticator.js';
export { headerValue } from './authenticator.js';
export { AuthError, missingTokenError, invalidTokenError, authUnavailableError, authConfigError } from './auth-errors.js';
export { createNoAuthAuthenticator } from './noauth.js';
export type { NoAuthOptions } from './noauth.js';
export {
  createTokenFileAuthenticator,
  parseTokenFile,
  hashApiToken,
  generateApiToken,
  formatTokenEntry,
} from './token-file.js';
export type { TokenFileEntry, TokenFileAuthOptions } from './token-file.js';
export { createKeystoneAuthenticator } from './keystone/keystone-authenticator.js';
export type { KeystoneAuthOptions, KeystoneAuthenticator } from './keystone/keystone-authenticator.js';
export { createKeystoneTokenProvider } from './keystone/service-token.js';
export type { KeystoneCredentials, KeystoneTokenProvider, KeystoneTokenProviderOptions } from './keystone/service-token.js';
export { createAuthenticator, readPolicyFile, AUTH_STRATEGIES } from './auth-config.js';
export type { AuthConfig, KeystoneAuthConfig } from './auth-config.js';
export { AccessGuard, forbiddenError, TENANT_ATTRIBUTE } from './access-guard.js';
export { callerScopeOf } from './caller-identity.js';
export type { CallerScope } from './caller-identity.js';
export type { GuardedObject, ListScope, StoredAccess } from './access-guard.js';
export { roleReferences } from './role-references.js';
export type { RoleReference } from './role-references.js';
export { PolicyEngine } from './policy/policy-engine.js';
export type { EffectiveRule, PolicyEngineOptions, PolicyRuleText, RuleSource } from './policy/policy-engine.js';
export { parseCheck, parseLegacyList, policySyntaxError } from './policy/parse-check.js';
export { evaluateCheck } from './policy/evaluate.js';
export type { EvaluationScope, PolicyRequest } from './policy/evaluate.js';
export type { PolicyCheck, PolicyCredentials, PolicyTarget, CustomCheck } from './policy/checks.js';
export { parsePolicyFile } from './policy/policy-file.js';
export { policyRuleName, attributeRuleName } from './policy/rule-names.js';
export { BASE_RULES, DEFAULT_RULE, PORT_BINDING_ATTRIBUTES, BINDING_ATTRIBUTE_CHECK } from './policy/base-rules.js';
