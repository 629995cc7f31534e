/**
 * Property tests over untrusted input: arbitrary `X-Auth-Token` headers never get in
 * through the token file, and no non-admin identity ever reaches another project's
 * object, whatever its roles, project or the object's values.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessGuard, PolicyEngine, createTokenFileAuthenticator, generateApiToken, hashApiToken, type Identity } from '../../src/core/auth/index.js';
import { isGluonError } from '../../src/core/errors/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));
let apis: ApiModel[];

function isAuthErrorLike(err: unknown): boolean {
  return isGluonError(err) && err.code.startsWith('GLUON_ERR_AUTH_');
}
let guard: AccessGuard;

beforeAll(async () => {
  apis = [...(await loadModels([MODELS]))];
  guard = new AccessGuard(PolicyEngine.create({ models: apis }));
});

describe('token file authenticator on arbitrary headers', () => {
  it('only the listed token gets in; anything else is a 401, never another error', async () => {
    const secret = generateApiToken();
    const auth = createTokenFileAuthenticator({ entries: [{ name: 'bot', sha256: hashApiToken(secret), userId: 'bot', projectId: 'p1', roles: ['member'] }] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined)), async (value) => {
        const headers = { 'x-auth-token': value as string | string[] | undefined };
        const first = Array.isArray(value) ? value[0] : value;
        if (typeof first === 'string' && first.trim() === secret) return;
        const outcome = await auth.authenticate(headers).then(() => 'allowed', (err: unknown) => err);
        expect(isAuthErrorLike(outcome) && (outcome as { status: number }).status === 401).toBe(true);
      }),
      { numRuns: 1000 },
    );
    expect(await auth.authenticate({ 'x-auth-token': secret })).toMatchObject({ projectId: 'p1' });
  });
});

describe('access guard never crosses projects for non-admins', () => {
  const role = fc.constantFrom('member', 'reader', 'Member', 'READER', 'observer', 'netadmin', 'service');
  const id = fc.stringMatching(/^[0-9a-f]{32}$/);

  it('get/update/delete of another project\'s object is a 404; creating there is a 403; lists never show all', () => {
    fc.assert(
      fc.property(id, id, fc.uniqueArray(role, { maxLength: 4 }), fc.dictionary(fc.constantFrom('name', 'host_id', 'tenant_id', 'status'), fc.string({ maxLength: 8 })), (mine, theirs, roles, patch) => {
        fc.pre(mine !== theirs);
        const caller: Identity = { userId: 'u', projectId: mine, roles, authStrategy: 'token-file' };
        for (const api of apis) {
          for (const object of api.objects) {
            const stored = { [object.primaryKey]: 'k', tenant_id: theirs, name: 'x' };
            for (const action of ['get', 'update', 'delete'] as const) {
              expect(() => guard.authorizeStored(caller, { api, object }, { action, stored, key: 'k', patch })).toThrow(expect.objectContaining({ status: 404 }));
            }
            expect(() => guard.authorizeCreate(caller, { api, object }, { tenant_id: theirs })).toThrow(expect.objectContaining({ status: 403 }));
            let scope: unknown;
            try {
              scope = guard.listScope(caller, { api, object });
            } catch (err) {
              scope = err;
            }
            expect(scope).not.toEqual({ all: true });
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
