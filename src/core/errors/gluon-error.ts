import { ERROR_CODES, type GluonErrorCode } from './codes.js';

/** One problem inside an error: a bad field, a bad model node, a conflicting row. */
export interface ErrorDetail {
  /** The field (or model path, e.g. `objects.Port.attributes.mac.format`) the problem is about. */
  readonly field: string;
  /** The rule that was broken (`required`, `maxLength`, `format`, `enum`, …). */
  readonly rule: string;
  /** The value received, when there was one. */
  readonly value?: unknown;
  /** Human-readable explanation. */
  readonly message: string;
  /** The allowed values, when the rule is a choice. */
  readonly allowed?: readonly unknown[];
}

/** Options accepted by every {@link GluonError} constructor. */
export interface GluonErrorOptions {
  /** Per-field problems; rendered as `details[]` in HTTP fault bodies. */
  readonly details?: readonly ErrorDetail[];
  /** The underlying error, kept for logs. */
  readonly cause?: unknown;
  /** Overrides the registry's HTTP status (rarely needed). */
  readonly status?: number;
}

const kGluonError = Symbol.for('gluon-net.error');

/**
 * Base class of every error gluon-net raises. Each has a stable {@link GluonErrorCode},
 * an HTTP status and a message that says what to change.
 *
 * @example
 * ```ts
 * try { await store.get(api, 'Port', id) }
 * catch (err) { if (isGluonError(err) && err.code === 'GLUON_ERR_NOT_FOUND') … }
 * ```
 */
export class GluonError extends Error {
  /** Stable machine-readable code. */
  readonly code: GluonErrorCode;
  /** HTTP status the reference server answers with. */
  readonly status: number;
  /** Per-field problems (may be empty). */
  readonly details: readonly ErrorDetail[];

  constructor(code: GluonErrorCode, message: string, options: GluonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.details = options.details ?? [];
    Object.defineProperty(this, kGluonError, { value: true });
  }

  /** True for a 4xx error (the caller's fault), false for a 5xx. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

/**
 * True when `err` is a GluonError, even one thrown by another copy of the package
 * (plugins that bundle their own copy break `instanceof`).
 */
export function isGluonError(err: unknown): err is GluonError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[kGluonError] === true;
}
