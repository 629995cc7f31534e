import { ConfigError } from './error-classes.js';

/** What is wrong with one option. */
export interface InvalidOption {
  /** The option's name as the caller spells it (`concurrency`, `maxPageSize`). */
  readonly name: string;
  /** The rule it breaks (`integerMin1`). */
  readonly rule: string;
  /** What it should be (`an integer >= 1`). */
  readonly expected: string;
  /** What was received. */
  readonly value: unknown;
}

/**
 * The one error of an invalid library option: `GLUON_ERR_CONFIG`, naming the option,
 * the rule and the value received, in the message and in `details`.
 */
export function invalidOptionError(option: InvalidOption): ConfigError {
  const message = `expected ${option.expected}`;
  return new ConfigError(`Invalid option ${option.name}: ${message}, received ${String(option.value)}.`, {
    details: [{ field: option.name, rule: option.rule, value: option.value, message }],
  });
}

/** How a whole-number option is bounded. */
export interface WholeNumberRange {
  /** The smallest value allowed. */
  readonly min: number;
  /** The unit, for the message (`ms`, `seconds`). */
  readonly unit?: string;
}

/**
 * Checks a whole-number option and returns it.
 * @throws ConfigError `GLUON_ERR_CONFIG` (rule `integerMin<min>`) when it is not a safe integer >= `range.min`
 */
export function wholeNumberOption(name: string, value: number, range: WholeNumberRange): number {
  if (Number.isSafeInteger(value) && value >= range.min) return value;
  const unit = range.unit === undefined ? '' : ` (${range.unit})`;
  throw invalidOptionError({ name, rule: `integerMin${range.min}`, expected: `an integer >= ${range.min}${unit}`, value });
}
