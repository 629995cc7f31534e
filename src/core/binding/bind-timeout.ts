import { ValidationError } from '../errors/index.js';

/** The query parameter that sets a bind's deadline: `?bind_timeout=<ms>`. */
export const BIND_TIMEOUT_PARAM = 'bind_timeout';

/**
 * Reads `bind_timeout` (milliseconds, an integer from 0 to `max`) from a request URL;
 * undefined when absent. 0 answers at once with the pending port.
 * @throws ValidationError (400) naming the parameter, the value and the allowed range.
 */
export function bindTimeoutFromUrl(url: string, max: number): number | undefined {
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  const values = new URLSearchParams(url.slice(at + 1)).getAll(BIND_TIMEOUT_PARAM);
  if (values.length === 0) return undefined;
  const why = `Value should be an integer number of milliseconds from 0 to ${max}, given once`;
  const value = values.join(',');
  const number = values.length === 1 && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= 0 && number <= max)) {
    throw new ValidationError(`Invalid input for field/attribute ${BIND_TIMEOUT_PARAM}. Value: '${value}'. ${why}`, [
      { field: BIND_TIMEOUT_PARAM, rule: 'range', value, message: why },
    ]);
  }
  return number;
}
