/**
 * The one HTTP client of the library (undici with its retry interceptor), used by the
 * Proton driver, the arbiter's Neutron upstream, the Keystone authenticator and the
 * `gluon` client commands (whose `--watch` reads a stream through it).
 * @packageDocumentation
 */
export { HttpClient } from './http-client.js';
export type { HttpAnswer, HttpClientOptions, HttpRequest, JsonAnswer, JsonRequest, StreamAnswer } from './http-client.js';
export type { TransportFailure } from './transport-failure.js';
