import { GluonError, type GluonErrorCode, type GluonErrorOptions } from '../errors/index.js';

/**
 * An authentication failure. `challenge` is the `WWW-Authenticate` header value the
 * HTTP layer sends with a 401 (e.g. `Keystone uri="http://keystone:5000"`).
 */
export class AuthError extends GluonError {
  /** The `WWW-Authenticate` header of a 401 answer, when there is one. */
  readonly challenge?: string;

  constructor(
    code: Extract<GluonErrorCode, 'GLUON_ERR_AUTH_REQUIRED' | 'GLUON_ERR_AUTH_INVALID_TOKEN' | 'GLUON_ERR_AUTH_UNAVAILABLE'>,
    message: string,
    options: GluonErrorOptions & { readonly challenge?: string } = {},
  ) {
    super(code, message, options);
    if (options.challenge !== undefined) this.challenge = options.challenge;
  }
}

/** The 401 of a request without `X-Auth-Token`. */
export function missingTokenError(challenge?: string): AuthError {
  return new AuthError('GLUON_ERR_AUTH_REQUIRED', 'Authentication required: send a token in the X-Auth-Token header.', {
    details: [{ field: 'X-Auth-Token', rule: 'required', value: null, message: 'the X-Auth-Token header is missing' }],
    ...(challenge === undefined ? {} : { challenge }),
  });
}

/** The 401 of an unknown, revoked or expired token (the token itself is never echoed). */
export function invalidTokenError(why: string, challenge?: string): AuthError {
  return new AuthError('GLUON_ERR_AUTH_INVALID_TOKEN', `The token in X-Auth-Token was not accepted: ${why}. Get a new token and retry.`, {
    details: [{ field: 'X-Auth-Token', rule: 'validToken', value: '***', message: why }],
    ...(challenge === undefined ? {} : { challenge }),
  });
}

/** The 503 of an identity service that cannot be reached or misbehaves. */
export function authUnavailableError(message: string, cause?: unknown): AuthError {
  return new AuthError('GLUON_ERR_AUTH_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

/** An invalid auth setting (strategy, token file, policy file, Keystone options). */
export function authConfigError(field: string, message: string, value?: unknown): GluonError {
  return new GluonError('GLUON_ERR_AUTH_CONFIG', message, {
    details: [{ field, rule: 'authConfig', ...(value === undefined ? {} : { value }), message }],
  });
}
