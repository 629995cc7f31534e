/**
 * The registry part: which Protons (APIs and versions) a server hosts.
 * @packageDocumentation
 */
export { ProtonRegistry, compareVersions } from './proton-registry.js';
export type { ResolvedObject } from './types.js';
