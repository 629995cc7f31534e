import type { GluonErrorCode } from './codes.js';
import { GluonError, isGluonError, type ErrorDetail, type GluonErrorOptions } from './gluon-error.js';

/** One problem found in a model file, with its position. */
export interface ModelIssue extends ErrorDetail {
  /** The specific code of this problem (`GLUON_ERR_MODEL_BAD_VALUE`, …). */
  readonly code: GluonErrorCode;
  /** The file the problem is in. */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** Path inside the document, e.g. `objects.Port.attributes.mac_address.format`. */
  readonly path: string;
}

/** Formats one issue as `file:line:col: path: message`. */
export function formatModelIssue(issue: ModelIssue): string {
  const pos = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${pos}: ${issue.path}: ${issue.message} [${issue.code}]`;
}

/** A model could not be loaded; `issues` holds every problem found, not just the first. */
export class ModelError extends GluonError {
  /** Every problem found, in file order. */
  readonly issues: readonly ModelIssue[];

  constructor(issues: readonly ModelIssue[], options: Omit<GluonErrorOptions, 'details'> = {}) {
    const head = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('GLUON_ERR_MODEL_INVALID', `Invalid model (${head}):\n${issues.map(formatModelIssue).join('\n')}`, {
      ...options,
      details: issues,
    });
    this.issues = issues;
  }
}

/** The request is invalid; `details` names each bad field. */
export class ValidationError extends GluonError {
  constructor(message: string, details: readonly ErrorDetail[] = [], options: Omit<GluonErrorOptions, 'details'> = {}) {
    super('GLUON_ERR_VALIDATION', message, { ...options, details });
  }
}

/** No such object (or not under the parent named in the URL). */
export class NotFoundError extends GluonError {
  constructor(message: string, options: GluonErrorOptions = {}) {
    super('GLUON_ERR_NOT_FOUND', message, options);
  }
}

/** A conflict with stored state: duplicate key, object in use, stale revision. */
export class ConflictError extends GluonError {
  constructor(
    code: 'GLUON_ERR_ALREADY_EXISTS' | 'GLUON_ERR_IN_USE' | 'GLUON_ERR_PRECONDITION_FAILED' | 'GLUON_ERR_VALUE_TAKEN' | 'GLUON_ERR_POOL_EXHAUSTED',
    message: string,
    options: GluonErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** A store (database) failure, translated at the store boundary. */
export class StoreError extends GluonError {}

/** A configuration problem (server options, plugin set-up). */
export class ConfigError extends GluonError {
  constructor(message: string, options: GluonErrorOptions = {}) {
    super('GLUON_ERR_CONFIG', message, options);
  }
}

/**
 * Turns anything thrown into a GluonError: GluonErrors pass through, anything else
 * becomes `GLUON_ERR_INTERNAL` with the original as `cause`.
 */
export function toGluonError(err: unknown): GluonError {
  if (isGluonError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GluonError('GLUON_ERR_INTERNAL', `Internal error: ${message}`, { cause: err });
}
