import type { PolicyCheck } from './checks.js';

/** Check kinds handled by the engine itself; every other `kind:` is a generic check. */
const BUILT_IN_KINDS = new Set(['rule', 'role']);

type Token =
  | { readonly type: '(' | ')' | 'and' | 'or' | 'not' }
  | { readonly type: 'string'; readonly text: string }
  | { readonly type: 'check'; readonly check: PolicyCheck };

/** Parses one `kind:match` check (no operators), as oslo.policy's `_parse_check`. */
function parseSingle(text: string, customKinds: ReadonlySet<string>): PolicyCheck {
  if (text === '!') return { kind: 'false' };
  if (text === '@') return { kind: 'true' };
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'false', error: `check "${text}" has no ":" (expected kind:match, @ or !)` };
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (customKinds.has(kind)) return { kind: 'custom', name: kind, match };
  if (BUILT_IN_KINDS.has(kind)) return kind === 'rule' ? { kind: 'rule', match } : { kind: 'role', match };
  return { kind: 'generic', lhs: kind, match };
}

/** A port of oslo.policy's `_parse_tokenize`: split on whitespace, peel parentheses off token edges. */
function tokenize(rule: string, customKinds: ReadonlySet<string>): Token[] {
  const tokens: Token[] = [];
  for (const raw of rule.split(/\s+/)) {
    if (raw === '') continue;
    let tok = raw;
    const clean = tok.replace(/^\(+/, '');
    for (let i = 0; i < tok.length - clean.length; i++) tokens.push({ type: '(' });
    if (clean === '') continue;
    tok = clean;
    const body = tok.replace(/\)+$/, '');
    const trail = tok.length - body.length;
    const lowered = body.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      tokens.push({ type: lowered });
    } else if (body !== '') {
      const quoted = tok.length >= 2 && ((tok.startsWith('"') && tok.endsWith('"')) || (tok.startsWith("'") && tok.endsWith("'")));
      if (quoted) tokens.push({ type: 'string', text: tok.slice(1, -1) });
      else tokens.push({ type: 'check', check: parseSingle(body, customKinds) });
    }
    for (let i = 0; i < trail; i++) tokens.push({ type: ')' });
  }
  return tokens;
}

class SyntaxProblem extends Error {}

/**
 * Precedence parser with oslo.policy's precedence: `( )` > `not` > `and` > `or`.
 * Same trees as oslo's shift-reduce parser for every string that parser accepts.
 */
class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): PolicyCheck {
    const check = this.parseOr();
    if (this.pos < this.tokens.length) throw new SyntaxProblem(`unexpected "${describe(this.tokens[this.pos])}"`);
    return check;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private parseOr(): PolicyCheck {
    const checks = [this.parseAnd()];
    while (this.peek()?.type === 'or') {
      this.pos++;
      checks.push(this.parseAnd());
    }
    return checks.length === 1 ? (checks[0] as PolicyCheck) : { kind: 'or', checks };
  }

  private parseAnd(): PolicyCheck {
    const checks = [this.parseNot()];
    while (this.peek()?.type === 'and') {
      this.pos++;
      checks.push(this.parseNot());
    }
    return checks.length === 1 ? (checks[0] as PolicyCheck) : { kind: 'and', checks };
  }

  private parseNot(): PolicyCheck {
    const token = this.peek();
    if (token?.type === 'not') {
      this.pos++;
      return { kind: 'not', check: this.parseNot() };
    }
    return this.parseAtom();
  }

  private parseAtom(): PolicyCheck {
    const token = this.peek();
    if (token === undefined) throw new SyntaxProblem('the expression ends too early');
    this.pos++;
    if (token.type === 'check') return token.check;
    if (token.type === '(') {
      const inner = this.parseOr();
      if (this.peek()?.type !== ')') throw new SyntaxProblem('a "(" is not closed');
      this.pos++;
      return inner;
    }
    throw new SyntaxProblem(`unexpected "${describe(token)}"`);
  }
}

function describe(token: Token | undefined): string {
  if (token === undefined) return 'end';
  if (token.type === 'string') return `'${token.text}'`;
  if (token.type === 'check') return 'check';
  return token.type;
}

/**
 * Parses an oslo.policy check string. An empty string means "always" (`@`). Like
 * oslo.policy, a string that does not parse **fails closed**: the result is a `false`
 * check whose `error` says why (use {@link policySyntaxError} to report it).
 *
 * @param customKinds check kinds registered with the engine (`kind:match` → custom)
 * @example
 * ```ts
 * parseCheck('role:admin or (project_id:%(project_id)s and role:member)');
 * ```
 */
export function parseCheck(rule: string, customKinds: ReadonlySet<string> = new Set()): PolicyCheck {
  if (rule.trim() === '') return { kind: 'true' };
  const tokens = tokenize(rule, customKinds);
  try {
    return new Parser(tokens).parse();
  } catch (err) {
    if (err instanceof SyntaxProblem) return { kind: 'false', error: err.message };
    throw err;
  }
}

/**
 * Converts the legacy list-of-lists form (`[["role:a"], ["b:%(b)s", "role:c"]]`: outer
 * OR, inner AND of single checks) to a check; `[]` means "always".
 */
export function parseLegacyList(rule: readonly (readonly string[])[], customKinds: ReadonlySet<string> = new Set()): PolicyCheck {
  if (rule.length === 0) return { kind: 'true' };
  const ors: PolicyCheck[] = rule.map((inner) => {
    const ands = inner.map((text) => parseSingle(text, customKinds));
    return ands.length === 1 ? (ands[0] as PolicyCheck) : { kind: 'and', checks: ands };
  });
  return ors.length === 1 ? (ors[0] as PolicyCheck) : { kind: 'or', checks: ors };
}

/** The first syntax problem inside a parsed check, if any (parse failures fail closed). */
export function policySyntaxError(check: PolicyCheck): string | undefined {
  switch (check.kind) {
    case 'false':
      return check.error;
    case 'not':
      return policySyntaxError(check.check);
    case 'and':
    case 'or':
      for (const inner of check.checks) {
        const error = policySyntaxError(inner);
        if (error !== undefined) return error;
      }
      return undefined;
    default:
      return undefined;
  }
}
