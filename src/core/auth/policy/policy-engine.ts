import { GluonError, type ErrorDetail } from '../../errors/index.js';
import { POLICY_ACTIONS, type ApiModel, type PolicyAction } from '../../model/index.js';
import { BASE_RULES, BINDING_ATTRIBUTE_CHECK, DEFAULT_RULE, PORT_BINDING_ATTRIBUTES } from './base-rules.js';
import type { CustomCheck, PolicyCheck, PolicyCredentials, PolicyTarget } from './checks.js';
import { evaluateCheck, type EvaluationScope } from './evaluate.js';
import { parseCheck, parseLegacyList, policySyntaxError } from './parse-check.js';
import { attributeRuleName, policyRuleName } from './rule-names.js';

/** Where an effective rule comes from: the base rules, a model, or the policy file. */
export type RuleSource = 'base' | 'model' | 'file';

/** A rule as written in a policy file: a check string, or the legacy list-of-lists form. */
export type PolicyRuleText = string | readonly (readonly string[])[];

/** One effective rule, as `gluon policy list` prints it. */
export interface EffectiveRule {
  /** Rule name (`context_is_admin`, `net-l3vpn:create_ports`, `net-l3vpn:update_ports:host_id`). */
  readonly name: string;
  /** The check string in force. */
  readonly check: string;
  /** Where it comes from (the last source wins: base < model < file). */
  readonly source: RuleSource;
}

/** Options of {@link PolicyEngine.create}. */
export interface PolicyEngineOptions {
  /** The APIs whose objects' `policies` become `<api>:<action>_<plural>` rules. */
  readonly models?: readonly ApiModel[];
  /** Rules from a policy file; they override base and model rules of the same name. */
  readonly overrides?: Readonly<Record<string, PolicyRuleText>>;
  /** Names the overrides' origin in errors (e.g. the policy file path). */
  readonly overridesOrigin?: string;
  /** Custom check kinds (`<kind>:<match>`), the analogue of oslo.policy's extension checks. */
  readonly customChecks?: Readonly<Record<string, CustomCheck>>;
}

interface CompiledRule extends EffectiveRule {
  readonly parsed: PolicyCheck;
}

const WRITE_ACTIONS: ReadonlySet<PolicyAction> = new Set(['create', 'update', 'delete']);

function legacyText(rule: readonly (readonly string[])[]): string {
  if (rule.length === 0) return '@';
  return rule.map((inner) => (inner.length === 1 ? inner[0] : `(${inner.join(' and ')})`)).join(' or ');
}

/**
 * An oslo.policy-compatible rule set: base rules, per-object rules generated from the
 * models, and operator overrides. Pure and synchronous; parse errors are reported at
 * construction (never silently fail closed at run time).
 *
 * Generated rules (for every API object and action): `<api>:<action>_<plural>` =
 * the model's check string; for create/update/delete it is ANDed with
 * `not rule:reader_only` (a reader may read, not write). For port-role objects, the
 * attribute rules `<api>:{create,update}_<plural>:{host_id,vif_type,vif_details,profile}`
 * = `rule:admin_or_service`.
 *
 * @example
 * ```ts
 * const policy = PolicyEngine.create({ models: registry.list() });
 * policy.enforce('net-l3vpn:get_ports', { tenant_id: 'p1' }, { roles: ['member'], project_id: 'p1', tenant_id: 'p1' }); // true
 * ```
 */
export class PolicyEngine {
  private readonly rules: ReadonlyMap<string, CompiledRule>;
  private readonly scope: EvaluationScope;
  private readonly customKinds: ReadonlySet<string>;
  /** Names in the overrides that are neither base rules nor generated rules (probably typos). */
  readonly unknownOverrides: readonly string[];

  private constructor(rules: Map<string, CompiledRule>, customChecks: ReadonlyMap<string, CustomCheck>, unknownOverrides: readonly string[]) {
    this.rules = rules;
    this.customKinds = new Set(customChecks.keys());
    this.scope = {
      resolveRule: (name) => (this.rules.get(name) ?? this.rules.get(DEFAULT_RULE))?.parsed,
      customChecks,
    };
    this.unknownOverrides = unknownOverrides;
  }

  /**
   * Builds the effective rules.
   * @throws GluonError `GLUON_ERR_POLICY_SYNTAX` naming every rule whose check string does not parse
   */
  static create(options: PolicyEngineOptions = {}): PolicyEngine {
    const customChecks = new Map(Object.entries(options.customChecks ?? {}));
    const kinds = new Set(customChecks.keys());
    const rules = new Map<string, CompiledRule>();
    const problems: ErrorDetail[] = [];
    const add = ({ name, check, source }: { name: string; check: string; source: RuleSource }, parsed: PolicyCheck = parseCheck(check, kinds)): void => {
      const error = policySyntaxError(parsed);
      if (error !== undefined) {
        const where = source === 'file' && options.overridesOrigin !== undefined ? ` in ${options.overridesOrigin}` : ` (${source} rule)`;
        problems.push({ field: name, rule: 'policySyntax', value: check, message: `rule "${name}"${where}: ${error}` });
      }
      rules.set(name, { name, check, source, parsed });
    };
    for (const [name, check] of Object.entries(BASE_RULES)) add({ name, check, source: 'base' });
    const generated = new Set<string>();
    for (const api of options.models ?? []) {
      for (const object of api.objects) {
        for (const action of POLICY_ACTIONS) {
          const name = policyRuleName(api, object, action);
          const own = object.policies[action] ?? `rule:${DEFAULT_RULE}`;
          generated.add(name);
          if (WRITE_ACTIONS.has(action)) {
            const ownParsed = parseCheck(own, kinds);
            const text = own.trim() === '' ? 'not rule:reader_only' : `(${own}) and not rule:reader_only`;
            add({ name, check: text, source: 'model' }, { kind: 'and', checks: [ownParsed, { kind: 'not', check: { kind: 'rule', match: 'reader_only' } }] });
          } else {
            add({ name, check: own, source: 'model' });
          }
        }
        if (object.role === 'port') {
          for (const attribute of PORT_BINDING_ATTRIBUTES) {
            if (!object.attributes.some((a) => a.name === attribute)) continue;
            for (const action of ['create', 'update'] as const) {
              const name = attributeRuleName(api, object, { action, attribute });
              generated.add(name);
              add({ name, check: BINDING_ATTRIBUTE_CHECK, source: 'model' });
            }
          }
        }
      }
    }
    const unknown: string[] = [];
    for (const [name, rule] of Object.entries(options.overrides ?? {})) {
      if (!Object.hasOwn(BASE_RULES, name) && !generated.has(name)) unknown.push(name);
      if (typeof rule === 'string') add({ name, check: rule, source: 'file' });
      else add({ name, check: legacyText(rule), source: 'file' }, parseLegacyList(rule, kinds));
    }
    if (problems.length > 0) {
      throw new GluonError('GLUON_ERR_POLICY_SYNTAX', `Invalid policy rule${problems.length > 1 ? 's' : ''}: ${problems.map((p) => p.message).join('; ')}`, { details: problems });
    }
    return new PolicyEngine(rules, customChecks, unknown);
  }

  /** The effective rules, sorted by name. */
  list(): EffectiveRule[] {
    return [...this.rules.values()].map(({ name, check, source }) => ({ name, check, source })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The effective rule of this name, if defined (unknown names fall back to `default` when enforced). */
  get(name: string): EffectiveRule | undefined {
    const rule = this.rules.get(name);
    return rule === undefined ? undefined : { name: rule.name, check: rule.check, source: rule.source };
  }

  /**
   * Evaluates the rule `name` (the `default` rule when there is no such rule; deny when
   * there is no `default` either) against a target and the caller's credentials.
   */
  enforce(name: string, target: PolicyTarget, creds: PolicyCredentials): boolean {
    const rule = this.rules.get(name) ?? this.rules.get(DEFAULT_RULE);
    return rule === undefined ? false : evaluateCheck(rule.parsed, { target, creds }, this.scope);
  }

  /** Evaluates a check string (not a rule name) with these rules (`rule:` references resolve here). */
  check(checkString: string, target: PolicyTarget, creds: PolicyCredentials): boolean {
    return evaluateCheck(parseCheck(checkString, this.customKinds), { target, creds }, this.scope);
  }
}
