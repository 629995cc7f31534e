import type { ErrorDetail } from '../errors/index.js';

/** What the import did (or, with `dryRun`, would do) with one object. */
export type ImportAction = 'create' | 'update' | 'unchanged';

/** One object of our store the import created, updated or found equal. */
export interface ImportedObject {
  /** API name, e.g. `net-l3vpn`. */
  readonly api: string;
  /** The API version the object was written through, e.g. `1.0`. */
  readonly version: string;
  /** Object name, e.g. `Port`. */
  readonly object: string;
  /** Its primary key. */
  readonly key: string;
  readonly action: ImportAction;
  /** For `update`: the attributes whose values differed. */
  readonly changed?: readonly string[];
}

/** A row the original accepted that our validation (or our store) refuses; it was not imported. */
export interface RefusedRow {
  readonly api: string;
  readonly object: string;
  /** The original's table, e.g. `net_l3vpn__port`. */
  readonly table: string;
  /** The row's primary key, or null when the original stored none. */
  readonly key: string | null;
  /** When `key` is null: the row's natural-key columns (to find it in the original), if the object has any. */
  readonly naturalKey?: Readonly<Record<string, unknown>>;
  /** Every problem found: field, rule, value received and a message. */
  readonly details: readonly ErrorDetail[];
}

/** An object our store added that the original does not have (e.g. a port's default interface the original failed to write). */
export interface AddedObject {
  readonly api: string;
  readonly object: string;
  readonly key: string;
  readonly reason: string;
}

/** Counts of an {@link ImportReport}. */
export interface ImportCounts {
  readonly read: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly refused: number;
}

/** Everything `importGluon` did, in the order it did it. */
export interface ImportReport {
  /** The source URL (password hidden). */
  readonly source: string;
  readonly dryRun: boolean;
  /** The APIs imported, each at the version written through. */
  readonly apis: readonly { readonly name: string; readonly version: string }[];
  readonly counts: ImportCounts;
  /** One entry per original row accepted, in import order. */
  readonly objects: readonly ImportedObject[];
  /** One entry per original row refused. */
  readonly refused: readonly RefusedRow[];
  /** Objects our store made that the original lacks. */
  readonly added: readonly AddedObject[];
  /** Objects of the loaded models that have no table in the original (nothing to import). */
  readonly missingTables: readonly string[];
  /** Tables of the original no loaded model object maps to (not read). */
  readonly unknownTables: readonly string[];
}
