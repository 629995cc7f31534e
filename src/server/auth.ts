import type { Logger } from 'pino';
import {
  AccessGuard,
  PolicyEngine,
  createAuthenticator,
  parsePolicyFile,
  readPolicyFile,
  type AuthConfig,
  type Authenticator,
} from '../core/auth/index.js';
import { createAuthHooks, type ProtonHooks } from '../core/http/index.js';
import type { ApiModel } from '../core/model/index.js';
import type { ProtonStore } from '../core/store/index.js';

/** What {@link buildServerAuth} assembles. @internal */
export interface ServerAuth {
  readonly authenticator: Authenticator;
  readonly policy: PolicyEngine;
  readonly hooks: ProtonHooks;
}

function isAuthenticator(value: AuthConfig | Authenticator): value is Authenticator {
  return typeof (value as Authenticator).authenticate === 'function';
}

/**
 * Builds the server's authenticator (noauth by default), its policy (base rules, the
 * models' policies, the policy file) and the protonPlugin hooks applying both.
 * @internal
 */
export async function buildServerAuth(input: {
  readonly auth: AuthConfig | Authenticator | undefined;
  readonly policyFile: string | undefined;
  readonly models: readonly ApiModel[];
  readonly logger: Logger;
  readonly store?: ProtonStore;
}): Promise<ServerAuth> {
  const overrides = input.policyFile === undefined ? undefined : parsePolicyFile(await readPolicyFile(input.policyFile), input.policyFile);
  const policy = PolicyEngine.create({
    models: input.models,
    ...(overrides === undefined ? {} : { overrides }),
    ...(input.policyFile === undefined ? {} : { overridesOrigin: input.policyFile }),
  });
  for (const name of policy.unknownOverrides) {
    input.logger.warn({ rule: name, policyFile: input.policyFile }, `policy file ${input.policyFile ?? ''} defines rule "${name}", which no base rule or model object uses (typo?); \`gluon policy list\` shows the rule names`);
  }
  const config = input.auth ?? { strategy: 'noauth' as const };
  const authenticator = isAuthenticator(config) ? config : await createAuthenticator(config);
  input.logger.info({ strategy: authenticator.strategy, policyFile: input.policyFile ?? null }, `authentication: ${authenticator.strategy}`);
  return { authenticator, policy, hooks: createAuthHooks({ authenticator, guard: new AccessGuard(policy), ...(input.store === undefined ? {} : { store: input.store }) }) };
}
