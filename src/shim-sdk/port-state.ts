import { hasAnswer } from '../core/wire/index.js';
import type { PortObject, PortState } from './types.js';

/** True for a non-empty string. */
function set(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** A bind request: `host_id` and `device_id` both non-empty. */
export function isBindRequest(port: PortObject): boolean {
  return set(port.host_id) && set(port.device_id);
}

/** True when `host` is one of `hosts` (`'*'` matches every host). */
export function hostMatches(hosts: readonly string[], host: unknown): boolean {
  return hosts.includes('*') || (typeof host === 'string' && hosts.includes(host));
}

/** What the shim has to do for a port. */
export type PortAction = 'bind' | 'unbind' | 'clear' | 'none';

/** The derived state of a port and the action it calls for. */
export interface PortDecision {
  /** The state the port is in. */
  readonly state: PortState;
  /** What the shim does about it. */
  readonly action: PortAction;
}

/**
 * The original shim's state machine (Unbound / Bound / InUse), derived from the port
 * and its bind-result key instead of kept in memory, so it survives restarts:
 *
 * | port | result key | state | action |
 * |---|---|---|---|
 * | bind request, host ours, no answer for this binding | `{}`, absent, or an answer for another binding | Unbound | bind |
 * | bind request, answered by us for this binding (VIF or error) | ours | Bound | none |
 * | bind request, answered by another controller | theirs | InUse | none |
 * | bind request, host not ours | any | InUse | none |
 * | no bind request (`host_id`/`device_id` empty or null) | our VIF | Bound → Unbound | unbind (then `{}`) |
 * | no bind request | our error | Unbound | clear (write `{}`) |
 * | no bind request | `{}`, absent or theirs | Unbound | none |
 *
 * A result "for this binding" carries the port's current `host_id` and `device_id`
 * (results without them, as the original wrote, count as for the current binding).
 */
export function decidePort(port: PortObject, result: Record<string, unknown> | undefined, shim: { readonly name: string; readonly hosts: readonly string[] }): PortDecision {
  const { name: me, hosts } = shim;
  const answered = hasAnswer(result);
  const ours = answered && result?.['controller'] === me;
  const sameBinding =
    answered &&
    (!('host_id' in (result ?? {})) || result?.['host_id'] === port.host_id) &&
    (!('device_id' in (result ?? {})) || result?.['device_id'] === port.device_id);
  if (isBindRequest(port)) {
    if (answered && sameBinding) return { state: ours ? 'Bound' : 'InUse', action: 'none' };
    if (!hostMatches(hosts, port.host_id)) return { state: 'InUse', action: 'none' };
    return { state: 'Unbound', action: 'bind' };
  }
  if (ours) return typeof result?.['vif_type'] === 'string' ? { state: 'Bound', action: 'unbind' } : { state: 'Unbound', action: 'clear' };
  return { state: 'Unbound', action: 'none' };
}
