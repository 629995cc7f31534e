import type { ShimDefinition } from './types.js';

/**
 * Identity helper that types a shim definition, for a shim package's default export:
 *
 * ```ts
 * export default defineShim({ name: 'my-shim', api: 'net-l3vpn', handlers: { Port: { bind } } });
 * ```
 * `gluon shim run <package>` loads it and passes it to {@link createShim}.
 */
export function defineShim<T extends ShimDefinition>(definition: T): T {
  return definition;
}

/** True when `value` looks like a {@link ShimDefinition} (an object with a `handlers` object). */
export function isShimDefinition(value: unknown): value is ShimDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const handlers = (value as { handlers?: unknown }).handlers;
  return typeof handlers === 'object' && handlers !== null && !Array.isArray(handlers);
}
