/**
 * The policy language, case by case, mirroring oslo.policy's own tests
 * (`oslo_policy/tests/test_parser.py`, `test_checks.py`): special values, precedence,
 * `not`, parentheses, role/generic checks, substitution, literals, missing keys, the
 * default rule, and parse errors failing closed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyEngine, evaluateCheck, parseCheck, parseLegacyList, policySyntaxError, type PolicyCheck, type PolicyCredentials, type PolicyTarget } from '../../src/core/auth/index.js';

const NO_RULES = { resolveRule: () => undefined };

function creds(roles: string[], extra: Record<string, unknown> = {}): PolicyCredentials {
  return { roles, user_id: 'u1', project_id: 'p1', tenant_id: 'p1', ...extra };
}

interface Case {
  readonly rule: string;
  readonly roles?: string[];
  readonly target?: PolicyTarget;
  readonly creds?: Record<string, unknown>;
  readonly expected: boolean;
  readonly why: string;
}

const CASES: readonly Case[] = [
  // special values
  { rule: '@', expected: true, why: '@ always allows' },
  { rule: '!', expected: false, why: '! always denies' },
  { rule: '', expected: true, why: 'empty string is @' },
  { rule: '   ', expected: true, why: 'blank string is @' },
  { rule: 'role:admin or !', roles: ['admin'], expected: true, why: '! inside an expression' },
  { rule: '@ and !', expected: false, why: '@ and ! is !' },
  // role checks
  { rule: 'role:admin', roles: ['admin'], expected: true, why: 'role present' },
  { rule: 'role:admin', roles: ['ADMIN'], expected: true, why: 'roles compare case-insensitively (creds)' },
  { rule: 'role:Admin', roles: ['admin'], expected: true, why: 'roles compare case-insensitively (rule)' },
  { rule: 'role:admin', roles: ['member'], expected: false, why: 'role absent' },
  { rule: 'role:%(target_role)s', roles: ['member'], target: { target_role: 'member' }, expected: true, why: 'role substituted from the target' },
  { rule: 'role:%(target_role)s', roles: ['member'], target: {}, expected: false, why: 'missing key in a role check denies' },
  // generic checks against creds
  { rule: 'tenant_id:%(tenant_id)s', target: { tenant_id: 'p1' }, expected: true, why: 'owner' },
  { rule: 'tenant_id:%(tenant_id)s', target: { tenant_id: 'p2' }, expected: false, why: 'not owner' },
  { rule: 'tenant_id:%(tenant_id)s', target: {}, expected: false, why: 'missing target key denies' },
  { rule: 'project_id:p1', expected: true, why: 'constant on the right' },
  { rule: 'project_id:p2', expected: false, why: 'constant differs' },
  { rule: 'nothere:p1', expected: false, why: 'missing creds key denies' },
  { rule: 'roles:member', roles: ['reader', 'member'], expected: true, why: 'a list in creds matches when any element does' },
  { rule: 'user.id:%(owner)s', creds: { user: { id: 'x' } }, target: { owner: 'x' }, expected: true, why: 'dotted path into creds' },
  { rule: 'user.id:%(owner)s', creds: { user: { id: 'x' } }, target: { owner: 'y' }, expected: false, why: 'dotted path into creds, differs' },
  { rule: 'tenant_id:%(network:tenant_id)s', target: { 'network:tenant_id': 'p1' }, expected: true, why: 'target key containing ":" is read literally' },
  { rule: 'tenant_id:%(target.tenant_id)s', target: { 'target.tenant_id': 'p1' }, expected: true, why: 'dotted key read literally first' },
  { rule: 'tenant_id:%(target.tenant_id)s', target: { target: { tenant_id: 'p1' } }, expected: true, why: 'then as a dotted path' },
  { rule: 'tenant_id:%(target.tenant_id)s', target: { target: {} }, expected: false, why: 'missing nested key denies' },
  { rule: 'tenant_id:x%%%(tenant_id)s', target: { tenant_id: 'p1' }, creds: { tenant_id: 'x%p1' }, expected: true, why: '%% is a literal %' },
  // literals on the left
  { rule: "'Member':%(role.name)s", target: { 'role.name': 'Member' }, expected: true, why: 'string literal on the left' },
  { rule: "'Member':%(role.name)s", target: { role: { name: 'member' } }, expected: false, why: 'literal comparison is case-sensitive' },
  { rule: 'True:%(user.enabled)s', target: { user: { enabled: true } }, expected: true, why: 'True literal vs Python str(True)' },
  { rule: 'False:%(user.enabled)s', target: { user: { enabled: true } }, expected: false, why: 'False literal' },
  { rule: '123:%(num)s', target: { num: 123 }, expected: true, why: 'number literal' },
  { rule: '123:%(num)s', target: { num: '123' }, expected: true, why: 'number literal vs string' },
  { rule: 'None:%(x)s', target: { x: null }, expected: true, why: 'None vs null' },
  // precedence and parentheses
  { rule: 'role:a or role:b and role:c', roles: ['a'], expected: true, why: 'and binds tighter than or (a)' },
  { rule: 'role:a or role:b and role:c', roles: ['b'], expected: false, why: 'and binds tighter than or (b)' },
  { rule: 'role:a or role:b and role:c', roles: ['b', 'c'], expected: true, why: 'and binds tighter than or (b, c)' },
  { rule: '(role:a or role:b) and role:c', roles: ['a'], expected: false, why: 'parentheses first' },
  { rule: '(role:a or role:b) and role:c', roles: ['a', 'c'], expected: true, why: 'parentheses first (a, c)' },
  { rule: 'role:a and role:b or role:c', roles: ['c'], expected: true, why: 'or of an and' },
  { rule: '((role:a))', roles: ['a'], expected: true, why: 'nested parentheses' },
  { rule: 'role:admin or (project_id:%(project_id)s and role:projectadmin)', roles: ['projectadmin'], target: { project_id: 'p1' }, expected: true, why: 'the oslo docstring example' },
  { rule: 'role:admin or (project_id:%(project_id)s and role:projectadmin)', roles: ['projectadmin'], target: { project_id: 'p2' }, expected: false, why: 'the oslo docstring example, other project' },
  { rule: 'role:a AND role:b', roles: ['a', 'b'], expected: true, why: 'operators are case-insensitive' },
  { rule: 'role:a Or role:b', roles: ['b'], expected: true, why: 'operators are case-insensitive (Or)' },
  // not
  { rule: 'not role:a', roles: [], expected: true, why: 'not of false' },
  { rule: 'not role:a', roles: ['a'], expected: false, why: 'not of true' },
  { rule: 'not role:a and role:b', roles: ['b'], expected: true, why: 'not binds tighter than and' },
  { rule: 'not role:a and role:b', roles: ['a', 'b'], expected: false, why: 'not binds tighter than and (a, b)' },
  { rule: 'not (role:a or role:b)', roles: ['b'], expected: false, why: 'not of a parenthesised or' },
  { rule: 'not not role:a', roles: ['a'], expected: true, why: 'double negation' },
  { rule: 'not tenant_id:%(tenant_id)s', target: {}, expected: true, why: 'missing key makes the check false, so not … is true (as oslo)' },
  // parse errors fail closed
  { rule: 'role:a or', roles: ['a'], expected: false, why: 'dangling operator fails closed' },
  { rule: '(role:a', roles: ['a'], expected: false, why: 'unclosed parenthesis fails closed' },
  { rule: 'role:a)', roles: ['a'], expected: false, why: 'extra ) fails closed' },
  { rule: 'role:a and or role:b', roles: ['a', 'b'], expected: false, why: 'two operators fail closed' },
  { rule: 'admin', roles: ['admin'], expected: false, why: 'a check without ":" fails closed' },
  { rule: "'quoted'", roles: [], expected: false, why: 'a lone string token fails closed' },
  { rule: 'role:a role:b', roles: ['a', 'b'], expected: false, why: 'two checks without operator fail closed' },
];

describe('oslo.policy check language', () => {
  it.each(CASES)('$rule → $expected ($why)', ({ rule, roles, target, creds: extra, expected }) => {
    const check = parseCheck(rule);
    expect(evaluateCheck(check, { target: target ?? {}, creds: creds(roles ?? [], extra) }, NO_RULES)).toBe(expected);
  });

  it('reports why a check string does not parse', () => {
    expect(policySyntaxError(parseCheck('role:a or'))).toMatch(/ends too early/);
    expect(policySyntaxError(parseCheck('(role:a'))).toMatch(/not closed/);
    expect(policySyntaxError(parseCheck('admin'))).toMatch(/no ":"/);
    expect(policySyntaxError(parseCheck('role:a or role:b'))).toBeUndefined();
  });

  it('reads the legacy list-of-lists form: outer OR, inner AND, [] = always', () => {
    const legacy = parseLegacyList([['role:a'], ['project_id:%(project_id)s', 'role:b']]);
    expect(evaluateCheck(legacy, { target: {}, creds: creds(['a']) }, NO_RULES)).toBe(true);
    expect(evaluateCheck(legacy, { target: { project_id: 'p1' }, creds: creds(['b']) }, NO_RULES)).toBe(true);
    expect(evaluateCheck(legacy, { target: { project_id: 'p2' }, creds: creds(['b']) }, NO_RULES)).toBe(false);
    expect(evaluateCheck(parseLegacyList([]), { target: {}, creds: creds([]) }, NO_RULES)).toBe(true);
  });

  it('never throws and never allows on arbitrary (untrusted) check strings evaluated without creds roles or target', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (rule) => {
        const check: PolicyCheck = parseCheck(rule);
        const allowed = evaluateCheck(check, { target: {}, creds: { roles: [] } }, NO_RULES);
        // Only checks that need nothing from creds or target may allow: @, "", not …, literals.
        if (allowed) expect(/@|not|^\s*$|:|'|"/i.test(rule)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rules: rule:, the default rule, overrides', () => {
  const base = PolicyEngine.create();
  const member = creds(['member']);
  const admin = creds(['admin']);

  it('has the base rules of the original plus admin as an alias of context_is_admin', () => {
    expect(base.get('context_is_admin')?.check).toBe('role:admin');
    expect(base.get('admin')?.check).toBe('rule:context_is_admin');
    expect(base.get('owner')?.check).toBe('tenant_id:%(tenant_id)s');
    expect(base.get('default')?.check).toBe('rule:admin_or_owner');
    expect(base.enforce('admin', {}, admin)).toBe(true);
    expect(base.enforce('admin', {}, member)).toBe(false);
    expect(base.enforce('regular_user', {}, member)).toBe(true);
    expect(base.enforce('context_is_advsvc', {}, creds(['advsvc']))).toBe(true);
  });

  it('admin_or_owner: admin anywhere, member in its own project only', () => {
    expect(base.enforce('admin_or_owner', { tenant_id: 'other' }, admin)).toBe(true);
    expect(base.enforce('admin_or_owner', { tenant_id: 'p1' }, member)).toBe(true);
    expect(base.enforce('admin_or_owner', { tenant_id: 'other' }, member)).toBe(false);
    expect(base.enforce('admin_or_owner', {}, member)).toBe(false);
  });

  it('an unknown rule name falls back to the default rule (enforce and rule:)', () => {
    expect(base.enforce('no-such-rule', { tenant_id: 'p1' }, member)).toBe(true);
    expect(base.enforce('no-such-rule', { tenant_id: 'p2' }, member)).toBe(false);
    expect(base.check('rule:no-such-rule', { tenant_id: 'p1' }, member)).toBe(true);
    const strict = PolicyEngine.create({ overrides: { default: '!' } });
    expect(strict.enforce('no-such-rule', { tenant_id: 'p1' }, admin)).toBe(false);
    expect(strict.check('rule:no-such-rule', {}, admin)).toBe(false);
  });

  it('an unknown rule with no default rule denies', () => {
    expect(evaluateCheck(parseCheck('rule:x or role:a'), { target: {}, creds: creds([]) }, NO_RULES)).toBe(false);
  });

  it('rule cycles deny instead of recursing forever', () => {
    const cyclic = PolicyEngine.create({ overrides: { a: 'rule:b', b: 'rule:a' } });
    expect(cyclic.enforce('a', {}, admin)).toBe(false);
  });

  it('overrides replace base rules and change every rule that refers to them', () => {
    const engine = PolicyEngine.create({ overrides: { context_is_admin: 'role:superuser' } });
    expect(engine.enforce('admin_or_owner', { tenant_id: 'x' }, admin)).toBe(false);
    expect(engine.enforce('admin_or_owner', { tenant_id: 'x' }, creds(['superuser']))).toBe(true);
    expect(engine.get('context_is_admin')).toEqual({ name: 'context_is_admin', check: 'role:superuser', source: 'file' });
  });

  it('rejects an override that does not parse, naming the rule and the file', () => {
    expect(() => PolicyEngine.create({ overrides: { 'net-l3vpn:get_ports': 'role:a or' }, overridesOrigin: '/etc/gluon/policy.yaml' })).toThrow(
      expect.objectContaining({ code: 'GLUON_ERR_POLICY_SYNTAX', message: expect.stringContaining('rule "net-l3vpn:get_ports" in /etc/gluon/policy.yaml') }),
    );
  });
});
