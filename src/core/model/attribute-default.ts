import type { AttributeModel } from './types.js';
import { oneOf, show } from './issues.js';

/**
 * Why `attribute.default` is not a value of the attribute (its type, length, range or
 * enum values), or undefined when it is one (or there is no default). Formats are not
 * checked here: the request validation checks them on every write.
 */
export function defaultProblem(attribute: AttributeModel): string | undefined {
  const value = attribute.default;
  if (value === undefined) return undefined;
  switch (attribute.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `default ${show(value)} of ${attribute.name} must be true or false`;
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || (attribute.type === 'integer' && !Number.isInteger(value))) {
        return `default ${show(value)} of ${attribute.name} must be ${attribute.type === 'integer' ? 'an integer' : 'a number'}`;
      }
      if (attribute.min !== undefined && value < attribute.min) return `default ${value} of ${attribute.name} is below min ${attribute.min}`;
      if (attribute.max !== undefined && value > attribute.max) return `default ${value} of ${attribute.name} is above max ${attribute.max}`;
      return undefined;
    }
    case 'enum':
      return typeof value === 'string' && (attribute.values ?? []).includes(value)
        ? undefined
        : `default ${show(value)} of ${attribute.name} must be one of ${oneOf([...(attribute.values ?? [])])}`;
    default:
      if (typeof value !== 'string') return `default ${show(value)} of ${attribute.name} must be a string`;
      if (attribute.length !== undefined && value.length > attribute.length) {
        return `default ${show(value)} of ${attribute.name} is longer than length ${attribute.length}`;
      }
      return undefined;
  }
}
