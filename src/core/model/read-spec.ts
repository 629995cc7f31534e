import { isScalar, isSeq } from 'yaml';
import { POLICY_ACTIONS, type PolicyAction } from './types.js';
import { oneOf, type IssueList, type Loc } from './issues.js';
import { entriesOf, kindOf, locOf, scalarValue, sourceOf, toPlain, type Entry, type YamlFile } from './parse-yaml.js';
import type { AttributeProps, Located, RawApi, RawAttribute, RawFile, RawInfo, RawObject } from './spec-types.js';

/** Keys allowed at the top level of a model file. */
export const TOP_LEVEL_KEYS = ['file_version', 'imports', 'info', 'objects'] as const;
/** Keys allowed in `info`. */
export const INFO_KEYS = ['name', 'version', 'description', 'author', 'status', 'storage', 'deprecated_since'] as const;
/** Keys allowed in `info.author`. */
export const AUTHOR_KEYS = ['name', 'url', 'email'] as const;
/** Keys allowed in an object definition. */
export const OBJECT_KEYS = ['api', 'extends', 'attributes', 'policies', 'description', 'renamed_from', 'removed', 'unique', 'subnet'] as const;
/** Keys allowed in `api`. */
export const API_KEYS = ['name', 'plural_name', 'parent', 'parent_key'] as const;
/** Properties allowed in an attribute definition. */
export const ATTRIBUTE_KEYS = ['type', 'primary', 'required', 'length', 'format', 'min', 'max', 'values', 'description', 'renamed_from', 'default', 'allocate', 'family_from'] as const;

/** Reads one parsed model file into a {@link RawFile}, reporting every shape problem. */
export function readSpec(file: YamlFile, issues: IssueList): RawFile {
  const reader = new Reader(file, issues);
  return reader.readFile();
}

class Reader {
  constructor(
    private readonly file: YamlFile,
    private readonly issues: IssueList,
  ) {}

  readFile(): RawFile {
    const root = this.file.doc.contents;
    const rootLoc: Loc = { file: this.file.path, line: 1, column: 1, path: '(document)' };
    if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) {
      return { path: this.file.path, loc: rootLoc, objects: [], hasObjects: false };
    }
    const entries = entriesOf(this.file, { node: root, loc: locOf(this.file, root, '(document)'), what: 'a model file' }, this.issues);
    const out: {
      fileVersion?: Located<string>;
      imports?: Located<string>;
      info?: RawInfo;
      objects: RawObject[];
      hasObjects: boolean;
    } = { objects: [], hasObjects: entries === undefined };
    for (const entry of entries ?? []) {
      const path = entry.key;
      switch (entry.key) {
        case 'file_version': {
          const loc = this.at(entry.value, path);
          const v = scalarValue(entry.value);
          if (typeof v === 'string') out.fileVersion = { value: v, loc };
          else if (typeof v === 'number') out.fileVersion = { value: sourceOf(this.file, entry.value) ?? String(v), loc };
          else this.wrongType(entry.value, loc, { what: 'file_version', expected: 'a string ("1.0")', allowed: 'string' });
          break;
        }
        case 'imports': {
          const imports = this.str(entry, path);
          if (imports) out.imports = imports;
          break;
        }
        case 'info':
          out.info = this.readInfo(entry, path);
          break;
        case 'objects':
          out.hasObjects = true;
          out.objects = this.readObjects(entry, path);
          break;
        default:
          this.unknownKey(entry, path, { allowed: TOP_LEVEL_KEYS, where: 'the top level of a model file' });
      }
    }
    return { path: this.file.path, loc: rootLoc, ...out };
  }

  private readInfo(entry: Entry, path: string): RawInfo {
    const loc = this.keyAt(entry, path);
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: '`info`' }, this.issues);
    if (entries === undefined) return { loc, broken: true };
    const info: {
      name?: Located<string>;
      version?: Located<string>;
      description?: Located<string>;
      status?: Located<string>;
      storage?: Located<boolean>;
      deprecatedSince?: Located<string>;
    } = {};
    for (const e of entries) {
      const p = `${path}.${e.key}`;
      switch (e.key) {
        case 'name': {
          const v = this.str(e, p);
          if (v) info.name = v;
          break;
        }
        case 'version': {
          const at = this.at(e.value, p);
          const v = scalarValue(e.value);
          if (typeof v === 'string') info.version = { value: v, loc: at };
          else if (typeof v === 'number') info.version = { value: sourceOf(this.file, e.value) ?? String(v), loc: at };
          else this.wrongType(e.value, at, { what: 'info.version', expected: 'a string or number (e.g. 1.0)', allowed: 'string' });
          break;
        }
        case 'description': {
          const v = this.str(e, p);
          if (v) info.description = v;
          break;
        }
        case 'status': {
          const v = this.str(e, p);
          if (v) info.status = v;
          break;
        }
        case 'storage': {
          const v = this.bool(e, p);
          if (v) info.storage = v;
          break;
        }
        case 'deprecated_since': {
          const v = this.dateText(e, p);
          if (v) info.deprecatedSince = v;
          break;
        }
        case 'author': {
          const authorEntries = entriesOf(this.file, { node: e.value, loc: this.at(e.value, p), what: '`info.author`' }, this.issues);
          for (const a of authorEntries ?? []) {
            if ((AUTHOR_KEYS as readonly string[]).includes(a.key)) this.str(a, `${p}.${a.key}`);
            else this.unknownKey(a, `${p}.${a.key}`, { allowed: AUTHOR_KEYS, where: '`info.author`' });
          }
          break;
        }
        default:
          this.unknownKey(e, p, { allowed: INFO_KEYS, where: '`info`' });
      }
    }
    return { loc, broken: false, ...info };
  }

  private readObjects(entry: Entry, path: string): RawObject[] {
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: '`objects`' }, this.issues);
    const out: RawObject[] = [];
    for (const e of entries ?? []) out.push(this.readObject(e, `${path}.${e.key}`));
    return out;
  }

  private readObject(entry: Entry, path: string): RawObject {
    const loc = this.keyAt(entry, path);
    const what = `object ${entry.key}`;
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: `\`${what}\`` }, this.issues);
    const obj: {
      api?: RawApi;
      extends?: Located<string>;
      attributes: RawAttribute[];
      policies: Map<PolicyAction, Located<string>>;
      description?: Located<string>;
      renamedFrom?: Located<readonly string[]>;
      removed?: Located<readonly string[]>;
      unique?: Located<unknown>;
      subnet?: Located<unknown>;
    } = { attributes: [], policies: new Map() };
    for (const e of entries ?? []) {
      const p = `${path}.${e.key}`;
      switch (e.key) {
        case 'api':
          obj.api = this.readApi(e, p);
          break;
        case 'extends': {
          const v = this.str(e, p);
          if (v) obj.extends = v;
          break;
        }
        case 'attributes': {
          if (isScalar(e.value) && e.value.value === null) break; // `attributes:` left empty
          const attrs = entriesOf(this.file, { node: e.value, loc: this.at(e.value, p), what: `\`${what}.attributes\`` }, this.issues);
          for (const a of attrs ?? []) obj.attributes.push(this.readAttribute(a, `${p}.${a.key}`));
          break;
        }
        case 'policies':
          this.readPolicies(e, p, obj.policies);
          break;
        case 'removed': {
          const v = this.strList(e, p);
          if (v) obj.removed = v;
          break;
        }
        case 'description': {
          const v = this.str(e, p);
          if (v) obj.description = v;
          break;
        }
        case 'unique':
        case 'subnet':
          obj[e.key] = { value: toPlain(e.value), loc: this.at(e.value, p) };
          break;
        case 'renamed_from': {
          const v = this.names(e, p);
          if (v) obj.renamedFrom = v;
          break;
        }
        default:
          this.unknownKey(e, p, { allowed: OBJECT_KEYS, where: `\`${what}\`` });
      }
    }
    // An object mapping that is broken still counts as an API object if it said `api`.
    return { name: entry.key, loc, ...obj };
  }

  private readApi(entry: Entry, path: string): RawApi {
    const loc = this.keyAt(entry, path);
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: '`api`' }, this.issues);
    if (entries === undefined) return { loc, broken: true };
    const api: { name?: Located<string>; plural?: Located<string>; parent?: Located<string>; parentKey?: Located<string> } =
      {};
    for (const e of entries) {
      const p = `${path}.${e.key}`;
      const field = ({ name: 'name', plural_name: 'plural', parent: 'parent', parent_key: 'parentKey' } as const)[
        e.key as 'name'
      ] as 'name' | 'plural' | 'parent' | 'parentKey' | undefined;
      if (field === undefined) {
        this.unknownKey(e, p, { allowed: API_KEYS, where: '`api`' });
        continue;
      }
      const v = this.str(e, p);
      if (v) api[field] = v;
    }
    return { loc, broken: false, ...api };
  }

  private readAttribute(entry: Entry, path: string): RawAttribute {
    const loc = this.keyAt(entry, path);
    const props: AttributeProps = {};
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: `attribute \`${entry.key}\`` }, this.issues);
    for (const e of entries ?? []) {
      const p = `${path}.${e.key}`;
      switch (e.key) {
        case 'type':
        case 'format':
        case 'description': {
          const v = this.str(e, p);
          if (v) props[e.key] = v;
          break;
        }
        case 'primary':
        case 'required': {
          const v = this.bool(e, p);
          if (v) props[e.key] = v;
          break;
        }
        case 'length':
        case 'min':
        case 'max': {
          const v = this.num(e, p);
          if (v) props[e.key] = v;
          break;
        }
        case 'values': {
          const v = this.strList(e, p);
          if (v) props.values = v;
          break;
        }
        case 'renamed_from': {
          const v = this.names(e, p);
          if (v) props.renamedFrom = v;
          break;
        }
        case 'default': {
          const v = this.scalar(e, p);
          if (v) props.default = v;
          break;
        }
        case 'allocate':
          props.allocate = { value: toPlain(e.value), loc: this.at(e.value, p) };
          break;
        case 'family_from':
          props.familyFrom = { value: toPlain(e.value), loc: this.at(e.value, p) };
          break;
        default:
          this.unknownKey(e, p, { allowed: ATTRIBUTE_KEYS, where: `attribute \`${entry.key}\`` });
      }
    }
    return { name: entry.key, loc, props };
  }

  private readPolicies(entry: Entry, path: string, out: Map<PolicyAction, Located<string>>): void {
    const entries = entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: '`policies`' }, this.issues);
    for (const e of entries ?? []) {
      const p = `${path}.${e.key}`;
      if (!(POLICY_ACTIONS as readonly string[]).includes(e.key)) {
        this.issues.add('GLUON_ERR_MODEL_POLICY', this.keyAt(e, p), { rule: 'policy-action', message: `unknown policy action "${e.key}"; allowed actions: ${oneOf([...POLICY_ACTIONS])}`, value: e.key, allowed: POLICY_ACTIONS });
        continue;
      }
      const action = e.key as PolicyAction;
      const v = scalarValue(e.value);
      if (typeof v === 'string') {
        out.set(action, { value: v, loc: this.at(e.value, p) });
        continue;
      }
      const roleEntries = isScalar(e.value) ? undefined : this.policyMap(e, p);
      if (roleEntries === undefined) {
        this.issues.add('GLUON_ERR_MODEL_POLICY', this.at(e.value, p), { rule: 'policy-form', message: `policy "${action}" must be a check string ("rule:admin_or_owner") or {role: "<check string>"}, found ${kindOf(e.value)}`, value: toPlain(e.value), allowed: ['string', '{role: string}'] });
        continue;
      }
      let role: Located<string> | undefined;
      for (const r of roleEntries) {
        const rp = `${p}.${r.key}`;
        if (r.key !== 'role') {
          this.issues.add('GLUON_ERR_MODEL_POLICY', this.keyAt(r, rp), { rule: 'policy-key', message: `unknown key "${r.key}" in policy "${action}"; allowed: role`, value: r.key,
            allowed: ['role'] });
          continue;
        }
        const rv = scalarValue(r.value);
        if (typeof rv === 'string') role = { value: rv, loc: this.at(r.value, rp) };
        else
          this.issues.add('GLUON_ERR_MODEL_POLICY', this.at(r.value, rp), { rule: 'policy-role', message: `policy "${action}" role must be a check string, found ${kindOf(r.value)}`, value: toPlain(r.value), allowed: ['string'] });
      }
      if (role) out.set(action, role);
      else if (!roleEntries.some((r) => r.key === 'role'))
        this.issues.add('GLUON_ERR_MODEL_POLICY', this.keyAt(e, p), { rule: 'policy-role', message: `policy "${action}" has no \`role\``, allowed: ['role'] });
    }
  }

  private policyMap(entry: Entry, path: string): Entry[] | undefined {
    // entriesOf would report WRONG_TYPE; policies report their own code instead.
    if (isSeq(entry.value)) return undefined;
    return entriesOf(this.file, { node: entry.value, loc: this.at(entry.value, path), what: `policy "${entry.key}"` }, this.issues);
  }

  // ── typed scalars ───────────────────────────────────────────────────────

  private str(entry: Entry, path: string): Located<string> | undefined {
    const loc = this.at(entry.value, path);
    const v = scalarValue(entry.value);
    if (typeof v === 'string') return { value: v, loc };
    this.wrongType(entry.value, loc, { what: path, expected: 'a string', allowed: 'string' });
    return undefined;
  }

  private bool(entry: Entry, path: string): Located<boolean> | undefined {
    const loc = this.at(entry.value, path);
    const v = scalarValue(entry.value);
    if (typeof v === 'boolean') return { value: v, loc };
    this.wrongType(entry.value, loc, { what: path, expected: 'true or false', allowed: 'boolean' });
    return undefined;
  }

  /** A string, number or boolean (an attribute `default`). */
  private scalar(entry: Entry, path: string): Located<string | number | boolean> | undefined {
    const loc = this.at(entry.value, path);
    const v = scalarValue(entry.value);
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return { value: v, loc };
    this.wrongType(entry.value, loc, { what: path, expected: 'a string, number or boolean', allowed: 'scalar' });
    return undefined;
  }

  /** A date as text: YAML reads `2026-06-01` as a string here (the core schema has no timestamps). */
  private dateText(entry: Entry, path: string): Located<string> | undefined {
    const loc = this.at(entry.value, path);
    const v = scalarValue(entry.value);
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return { value: v, loc };
    this.wrongType(entry.value, loc, { what: path, expected: 'an ISO-8601 date ("2026-06-01")', allowed: 'date' });
    return undefined;
  }

  private num(entry: Entry, path: string): Located<number> | undefined {
    const loc = this.at(entry.value, path);
    const v = scalarValue(entry.value);
    if (typeof v === 'number' && Number.isFinite(v)) return { value: v, loc };
    this.wrongType(entry.value, loc, { what: path, expected: 'a number', allowed: 'number' });
    return undefined;
  }

  /** `renamed_from`: one former name or a list of them. */
  private names(entry: Entry, path: string): Located<readonly string[]> | undefined {
    if (isSeq(entry.value)) return this.strList(entry, path);
    const one = this.str(entry, path);
    return one === undefined ? undefined : { value: [one.value], loc: one.loc };
  }

  private strList(entry: Entry, path: string): Located<readonly string[]> | undefined {
    const loc = this.at(entry.value, path);
    if (!isSeq(entry.value)) {
      this.wrongType(entry.value, loc, { what: path, expected: 'a list of strings', allowed: 'list' });
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    entry.value.items.forEach((item, i) => {
      const v = scalarValue(item);
      if (typeof v === 'string') out.push(v);
      else {
        ok = false;
        this.wrongType(item, this.at(item, `${path}.${i}`), { what: `${path}.${i}`, expected: 'a string', allowed: 'string' });
      }
    });
    return ok ? { value: out, loc } : undefined;
  }

  // ── reporting helpers ───────────────────────────────────────────────────

  private wrongType(node: unknown, loc: Loc, expectation: { what: string; expected: string; allowed: string }): void {
    const { what, expected, allowed } = expectation;
    this.issues.add('GLUON_ERR_MODEL_WRONG_TYPE', loc, { rule: 'type', message: `\`${what.split('.').pop() ?? what}\` must be ${expected}, found ${kindOf(node)}`, value: toPlain(node),
      allowed: [allowed] });
  }

  private unknownKey(entry: Entry, path: string, known: { allowed: readonly string[]; where: string }): void {
    const { allowed, where } = known;
    this.issues.add('GLUON_ERR_MODEL_UNKNOWN_KEY', this.keyAt(entry, path), { rule: 'unknown-key', message: `unknown key "${entry.key}" in ${where}; allowed keys: ${oneOf([...allowed])}`, value: entry.key,
      allowed });
  }

  private at(node: unknown, path: string): Loc {
    return locOf(this.file, node, path);
  }

  private keyAt(entry: Entry, path: string): Loc {
    return locOf(this.file, entry.keyNode, path);
  }
}
