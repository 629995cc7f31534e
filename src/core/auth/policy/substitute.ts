import type { PolicyTarget } from './checks.js';

/**
 * Python's `str()` of a JSON value, so comparisons match oslo.policy's
 * (`True`, `False`, `None`, `1`, `1.5`, strings as they are).
 */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return String(value);
  }
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

function pythonRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pythonStr(value);
}

/**
 * Looks a `%(key)s` key up in the target: the key **literally** first (keys may contain
 * `:` or `.`, as Neutron's `network:tenant_id`), then as a dotted path. `undefined`
 * when absent.
 */
export function lookupTarget(target: PolicyTarget, key: string): unknown {
  if (Object.hasOwn(target, key)) return target[key];
  if (!key.includes('.')) return undefined;
  let current: unknown = target;
  for (const segment of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const PATTERN = /%(?:\((.*?)\)s|%)/g;

/**
 * Python `%`-formats `match` with the target (`%(key)s`, `%%`). Returns `undefined`
 * when a key is missing — the check then fails (deny), as in oslo.policy.
 */
export function substitute(match: string, target: PolicyTarget): string | undefined {
  let missing = false;
  const text = match.replace(PATTERN, (whole, key: string | undefined) => {
    if (key === undefined) return '%';
    const value = lookupTarget(target, key);
    if (value === undefined) {
      missing = true;
      return whole;
    }
    return pythonStr(value);
  });
  return missing ? undefined : text;
}

/**
 * `ast.literal_eval` for the left side of a generic check: Python literals (numbers,
 * quoted strings, `True`, `False`, `None`) → their `str()`; anything else → undefined.
 */
export function literalText(lhs: string): string | undefined {
  if (lhs === 'True' || lhs === 'False' || lhs === 'None') return lhs;
  if (lhs.length >= 2 && ((lhs.startsWith("'") && lhs.endsWith("'")) || (lhs.startsWith('"') && lhs.endsWith('"')))) {
    return lhs.slice(1, -1);
  }
  if (/^[+-]?\d+$/.test(lhs)) return String(BigInt(lhs));
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?$/i.test(lhs)) {
    const n = Number(lhs);
    return Number.isInteger(n) ? `${n}.0` : String(n);
  }
  return undefined;
}
