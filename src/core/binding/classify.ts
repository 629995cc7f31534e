import type { BindingRequest, PortUpdateKind, ShimResult } from './types.js';

function isBlank(value: unknown): boolean {
  return value === null || value === '';
}

/**
 * Classifies the patch of a PUT on a port-role object, compatibly with the original
 * (`update_ports`): both `host_id` and `device_id` present and non-empty is a bind;
 * both present with either of them empty (`""`) or null is an unbind; anything else
 * (one or neither present) is a plain update.
 */
export function classifyPortUpdate(patch: Readonly<Record<string, unknown>>): PortUpdateKind {
  if (!Object.hasOwn(patch, 'host_id') || !Object.hasOwn(patch, 'device_id')) return 'plain';
  const host = patch['host_id'];
  const device = patch['device_id'];
  if (typeof host === 'string' && host !== '' && typeof device === 'string' && device !== '') return 'bind';
  if (isBlank(host) || isBlank(device)) return 'unbind';
  return 'plain';
}

/** The binding a stored port asks for, or undefined when it has none (`host_id`/`device_id` empty). */
export function bindingOf(port: Readonly<Record<string, unknown>>): BindingRequest | undefined {
  const host = port['host_id'];
  const device = port['device_id'];
  return typeof host === 'string' && host !== '' && typeof device === 'string' && device !== '' ? { host_id: host, device_id: device } : undefined;
}

/** True when two bindings name the same host and device. */
export function sameBinding(a: BindingRequest | undefined, b: BindingRequest | undefined): boolean {
  return a !== undefined && b !== undefined && a.host_id === b.host_id && a.device_id === b.device_id;
}

/** True when the stored `port` asks for exactly `binding` (same host and device). */
export function holdsBinding(port: Readonly<Record<string, unknown>>, binding: BindingRequest | undefined): boolean {
  return sameBinding(bindingOf(port), binding);
}

/** True when `result` answers `binding` (results that name no binding, as the original's, answer any). */
export function answers(result: ShimResult, binding: BindingRequest): boolean {
  return (result.host_id === undefined || result.host_id === binding.host_id) && (result.device_id === undefined || result.device_id === binding.device_id);
}

/** The port's `revision_number`, or undefined when it has none. */
export function revisionOf(port: Readonly<Record<string, unknown>>): number | undefined {
  const revision = port['revision_number'];
  return typeof revision === 'number' ? revision : undefined;
}
