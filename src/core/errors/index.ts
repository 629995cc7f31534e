/**
 * Errors: the one base class, the code registry and the shared subclasses.
 * Every other part imports errors from here; this folder imports nothing.
 * @packageDocumentation
 */
export { ERROR_CODES } from './codes.js';
export type { ErrorCodeInfo, GluonErrorCode } from './codes.js';
export { GluonError, isGluonError } from './gluon-error.js';
export type { ErrorDetail, GluonErrorOptions } from './gluon-error.js';
export {
  ModelError,
  ValidationError,
  NotFoundError,
  ConflictError,
  StoreError,
  ConfigError,
  toGluonError,
  formatModelIssue,
} from './error-classes.js';
export type { ModelIssue } from './error-classes.js';
export { invalidOptionError, wholeNumberOption } from './option-errors.js';
export type { InvalidOption, WholeNumberRange } from './option-errors.js';
