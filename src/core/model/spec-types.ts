import type { PolicyAction } from './types.js';
import type { Loc } from './issues.js';

/**
 * The spec as read from YAML, before inheritance and validation across objects:
 * every value is type-checked and carries where it was written.
 */

/** A value with the location it was written at. */
export interface Located<T> {
  readonly value: T;
  readonly loc: Loc;
}

/** The properties an attribute definition may set. */
export interface AttributeProps {
  type?: Located<string>;
  primary?: Located<boolean>;
  required?: Located<boolean>;
  length?: Located<number>;
  format?: Located<string>;
  min?: Located<number>;
  max?: Located<number>;
  values?: Located<readonly string[]>;
  description?: Located<string>;
  /** `renamed_from`: the attribute's former names (newest last), so a migration moves its data. */
  renamedFrom?: Located<readonly string[]>;
  /** Value used where none is given (see docs/models.md). */
  default?: Located<string | number | boolean>;
  /** `allocate:` as written (checked when the API is compiled). */
  allocate?: Located<unknown>;
  /** `family_from:` as written (checked when the API is compiled). */
  familyFrom?: Located<unknown>;
}

/** One attribute definition in one object. */
export interface RawAttribute {
  readonly name: string;
  /** Location of the attribute's name. */
  readonly loc: Loc;
  readonly props: AttributeProps;
}

/** The `api:` mapping of an object. */
export interface RawApi {
  readonly loc: Loc;
  /** True when `api` was not a mapping (already reported). */
  readonly broken: boolean;
  readonly name?: Located<string>;
  readonly plural?: Located<string>;
  readonly parent?: Located<string>;
  readonly parentKey?: Located<string>;
}

/** One object definition. */
export interface RawObject {
  readonly name: string;
  /** Location of the object's name. */
  readonly loc: Loc;
  readonly api?: RawApi;
  readonly extends?: Located<string>;
  readonly attributes: readonly RawAttribute[];
  readonly policies: ReadonlyMap<PolicyAction, Located<string>>;
  readonly description?: Located<string>;
  /** `renamed_from`: the object's former names, so a migration renames its table. */
  readonly renamedFrom?: Located<readonly string[]>;
  /** Storage-version attributes this (served) version does not show. */
  readonly removed?: Located<readonly string[]>;
  /** `unique:` as written (checked when the API is compiled). */
  readonly unique?: Located<unknown>;
  /** `subnet:` as written (checked when the API is compiled). */
  readonly subnet?: Located<unknown>;
}

/** The `info:` mapping. */
export interface RawInfo {
  readonly loc: Loc;
  readonly broken: boolean;
  readonly name?: Located<string>;
  readonly version?: Located<string>;
  readonly description?: Located<string>;
  /** Declared status: CURRENT, SUPPORTED or DEPRECATED. */
  readonly status?: Located<string>;
  /** True for the storage version of the API. */
  readonly storage?: Located<boolean>;
  /** When the version was deprecated (an ISO-8601 date or date-time). */
  readonly deprecatedSince?: Located<string>;
}

/** One model file, read. */
export interface RawFile {
  readonly path: string;
  /** Location of the document start. */
  readonly loc: Loc;
  /** `file_version`: the source text of the scalar (`1.0` stays `"1.0"`). */
  readonly fileVersion?: Located<string>;
  readonly imports?: Located<string>;
  readonly info?: RawInfo;
  readonly objects: readonly RawObject[];
  /** True when `objects` was present (even if broken). */
  readonly hasObjects: boolean;
}
