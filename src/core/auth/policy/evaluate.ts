import type { CustomCheck, PolicyCheck, PolicyCredentials, PolicyTarget } from './checks.js';
import { literalText, pythonStr, substitute } from './substitute.js';

/** What {@link evaluateCheck} needs besides the check itself. */
export interface EvaluationScope {
  /** Resolves `rule:<name>`: the named rule, else the `default` rule, else undefined (deny). */
  readonly resolveRule: (name: string) => PolicyCheck | undefined;
  /** Custom check kinds. */
  readonly customChecks?: ReadonlyMap<string, CustomCheck>;
}

/** Deepest chain of `rule:` references followed before giving up (a cycle denies). */
const MAX_RULE_DEPTH = 32;

/** Finds `match` along a dotted path of the creds; lists match when any element matches. */
function findInCreds(value: unknown, path: readonly string[], match: string): boolean {
  if (path.length === 0) return match === pythonStr(value);
  if (value === null || typeof value !== 'object') return false;
  const [head, ...rest] = path as [string, ...string[]];
  if (!Object.hasOwn(value, head)) return false;
  const next = (value as Record<string, unknown>)[head];
  if (Array.isArray(next)) return next.some((item) => findInCreds(item, rest, match));
  return findInCreds(next, rest, match);
}

/**
 * Evaluates a parsed check against a target and the caller's credentials, with
 * oslo.policy's semantics: `role:` is case-insensitive, a missing `%(key)s` denies,
 * an unknown `rule:` falls back to the `default` rule (deny when there is none).
 */
export function evaluateCheck(check: PolicyCheck, request: PolicyRequest, scope: EvaluationScope): boolean {
  return evaluateAt(check, request, { scope, depth: 0 });
}

/** A target and the caller's credentials, the two things a check is evaluated against. */
export interface PolicyRequest {
  readonly target: PolicyTarget;
  readonly creds: PolicyCredentials;
}

function evaluateAt(check: PolicyCheck, request: PolicyRequest, at: { scope: EvaluationScope; depth: number }): boolean {
  const { target, creds } = request;
  const { scope, depth } = at;
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'not':
      return !evaluateAt(check.check, request, at);
    case 'and':
      return check.checks.every((inner) => evaluateAt(inner, request, at));
    case 'or':
      return check.checks.some((inner) => evaluateAt(inner, request, at));
    case 'rule': {
      if (depth >= MAX_RULE_DEPTH) return false;
      const rule = scope.resolveRule(check.match);
      return rule === undefined ? false : evaluateAt(rule, request, { scope, depth: depth + 1 });
    }
    case 'role': {
      const match = substitute(check.match, target);
      if (match === undefined) return false;
      const wanted = match.toLowerCase();
      return creds.roles.some((role) => role.toLowerCase() === wanted);
    }
    case 'generic': {
      const match = substitute(check.match, target);
      if (match === undefined) return false;
      const literal = literalText(check.lhs);
      if (literal !== undefined) return match === literal;
      return findInCreds(creds, check.lhs.split('.'), match);
    }
    case 'custom': {
      const fn = scope.customChecks?.get(check.name);
      return fn === undefined ? false : fn(check.match, target, creds);
    }
  }
}
