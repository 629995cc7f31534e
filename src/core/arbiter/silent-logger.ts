import type { ArbiterLogger } from './types.js';

const noop = (): void => undefined;

/** A logger that drops everything (the default of the arbiter and the facade). */
export const silentLogger: ArbiterLogger = { debug: noop, info: noop, warn: noop, error: noop };
