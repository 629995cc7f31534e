/**
 * The one logger type of the library parts and its silent default.
 * @packageDocumentation
 */
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
