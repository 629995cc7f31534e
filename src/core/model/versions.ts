import { ModelError } from '../errors/index.js';
import type { ApiModel, AttributeModel, ObjectModel, SourceLocation, VersionStatus } from './types.js';
import { IssueList, oneOf, type IssueProblem, type Loc } from './issues.js';
import { compareVersions } from './compare-versions.js';

/**
 * Several served versions of one API over one storage (Kubernetes' model: one storage
 * version per resource, several served versions, declared conversions). A served version
 * differs from the storage version only by what it declares: attributes it adds (stored
 * as extra columns of the storage table, read as their `default` where storage holds
 * none), attributes it hides (`removed:`), attributes it renames (`renamed_from:`).
 * Anything else is a located model error (`GLUON_ERR_MODEL_VERSION_CONVERSION`).
 * A version may serve fewer objects, or objects no other version has (stored in tables
 * named after the storage version, like the rest).
 */

/** How one object of a served version maps onto its storage object. */
export interface ObjectConversion {
  /** The object as this version serves it. */
  readonly served: ObjectModel;
  /** The object as the store holds it (storage version, plus attributes other versions add). */
  readonly storage: ObjectModel;
  /** Served attribute name → storage attribute name, for every served attribute. */
  readonly storageNames: ReadonlyMap<string, string>;
  /** Attributes this version adds to the storage version: read as their default where storage holds null. */
  readonly added: readonly AttributeModel[];
  /** Storage attributes this version does not show whose default a create through it stores. */
  readonly hiddenDefaults: readonly { readonly name: string; readonly value: string | number | boolean }[];
  /** True when served and storage objects are the same and no default is declared: nothing to convert. */
  readonly identity: boolean;
}

/** One served version of an API. */
export interface ServedVersion {
  /** The version as compiled from its files. */
  readonly api: ApiModel;
  /** Declared, or derived: the newest version without a declared status is CURRENT, others SUPPORTED. */
  readonly status: VersionStatus;
  /** Conversions by object name. */
  readonly objects: ReadonlyMap<string, ObjectConversion>;
}

/** Every served version of one API and its one storage. */
export interface ApiVersions {
  /** `info.name`. */
  readonly name: string;
  /**
   * The model the store is given: the storage version's objects with the attributes other
   * versions add appended (optional columns). Its tables keep today's name,
   * `<api>_<storage versionId>_<object>`. The storage version itself when nothing is added.
   */
  readonly storage: ApiModel;
  /** The served version chosen as storage version (`info.storage: true`, else the lowest version). */
  readonly storageVersion: ApiModel;
  /** The served versions in ascending version order. */
  readonly served: readonly ServedVersion[];
}

/**
 * Groups compiled models by API name and resolves each API's storage version, statuses
 * and conversions. Pure and synchronous.
 * @throws ModelError listing every version problem, each located in its model file.
 */
export function resolveVersions(models: readonly ApiModel[]): readonly ApiVersions[] {
  const issues = new IssueList();
  const out = planVersions(models, issues);
  if (issues.size > 0) throw new ModelError(issues.sorted());
  return out;
}

/** Adds every version problem of `models` to `issues` (what `gluon models check` reports). @internal */
export function checkVersions(models: readonly ApiModel[], issues: IssueList): void {
  planVersions(models, issues);
}

function planVersions(models: readonly ApiModel[], issues: IssueList): ApiVersions[] {
  const groups = new Map<string, ApiModel[]>();
  for (const model of models) groups.set(model.name, [...(groups.get(model.name) ?? []), model]);
  return [...groups.entries()].map(([name, group]) => planApi(name, [...group].sort((a, b) => compareVersions(a.version, b.version)), issues));
}

function planApi(name: string, versions: readonly ApiModel[], issues: IssueList): ApiVersions {
  const storageVersion = chooseStorage(versions, issues);
  const statuses = chooseStatuses(versions, issues);
  const bases = storageObjects(storageVersion, versions);
  const plans = versions.map((api) => ({ api, objects: compareVersion(api, { storage: storageVersion, bases }, issues) }));
  const extras = collectExtras(plans, storageVersion, issues);
  const storage = extras.size === 0 && bases.length === storageVersion.objects.length ? storageVersion : withExtras(storageVersion, bases, extras);
  const served = plans.map(({ api, objects }, i) => ({
    api,
    status: statuses[i] ?? 'SUPPORTED',
    objects: new Map(objects.map((plan) => [plan.served.name, finishPlan(plan, storage, extras)])),
  }));
  return { name, storage, storageVersion, served };
}

/**
 * The objects the storage holds: the storage version's, then each object only other
 * versions define, as the lowest version defining it has it.
 */
function storageObjects(storageVersion: ApiModel, versions: readonly ApiModel[]): ObjectModel[] {
  const out = [...storageVersion.objects];
  for (const api of versions) for (const object of api.objects) if (!out.some((o) => o.name === object.name)) out.push(object);
  return out;
}

// ── storage version and statuses ────────────────────────────────────────────

function chooseStorage(versions: readonly ApiModel[], issues: IssueList): ApiModel {
  const declared = versions.filter((api) => api.storage === true);
  for (const extra of declared.slice(1)) {
    issues.add('GLUON_ERR_MODEL_VERSION_CONVERSION', infoLoc(extra, 'info.storage'), { rule: 'one-storage-version', message: `API ${extra.name} declares more than one storage version (${declared.map((a) => a.versionId).join(', ')}); keep \`storage: true\` on one`, value: extra.versionId,
      allowed: [declared[0]?.versionId] });
  }
  const chosen = declared[0] ?? versions[0];
  if (chosen === undefined) throw new Error('an API group has at least one version');
  return chosen;
}

function chooseStatuses(versions: readonly ApiModel[], issues: IssueList): VersionStatus[] {
  const current = versions.filter((api) => api.status === 'CURRENT');
  for (const extra of current.slice(1)) {
    issues.add('GLUON_ERR_MODEL_VERSION_CONVERSION', infoLoc(extra, 'info.status'), { rule: 'one-current-version', message: `API ${extra.name} declares more than one CURRENT version (${current.map((a) => a.versionId).join(', ')})`, value: extra.versionId });
  }
  const undeclared = versions.filter((api) => api.status === undefined);
  const newest = current.length === 0 ? undeclared[undeclared.length - 1] : undefined;
  return versions.map((api) => api.status ?? (api === newest ? 'CURRENT' : 'SUPPORTED'));
}

// ── conversions ─────────────────────────────────────────────────────────────

interface ObjectPlan {
  readonly served: ObjectModel;
  /** The storage version's object (before extras). */
  readonly base: ObjectModel;
  readonly storageNames: Map<string, string>;
  readonly added: AttributeModel[];
  readonly hidden: string[];
}

function identityPlan(object: ObjectModel): ObjectPlan {
  return { served: object, base: object, storageNames: new Map(object.attributes.map((a) => [a.name, a.name])), added: [], hidden: [] };
}

function compareVersion(api: ApiModel, against: { storage: ApiModel; bases: readonly ObjectModel[] }, issues: IssueList): ObjectPlan[] {
  const { storage, bases } = against;
  return api.objects.map((object) => {
    const base = bases.find((o) => o.name === object.name) ?? object;
    return base === object ? identityPlan(object) : compareObject({ api, object }, { storage, base }, issues);
  });
}

function compareObject(served: { api: ApiModel; object: ObjectModel }, against: { storage: ApiModel; base: ObjectModel }, issues: IssueList): ObjectPlan {
  const { api, object } = served;
  const { storage, base } = against;
  const where = `${object.name} in ${api.name} ${api.versionId}`;
  const fail = (loc: Loc, problem: IssueProblem): void => issues.add('GLUON_ERR_MODEL_VERSION_CONVERSION', loc, problem);
  const storageNames = new Map<string, string>();
  const added: AttributeModel[] = [];
  const mappedTo = new Map<string, string>();
  const baseNames = base.attributes.map((a) => a.name);

  for (const attr of object.attributes) {
    const loc = attributeLoc(object, attr);
    const formerNames = attr.renamedFrom ?? [];
    const storageName = formerNames.find((old) => baseNames.includes(old)) ?? attr.name;
    const target = base.attributes.find((a) => a.name === storageName);
    if (formerNames.length > 0 && target === undefined) {
      const given = formerNames.join('", "');
      fail(loc, { rule: 'renamed-from', message: `renamed_from "${given}" of ${attr.name} (${where}) names no attribute of ${object.name} in the storage version ${storage.versionId}; allowed: ${oneOf(baseNames)}`, value: formerNames.length === 1 ? formerNames[0] : formerNames, allowed: baseNames });
      continue;
    }
    const prior = mappedTo.get(storageName);
    if (prior !== undefined) {
      fail(loc, { rule: 'one-served-name', message: `${attr.name} and ${prior} (${where}) both stand for ${storageName} of the storage version; rename one`, value: attr.name });
      continue;
    }
    mappedTo.set(storageName, attr.name);
    storageNames.set(attr.name, storageName);
    if (target === undefined) {
      if (attr.primary || attr.naturalKey) fail(loc, { rule: 'added-key', message: `${attr.name} (${where}) is a key but the storage version ${storage.versionId} has no such attribute; a version cannot add a key`, value: attr.name });
      else if (attr.required && attr.default === undefined)
        fail(loc, { rule: 'added-default', message: `${attr.name} (${where}) is required but the storage version ${storage.versionId} has no such attribute; give it a \`default:\` (objects written through other versions read as it) or make it optional`, value: attr.name });
      added.push(attr);
      continue;
    }
    const differences = facetDifferences(attr, target);
    if (differences.length > 0) {
      fail(loc, { rule: 'same-definition', message: `${attr.name} (${where}) differs from ${storageName} of the storage version ${storage.versionId} in ${differences.join(', ')}; a version may only add, remove or rename attributes`, value: attr.name });
    }
  }

  const servedKey = storageNames.get(object.primaryKey) ?? object.primaryKey;
  if (servedKey !== base.primaryKey) {
    fail(objectLoc(object, ''), { rule: 'same-key', message: `the primary key of ${where} is ${object.primaryKey}, of the storage version ${storage.versionId} ${base.primaryKey}; keys cannot differ between versions`, value: object.primaryKey, allowed: [base.primaryKey] });
  }
  if (object.api.parent !== base.api.parent || (object.api.parentKey === undefined ? undefined : storageNames.get(object.api.parentKey)) !== base.api.parentKey) {
    fail(objectLoc(object, '.api'), { rule: 'same-parent', message: `the parent of ${where} (${object.api.parent ?? 'none'}) differs from the storage version's (${base.api.parent ?? 'none'}, key ${base.api.parentKey ?? 'none'})`, value: object.api.parent ?? null, allowed: [base.api.parent ?? null] });
  }
  if (object.role !== base.role) {
    fail(objectLoc(object, '.extends'), { rule: 'same-role', message: `${where} is a ${object.role} object, in the storage version ${storage.versionId} a ${base.role}; \`extends\` cannot change between versions`, value: object.role, allowed: [base.role] });
  }

  const removed = object.removed ?? [];
  for (const name of removed) {
    const target = base.attributes.find((a) => a.name === name);
    const loc = objectLoc(object, '.removed');
    if (target === undefined) fail(loc, { rule: 'removed-exists', message: `removed "${name}" (${where}) is not an attribute of ${object.name} in the storage version ${storage.versionId}; allowed: ${oneOf(baseNames)}`, value: name, allowed: baseNames });
    else if (mappedTo.has(name)) fail(loc, { rule: 'removed-hidden', message: `removed "${name}" (${where}) is also served (as ${mappedTo.get(name) ?? name}); remove it from one of the two`, value: name });
    else if (target.primary || target.naturalKey) fail(loc, { rule: 'removed-key', message: `removed "${name}" (${where}) is a key of the storage version; keys cannot be hidden`, value: name });
    else if (target.required && target.default === undefined)
      fail(loc, { rule: 'removed-default', message: `removed "${name}" (${where}) is required in the storage version ${storage.versionId} without a \`default:\`; creates through ${api.versionId} could not set it`, value: name });
  }
  const hidden = baseNames.filter((name) => !mappedTo.has(name));
  for (const name of hidden) {
    if (!removed.includes(name)) {
      fail(objectLoc(object, ''), { rule: 'removed-declared', message: `${where} does not serve ${name} of the storage version ${storage.versionId}; declare \`removed: [${name}]\`, serve it, or rename an attribute with \`renamed_from: ${name}\``, value: name });
    }
  }
  return { served: object, base, storageNames, added, hidden };
}

/** The facets of two attributes that differ (default and description may). */
function facetDifferences(a: AttributeModel, b: AttributeModel): string[] {
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const facets = ['type', 'reference', 'length', 'format', 'min', 'max', 'values', 'required', 'primary', 'naturalKey'] as const;
  return facets.filter((facet) => !same(a[facet], b[facet]));
}

/** Attributes added by served versions, by storage object, checked to agree across versions. */
function collectExtras(plans: readonly { api: ApiModel; objects: readonly ObjectPlan[] }[], storage: ApiModel, issues: IssueList): Map<string, AttributeModel[]> {
  const extras = new Map<string, AttributeModel[]>();
  for (const { api, objects } of plans) {
    for (const plan of objects) {
      const list = extras.get(plan.base.name) ?? [];
      for (const attr of plan.added) {
        const prior = list.find((a) => a.name === attr.name);
        if (prior === undefined) {
          list.push(attr);
          continue;
        }
        const differences = facetDifferences(attr, prior);
        if (differences.length > 0) {
          issues.add('GLUON_ERR_MODEL_VERSION_CONVERSION', attributeLoc(plan.served, attr), { rule: 'added-agree', message: `${attr.name} of ${plan.served.name} in ${api.name} ${api.versionId} differs from the ${attr.name} another version adds (at ${sourceText(prior.source)}) in ${differences.join(', ')}; both are one column of the storage version ${storage.versionId}`, value: attr.name });
        }
      }
      if (list.length > 0) extras.set(plan.base.name, list);
    }
  }
  return extras;
}

/** The storage model: the storage objects, every attribute a version adds appended as an optional attribute. */
function withExtras(storageVersion: ApiModel, bases: readonly ObjectModel[], extras: ReadonlyMap<string, readonly AttributeModel[]>): ApiModel {
  const objects = bases.map((object) => {
    const more = extras.get(object.name);
    if (more === undefined) return object;
    const appended = more.map((attr) => {
      const { default: _default, renamedFrom: _renamed, ...rest } = attr;
      return { ...rest, required: false };
    });
    return { ...object, attributes: [...object.attributes, ...appended] };
  });
  return { ...storageVersion, objects };
}

/**
 * The conversion of one served object. A create through it stores the default of every
 * storage attribute it does not show: hidden ones with a default in the storage version,
 * and attributes other versions add with their default there.
 */
function finishPlan(plan: ObjectPlan, storage: ApiModel, extras: ReadonlyMap<string, readonly AttributeModel[]>): ObjectConversion {
  const object = storage.objects.find((o) => o.name === plan.base.name) ?? plan.base;
  const shown = new Set(plan.storageNames.values());
  const unshown = [...plan.base.attributes.filter((a) => plan.hidden.includes(a.name)), ...(extras.get(plan.base.name) ?? []).filter((a) => !shown.has(a.name))];
  const hiddenDefaults = unshown.flatMap((attr) => (attr.default === undefined ? [] : [{ name: attr.name, value: attr.default }]));
  const identity = object === plan.served && !plan.served.attributes.some((a) => a.default !== undefined);
  return { served: plan.served, storage: object, storageNames: plan.storageNames, added: plan.added, hiddenDefaults, identity };
}

// ── locations ───────────────────────────────────────────────────────────────

function fromSource(source: SourceLocation | undefined, path: string, fallbackFile: string): Loc {
  return source === undefined ? { file: fallbackFile, path } : { file: source.file, line: source.line, column: source.column, path };
}

function infoLoc(api: ApiModel, path: string): Loc {
  return fromSource(api.source, path, api.files[0] ?? api.name);
}

function objectLoc(object: ObjectModel, suffix: string): Loc {
  return fromSource(object.source, `objects.${object.name}${suffix}`, object.name);
}

function attributeLoc(object: ObjectModel, attr: AttributeModel): Loc {
  return fromSource(attr.source, `objects.${object.name}.attributes.${attr.name}`, object.name);
}

function sourceText(source: SourceLocation | undefined): string {
  return source === undefined ? 'another file' : `${source.file}:${source.line}:${source.column}`;
}
