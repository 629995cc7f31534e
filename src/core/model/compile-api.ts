import { compileAddressing } from './addressing.js';
import {
  SCALAR_TYPES,
  VERSION_STATUSES,
  type ApiModel,
  type AttributeModel,
  type ObjectModel,
  type PolicyAction,
  type SourceLocation,
  type VersionStatus,
} from './types.js';
import { defaultProblem } from './attribute-default.js';
import { oneOf, show, type IssueList, type Loc } from './issues.js';
import { deriveRole } from './derive-role.js';
import { mergeAttributes, mergePolicies, resolveExtends } from './merge-objects.js';
import { validateAttribute, type AttributeContext, type AttributeDraft, type KeyType } from './validate-attribute.js';
import type { RawAttribute, RawFile, RawInfo, RawObject } from './spec-types.js';

/** The files that make one API: its own files, then the files they import. */
export interface ApiUnit {
  /** The API's own files (one per service directory file, or one flat file). */
  readonly members: readonly RawFile[];
  /** Files pulled in through `imports`, in the order first needed. */
  readonly imported: readonly RawFile[];
}

const OBJECT_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** The only `file_version` the spec language has. */
export const FILE_VERSION = '1.0';
/** Base objects that at most one API object may extend directly (original rule). */
const SINGLE_EXTENSION_BASES = ['BasePort', 'BaseInterface'] as const;

/**
 * Compiles one API (its files already read) into an {@link ApiModel}. Every problem is
 * added to `issues`; the returned model is only meaningful when no problem was added.
 */
export function compileApi(unit: ApiUnit, issues: IssueList): ApiModel | undefined {
  const files = [...unit.members, ...unit.imported];
  const first = unit.members[0];
  if (first === undefined) return undefined;

  // ── file_version ────────────────────────────────────────────────────────
  for (const file of files) {
    const fv = file.fileVersion;
    if (fv !== undefined && fv.value !== FILE_VERSION) {
      issues.add('GLUON_ERR_MODEL_BAD_VALUE', fv.loc, { rule: 'file-version', message: `unsupported file_version ${show(fv.value)}; allowed: "${FILE_VERSION}"`, value: fv.value,
        allowed: [FILE_VERSION] });
    }
  }
  if (!files.some((f) => f.fileVersion !== undefined)) {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', { ...first.loc, path: 'file_version' }, { rule: 'file-version-required', message: `missing file_version (write file_version: "${FILE_VERSION}")`, allowed: [FILE_VERSION] });
  }

  // ── info ────────────────────────────────────────────────────────────────
  const infos = unit.members.filter((f) => f.info !== undefined);
  const info = infos[0]?.info;
  for (const extra of infos.slice(1)) {
    if (extra.info) issues.add('GLUON_ERR_MODEL_DUPLICATE', extra.info.loc, { rule: 'info-unique', message: `a second \`info\` for one API (the first is in ${where(info?.loc)})` });
  }
  let name: string | undefined;
  let version: string | undefined;
  if (info === undefined) {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', { ...first.loc, path: 'info' }, { rule: 'info-required', message: 'no `info` defined (it needs at least name and version)', allowed: ['info'] });
  } else if (!info.broken) {
    if (info.name === undefined) issues.add('GLUON_ERR_MODEL_MISSING_KEY', info.loc, { rule: 'info-name', message: '`info` has no `name`', allowed: ['name'] });
    else if (!URL_NAME_RE.test(info.name.value))
      issues.add('GLUON_ERR_MODEL_BAD_VALUE', info.name.loc, { rule: 'api-name', message: `API name ${show(info.name.value)} must contain only letters, digits, _, . and - (it is a URL segment)`, value: info.name.value });
    else name = info.name.value;
    if (info.version === undefined) issues.add('GLUON_ERR_MODEL_MISSING_KEY', info.loc, { rule: 'info-version', message: '`info` has no `version` (e.g. version: 1.0)', allowed: ['version'] });
    else if (!URL_NAME_RE.test(info.version.value))
      issues.add('GLUON_ERR_MODEL_BAD_VALUE', info.version.loc, { rule: 'api-version', message: `version ${show(info.version.value)} must contain only letters, digits, _, . and - (it is a URL segment)`, value: info.version.value });
    else version = info.version.value;
  }

  // ── objects ─────────────────────────────────────────────────────────────
  const objects = new Map<string, RawObject>();
  for (const file of files) {
    for (const object of file.objects) {
      const prior = objects.get(object.name);
      if (prior !== undefined) {
        issues.add('GLUON_ERR_MODEL_DUPLICATE', object.loc, { rule: 'object-unique', message: `object ${object.name} is already defined at ${where(prior.loc)}`, value: object.name });
        continue;
      }
      if (!OBJECT_NAME_RE.test(object.name) || (SCALAR_TYPES as readonly string[]).includes(object.name)) {
        issues.add('GLUON_ERR_MODEL_BAD_VALUE', object.loc, { rule: 'object-name', message: `object name ${show(object.name)} must start with a letter or _, contain only letters, digits and _, and not be a scalar type name`, value: object.name });
      }
      objects.set(object.name, object);
    }
  }
  const apiRaw = [...objects.values()].filter((o) => o.api !== undefined);
  const apiNames = apiRaw.map((o) => o.name);
  const baseNames = [...objects.values()].filter((o) => o.api === undefined).map((o) => o.name);
  if (apiRaw.length === 0) {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', { ...first.loc, path: 'objects' }, { rule: 'api-objects-required', message: 'no API objects are defined (an object with an `api:` mapping)', allowed: ['objects'] });
  }

  const chains = resolveExtends(objects, issues);
  const merged = new Map<string, RawAttribute[]>();
  for (const object of objects.values()) merged.set(object.name, mergeAttributes(object, chains.get(object.name)?.chain ?? [], objects));

  // ── primary keys and key types (references need them) ──────────────────
  const primaryOf = (objectName: string): RawAttribute | undefined => merged.get(objectName)?.find((a) => a.props.primary?.value === true);
  const keyCache = new Map<string, KeyType | undefined>();
  const resolving = new Set<string>();
  const ctx: AttributeContext = {
    apiObjects: apiNames,
    baseObjects: baseNames,
    keyOf(objectName: string): KeyType | undefined {
      if (keyCache.has(objectName)) return keyCache.get(objectName);
      const pk = primaryOf(objectName);
      if (pk === undefined) return undefined;
      if (resolving.has(objectName)) {
        issues.add('GLUON_ERR_MODEL_CONSTRAINT', pk.props.type?.loc ?? pk.loc, { rule: 'key-reference-cycle', message: `the primary key of ${objectName} references an object whose key references back to ${objectName}`, value: pk.props.type?.value });
        return undefined;
      }
      resolving.add(objectName);
      const draft = validateAttribute(pk, ctx, issues);
      resolving.delete(objectName);
      const key: KeyType | undefined =
        draft === undefined
          ? undefined
          : {
              type: draft.type,
              ...(draft.length === undefined ? {} : { length: draft.length }),
              ...(draft.format === undefined ? {} : { format: draft.format }),
              ...(draft.min === undefined ? {} : { min: draft.min }),
              ...(draft.max === undefined ? {} : { max: draft.max }),
              ...(draft.values === undefined ? {} : { values: draft.values }),
            };
      keyCache.set(objectName, key);
      return key;
    },
  };

  // Base objects: validated for their own sake (their problems are reported once).
  for (const object of objects.values()) {
    if (object.api !== undefined) continue;
    for (const attr of merged.get(object.name) ?? []) validateAttribute(attr, ctx, issues);
  }

  // ── API objects ─────────────────────────────────────────────────────────
  const built: ObjectModel[] = [];
  for (const object of apiRaw) {
    const chain = chains.get(object.name) ?? { chain: [], ok: true };
    const attrs = merged.get(object.name) ?? [];
    const drafts: { raw: RawAttribute; draft: AttributeDraft }[] = [];
    for (const raw of attrs) {
      const draft = validateAttribute(raw, ctx, issues);
      if (draft) drafts.push({ raw, draft });
    }
    const primaries = attrs.filter((a) => a.props.primary?.value === true);
    const pk = primaries[0];
    if (attrs.length === 0 && chain.ok) {
      issues.add('GLUON_ERR_MODEL_MISSING_KEY', object.loc, { rule: 'attributes-required', message: `object ${object.name} has no attributes (own or inherited)`, allowed: ['attributes', 'extends'] });
    } else if (pk === undefined && chain.ok) {
      issues.add('GLUON_ERR_MODEL_PRIMARY_KEY', object.loc, { rule: 'primary-key', message: `object ${object.name} has no primary key; mark one attribute \`primary: true\` (attributes: ${oneOf(attrs.map((a) => a.name))})`, allowed: attrs.map((a) => a.name) });
    }
    const pkDraft = drafts.find((d) => d.raw === pk)?.draft;
    if (pk !== undefined && pkDraft !== undefined && (pkDraft.type === 'boolean' || pkDraft.type === 'number')) {
      issues.add('GLUON_ERR_MODEL_CONSTRAINT', pk.props.primary?.loc ?? pk.loc, { rule: 'primary-type', message: `primary key ${pk.name} of ${object.name} is of type ${pkDraft.type}; a key must be string, uuid, integer, enum or a reference`, value: pkDraft.type,
        allowed: ['string', 'uuid', 'integer', 'enum'] });
    }
    const attributes: AttributeModel[] = drafts.map(({ raw, draft }) => {
      const isPrimary = raw === pk;
      const natural = !isPrimary && raw.props.primary?.value === true;
      return { ...draft, primary: isPrimary, naturalKey: natural, required: draft.required || natural };
    });
    for (const { raw } of drafts) {
      const attribute = attributes.find((a) => a.name === raw.name);
      const problem = attribute === undefined ? undefined : defaultProblem(attribute);
      if (problem !== undefined) issues.add('GLUON_ERR_MODEL_BAD_VALUE', raw.props.default?.loc ?? raw.loc, { rule: 'default', message: problem, value: raw.props.default?.value });
    }
    const policies: Partial<Record<PolicyAction, string>> = {};
    for (const [action, rule] of mergePolicies(object, chain.chain, objects)) policies[action] = rule.value;

    const api = object.api;
    let apiName = object.name.toLowerCase();
    let plural = `${apiName}s`;
    let parent: string | undefined;
    let parentKey: string | undefined;
    if (api !== undefined && !api.broken) {
      if (api.name === undefined) issues.add('GLUON_ERR_MODEL_MISSING_KEY', api.loc, { rule: 'api-name', message: `\`api\` of ${object.name} has no \`name\``, allowed: ['name'] });
      else {
        apiName = api.name.value;
        if (!URL_NAME_RE.test(apiName))
          issues.add('GLUON_ERR_MODEL_BAD_VALUE', api.name.loc, { rule: 'api-name', message: `api name ${show(apiName)} must contain only letters, digits, _, . and -`, value: apiName });
        plural = `${apiName}s`;
      }
      if (api.plural !== undefined) {
        plural = api.plural.value;
        if (!URL_NAME_RE.test(plural))
          issues.add('GLUON_ERR_MODEL_BAD_VALUE', api.plural.loc, { rule: 'plural-name', message: `plural_name ${show(plural)} must contain only letters, digits, _, . and - (it is a URL segment)`, value: plural });
      }
      if (api.parent !== undefined) {
        if (apiNames.includes(api.parent.value)) parent = api.parent.value;
        else
          issues.add('GLUON_ERR_MODEL_UNKNOWN_REFERENCE', api.parent.loc, { rule: 'parent', message: `parent "${api.parent.value}" is not an API object; allowed: ${oneOf(apiNames)}`, value: api.parent.value,
            allowed: apiNames });
        if (api.parentKey === undefined)
          issues.add('GLUON_ERR_MODEL_MISSING_KEY', api.parent.loc, { rule: 'parent-key-required', message: `\`parent_key\` must be given with \`parent\` (the attribute of ${object.name} holding the parent's key)`, allowed: attrs.map((a) => a.name) });
      }
      if (api.parentKey !== undefined) {
        const pkAttr = attributes.find((a) => a.name === api.parentKey?.value);
        if (api.parent === undefined) {
          issues.add('GLUON_ERR_MODEL_MISSING_KEY', api.parentKey.loc, { rule: 'parent-required', message: '`parent_key` is given without `parent`', allowed: ['parent'] });
        } else if (!attrs.some((a) => a.name === api.parentKey?.value)) {
          issues.add('GLUON_ERR_MODEL_UNKNOWN_REFERENCE', api.parentKey.loc, { rule: 'parent-key', message: `parent_key "${api.parentKey.value}" is not an attribute of ${object.name}; allowed: ${oneOf(attrs.map((a) => a.name))}`, value: api.parentKey.value,
            allowed: attrs.map((a) => a.name) });
        } else if (parent !== undefined) {
          parentKey = api.parentKey.value;
          const parentKeyType = ctx.keyOf(parent);
          if (pkAttr !== undefined && parentKeyType !== undefined && (pkAttr.type !== parentKeyType.type || (pkAttr.reference !== undefined && pkAttr.reference !== parent))) {
            issues.add('GLUON_ERR_MODEL_CONSTRAINT', api.parentKey.loc, { rule: 'parent-key-type', message: `parent_key ${parentKey} is ${pkAttr.reference ?? pkAttr.type} but the key of parent ${parent} is ${parentKeyType.type}; use \`type: ${parent}\``, value: pkAttr.reference ?? pkAttr.type,
              allowed: [parent, parentKeyType.type] });
          }
        }
      }
    }

    built.push({
      name: object.name,
      api: { name: apiName, plural, ...(parent === undefined ? {} : { parent }), ...(parentKey === undefined ? {} : { parentKey }) },
      role: deriveRole(chain.chain),
      extendsChain: chain.chain,
      attributes,
      primaryKey: pk?.name ?? '',
      naturalKey: attributes.filter((a) => a.naturalKey).map((a) => a.name),
      policies,
      ...(object.description === undefined ? {} : { description: object.description.value }),
      ...checkRenames(object, { attributes, apiNames }, issues),
      source: { file: object.loc.file, line: object.loc.line ?? 1, column: object.loc.column ?? 1 },
      ...(object.removed === undefined ? {} : { removed: object.removed.value }),
    });
  }

  const addressed = compileAddressing({ built, raws: apiRaw, merged }, issues);
  checkUnique({ built, raws: apiRaw }, { key: (o) => o.api.plural, rule: 'plural-unique', label: 'plural_name', locOfRaw: (r) => r.api?.plural?.loc ?? r.api?.name?.loc ?? r.loc }, issues);
  checkUnique({ built, raws: apiRaw }, { key: (o) => o.api.name, rule: 'api-name-unique', label: 'api name', locOfRaw: (r) => r.api?.name?.loc ?? r.loc }, issues);
  checkParentCycles(built, apiRaw, issues);
  for (const base of SINGLE_EXTENSION_BASES) {
    const extenders = apiRaw.filter((o) => o.extends?.value === base);
    for (const extra of extenders.slice(1)) {
      issues.add('GLUON_ERR_MODEL_DUPLICATE', extra.extends?.loc ?? extra.loc, { rule: 'single-extension', message: `only one API object can extend ${base}; ${extenders[0]?.name ?? ''} already does`, value: extra.name });
    }
  }

  if (name === undefined || version === undefined) return undefined;
  return {
    name,
    version,
    versionId: `v${version}`,
    ...(info?.description === undefined ? {} : { description: info.description.value }),
    objects: addressed,
    files: files.map((f) => f.path),
    ...(info === undefined ? {} : versionInfo(info, issues)),
  };

}

/** The version facts of `info` (status, storage, deprecated_since), checked. */
function versionInfo(info: RawInfo, issues: IssueList): Pick<ApiModel, 'status' | 'storage' | 'deprecatedSince' | 'source'> {
  const out: { status?: VersionStatus; storage?: boolean; deprecatedSince?: string; source: SourceLocation } = {
    source: { file: info.loc.file, line: info.loc.line ?? 1, column: info.loc.column ?? 1 },
  };
  const status = info.status;
  if (status !== undefined) {
    if ((VERSION_STATUSES as readonly string[]).includes(status.value)) out.status = status.value as VersionStatus;
    else
      issues.add('GLUON_ERR_MODEL_BAD_VALUE', status.loc, { rule: 'status', message: `unknown status ${show(status.value)}; allowed: ${oneOf([...VERSION_STATUSES])}`, value: status.value,
        allowed: VERSION_STATUSES });
  }
  if (info.storage !== undefined) out.storage = info.storage.value;
  if (info.deprecatedSince !== undefined) {
    out.deprecatedSince = info.deprecatedSince.value;
    if (out.status !== 'DEPRECATED') {
      issues.add('GLUON_ERR_MODEL_CONSTRAINT', info.deprecatedSince.loc, { rule: 'deprecated-since', message: '`deprecated_since` is given but `status` is not DEPRECATED', value: info.deprecatedSince.value, allowed: ['DEPRECATED'] });
    }
  } else if (out.status === 'DEPRECATED' && status !== undefined) {
    issues.add('GLUON_ERR_MODEL_MISSING_KEY', status.loc, { rule: 'deprecated-since-required', message: 'a DEPRECATED version needs `deprecated_since: <date>` (the Deprecation header of its answers carries it)', allowed: ['deprecated_since'] });
  }
  return out;
}

function where(loc: Loc | undefined): string {
  if (loc === undefined) return 'another file';
  return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}:${loc.column ?? 1}`;
}

/** A name that must be unique among an API's objects: how to read it, the rule, its label in messages and where it is written. */
interface UniqueName {
  readonly key: (o: ObjectModel) => string;
  readonly rule: string;
  readonly label: string;
  readonly locOfRaw: (r: RawObject) => Loc;
}

function checkUnique(objects: { built: readonly ObjectModel[]; raws: readonly RawObject[] }, name: UniqueName, issues: IssueList): void {
  const { built, raws } = objects;
  const { key, rule, label, locOfRaw } = name;
  const seen = new Map<string, string>();
  for (const object of built) {
    const k = key(object);
    const prior = seen.get(k);
    const raw = raws.find((r) => r.name === object.name);
    if (prior !== undefined && raw !== undefined) {
      issues.add('GLUON_ERR_MODEL_DUPLICATE', locOfRaw(raw), { rule, message: `${label} "${k}" of ${object.name} is already used by ${prior} in this API`, value: k });
    } else seen.set(k, object.name);
  }
}

function checkParentCycles(built: readonly ObjectModel[], raws: readonly RawObject[], issues: IssueList): void {
  const parentOf = new Map(built.map((o) => [o.name, o.api.parent]));
  const reported = new Set<string>();
  for (const object of built) {
    const visited: string[] = [];
    let current: string | undefined = object.name;
    while (current !== undefined) {
      const at = visited.indexOf(current);
      if (at >= 0) {
        const members = visited.slice(at);
        const firstName = [...members].sort()[0] ?? current;
        if (!reported.has(firstName)) {
          reported.add(firstName);
          const start = members.indexOf(firstName);
          const ordered = [...members.slice(start), ...members.slice(0, start), firstName];
          const raw = raws.find((r) => r.name === firstName);
          issues.add('GLUON_ERR_MODEL_PARENT_CYCLE', raw?.api?.parent?.loc ?? raw?.loc ?? { file: '', path: 'objects' }, { rule: 'parent-cycle', message: `parent chain loops: ${ordered.join(' → ')}`, value: firstName });
        }
        break;
      }
      visited.push(current);
      current = parentOf.get(current);
    }
  }
}

/**
 * The object's checked `renamed_from`, after checking its attributes' ones: a former
 * name must not be the name of a current attribute (or object), which still has its own
 * column (table).
 */
function checkRenames(object: RawObject, known: { attributes: readonly AttributeModel[]; apiNames: readonly string[] }, issues: IssueList): { renamedFrom?: readonly string[] } {
  const { attributes, apiNames } = known;
  const current = new Set(attributes.map((a) => a.name));
  for (const attr of attributes) {
    for (const old of attr.renamedFrom ?? []) {
      if (!current.has(old)) continue;
      const raw = object.attributes.find((a) => a.name === attr.name);
      issues.add('GLUON_ERR_MODEL_CONSTRAINT', raw?.props.renamedFrom?.loc ?? raw?.loc ?? object.loc, { rule: 'renamed-from', message: `renamed_from "${old}" of ${object.name}.${attr.name} is still an attribute of ${object.name}; remove one of them`, value: old });
    }
  }
  const given = object.renamedFrom;
  if (given === undefined) return {};
  const names: string[] = [];
  for (const name of given.value) {
    if (name === object.name || apiNames.includes(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      issues.add('GLUON_ERR_MODEL_CONSTRAINT', given.loc, { rule: 'renamed-from', message: `renamed_from "${name}" of object ${object.name} must be a former object name, not a current one`, value: name });
    } else if (!names.includes(name)) names.push(name);
  }
  return names.length === 0 ? {} : { renamedFrom: names };
}
