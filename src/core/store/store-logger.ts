/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

const noop = (): void => undefined;

/** A logger that drops everything (the store's default: never the console). */
export const silentLogger: StoreLogger = { debug: noop, info: noop, warn: noop, error: noop };
