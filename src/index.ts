/**
 * gluon-net: model networking services in YAML and get a persistent, validated REST API.
 * @packageDocumentation
 */
export { ERROR_CODES, GluonError, isGluonError, ModelError, ValidationError, NotFoundError, ConflictError, StoreError, ConfigError } from './core/errors/index.js';
export type { GluonErrorCode, ErrorDetail, ModelIssue } from './core/errors/index.js';
