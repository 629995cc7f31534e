/**
 * The part of a pino logger that gluon-net's library parts write to: structured
 * `logger.warn({ key }, 'message')`. A pino `Logger` (fastify's
 * logger) satisfies it as it is; so does any object with these four methods.
 */
export interface Logger {
  /** Detail useful when tracing a problem. */
  debug(obj: object, msg?: string): void;
  /** A normal event worth recording. */
  info(obj: object, msg?: string): void;
  /** Something went wrong but was handled (a retry, a skipped item). */
  warn(obj: object, msg?: string): void;
  /** A failure that needs an operator. */
  error(obj: object, msg?: string): void;
}

const drop = (): void => undefined;

/** A logger that drops everything: the default wherever no logger is given (never the console). */
export const silentLogger: Logger = Object.freeze({ debug: drop, info: drop, warn: drop, error: drop });
