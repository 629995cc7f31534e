import { pino, type Logger, type LoggerOptions } from 'pino';

/** True when `value` looks like a ready pino logger rather than pino options. */
export function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function' &&
    typeof (value as Logger).error === 'function'
  );
}

/**
 * The server's logger: the given pino instance, or a pino logger built from the given
 * options (default level `info`), writing JSON lines to stderr.
 */
export function createServerLogger(option: Logger | LoggerOptions | undefined): Logger {
  if (isLogger(option)) return option;
  return pino({ level: 'info', name: 'gluon', ...option }, pino.destination({ fd: 2, sync: true }));
}
