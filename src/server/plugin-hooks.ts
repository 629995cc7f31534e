import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GluonRequestContext, ProtonHooks } from '../core/http/index.js';
import type { StoredObject } from '../core/store/index.js';
import type { HookTarget, HookValues, ServerHooksDefinition } from '../drivers/index.js';

/**
 * Turns plugins' server hooks ({@link ServerHooksDefinition}, `defineHooks`) into the
 * HTTP plugin's hooks: `beforeWrite` and `afterWrite` around every create, update and
 * delete, and `decideBind` in front of a port's bind (combine them before the binding
 * hooks, so the bind patch they return is the one the shims see).
 * @internal
 */
export function pluginServerHooks(definitions: readonly ServerHooksDefinition[], logger: Logger): ProtonHooks | undefined {
  if (definitions.length === 0) return undefined;
  const applying = (context: GluonRequestContext): ServerHooksDefinition[] =>
    definitions.filter((d) => d.apis === undefined || d.apis.includes(context.api.name));
  return {
    async beforeWrite(request, context, values) {
      if (context.action !== 'create' && context.action !== 'update') return values;
      let current = values;
      for (const d of applying(context)) {
        current = replaced(current, await d.beforeWrite?.({ ...target(request, context), action: context.action, values: current }));
      }
      return current;
    },
    async afterWrite(request, context, result) {
      if (context.action !== 'create' && context.action !== 'update' && context.action !== 'delete') return undefined;
      const event = { ...target(request, context, result), action: context.action, stored: result };
      for (const d of applying(context)) {
        try {
          await d.afterWrite?.(event);
        } catch (err) {
          logger.error({ err, hooks: d.name, api: event.api, object: event.object, key: event.key }, `server hooks "${d.name}": afterWrite failed`);
        }
      }
      return undefined;
    },
    async update(request, context, { patch, write }) {
      const bind = bindTarget(context, patch);
      if (bind === undefined) return write(patch);
      let current = patch;
      for (const d of applying(context)) {
        current = replaced(current, await d.decideBind?.({ ...target(request, context), key: context.key ?? '', ...bind, values: current }));
      }
      return write(current);
    },
  };
}

/** The host and device of a bind patch on a port (both non-empty), or undefined for any other update. */
function bindTarget(context: GluonRequestContext, patch: Readonly<Record<string, unknown>>): { hostId: string; deviceId: string } | undefined {
  if (context.object.role !== 'port') return undefined;
  const hostId = patch['host_id'];
  const deviceId = patch['device_id'];
  if (typeof hostId !== 'string' || hostId === '' || typeof deviceId !== 'string' || deviceId === '') return undefined;
  return { hostId, deviceId };
}

function target(request: FastifyRequest, context: GluonRequestContext, stored?: StoredObject | null): HookTarget {
  const key = context.key ?? (stored?.[context.object.primaryKey] === undefined ? undefined : String(stored[context.object.primaryKey]));
  const tenantId = request.identity?.projectId;
  return {
    api: context.api.name,
    version: context.api.versionId,
    object: context.object.name,
    ...(key === undefined ? {} : { key }),
    ...(tenantId === undefined ? {} : { tenantId }),
  };
}

function replaced(values: Readonly<Record<string, unknown>>, returned: HookValues): Readonly<Record<string, unknown>> {
  return returned === undefined || returned === null ? values : returned;
}
