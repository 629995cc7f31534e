import { HOOKS_API_VERSION, type ServerHooksDefinition } from './types.js';

/**
 * Declares a plugin's server hooks. An identity function that exists for typing: export
 * its result from the module a plugin's `gluon.hooks` entry points at.
 *
 * @example
 * ```ts
 * import { defineHooks } from 'gluon-net/drivers';
 * export default defineHooks({
 *   name: 'acme-naming',
 *   apiVersion: 1,
 *   apis: ['net-l3vpn'],
 *   beforeWrite: ({ object, action, values }) =>
 *     object === 'Port' && action === 'create' ? { ...values, name: values['name'] ?? 'acme-port' } : undefined,
 * });
 * ```
 */
export function defineHooks<T extends ServerHooksDefinition>(definition: T): T {
  return definition;
}

/**
 * True when `value` looks like a {@link ServerHooksDefinition}: an object with a
 * non-empty string `name`, an `apiVersion`, and only functions as hooks. (`apiVersion` is
 * checked separately so the error can say which version was found.)
 */
export function isHooksDefinition(value: unknown): value is ServerHooksDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v['name'] !== 'string' || v['name'] === '' || !('apiVersion' in v)) return false;
  if (v['apis'] !== undefined && !(Array.isArray(v['apis']) && v['apis'].every((a) => typeof a === 'string'))) return false;
  return HOOK_NAMES.every((hook) => v[hook] === undefined || typeof v[hook] === 'function');
}

/** The hooks a definition may have. */
export const HOOK_NAMES = ['beforeWrite', 'afterWrite', 'decideBind'] as const;

export { HOOKS_API_VERSION };
