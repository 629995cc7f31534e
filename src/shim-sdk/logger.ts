/** Minimal structured logger (pino-compatible): `logger.info({ key }, 'message')`. */
export interface ShimLogger {
  /** Detail useful when tracing a problem. */
  debug(obj: object, msg?: string): void;
  /** A normal event worth recording. */
  info(obj: object, msg?: string): void;
  /** Something went wrong but was handled (a retry, a skipped item). */
  warn(obj: object, msg?: string): void;
  /** A failure that needs an operator. */
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default when none is given). */
export const silentLogger: ShimLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
