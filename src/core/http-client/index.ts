/**
 * The one HTTP client of the library (undici with its retry interceptor), used by the
 * Proton driver, the arbiter's Neutron upstream and the Keystone authenticator.
 * @packageDocumentation
 */
export { HttpClient } from './http-client.js';
export type { HttpAnswer, HttpClientOptions, HttpRequest, JsonAnswer, JsonRequest } from './http-client.js';
export type { TransportFailure } from './transport-failure.js';
