import { parse as parseYaml } from 'yaml';
import { GluonError } from '../../errors/index.js';
import type { PolicyRuleText } from './policy-engine.js';

function authConfigError(path: string, message: string, value?: unknown): GluonError {
  return new GluonError('GLUON_ERR_AUTH_CONFIG', `Policy file ${path}: ${message}`, {
    details: [{ field: path, rule: 'policyFile', ...(value === undefined ? {} : { value }), message }],
  });
}

/**
 * Parses the text of a policy file: a YAML or JSON mapping of rule name → check string
 * (or the legacy list-of-lists form). Pure: the caller reads the file.
 *
 * @throws GluonError `GLUON_ERR_AUTH_CONFIG` when the text is not such a mapping
 * @example
 * ```ts
 * parsePolicyFile('"net-l3vpn:list_ports": "rule:admin_or_owner"\n', 'policy.yaml');
 * ```
 */
export function parsePolicyFile(text: string, path: string): Record<string, PolicyRuleText> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw authConfigError(path, `not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw authConfigError(path, 'must be a mapping of rule name to check string, e.g. {"net-l3vpn:list_ports": "rule:admin_or_owner"}', document);
  }
  const rules: Record<string, PolicyRuleText> = {};
  for (const [name, value] of Object.entries(document as Record<string, unknown>)) {
    if (typeof value === 'string') {
      rules[name] = value;
    } else if (Array.isArray(value) && value.every((inner) => Array.isArray(inner) && inner.every((c) => typeof c === 'string'))) {
      rules[name] = value as string[][];
    } else {
      throw authConfigError(path, `rule "${name}" must be a check string (or a list of lists of check strings), got ${JSON.stringify(value)}`, value);
    }
  }
  return rules;
}
