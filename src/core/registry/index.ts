/**
 * The registry part: which Protons (APIs and versions) a server hosts.
 * @packageDocumentation
 */
export { ProtonRegistry } from './proton-registry.js';
export { compareVersions } from '../model/index.js';
export type { ResolvedObject } from './types.js';
