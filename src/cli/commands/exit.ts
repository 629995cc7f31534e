import { isGluonError } from '../../core/errors/index.js';

/** Exit code of a configuration error (bad flag, env var, config file or plugin). */
export const EXIT_CONFIG = 2;
/** Exit code of a startup or shutdown failure (port in use, database or etcd unreachable, bad model). */
export const EXIT_STARTUP = 1;

/** The message of an error with its code (`… [GLUON_ERR_…]`), without a stack trace. */
export function describeError(err: unknown): string {
  if (isGluonError(err)) return `${err.message} [${err.code}]`;
  return err instanceof Error ? err.message : String(err);
}

/** {@link EXIT_CONFIG} for a `GLUON_ERR_CONFIG` error, else {@link EXIT_STARTUP}. */
export function startupExitCode(err: unknown): number {
  return isGluonError(err) && err.code === 'GLUON_ERR_CONFIG' ? EXIT_CONFIG : EXIT_STARTUP;
}

/** Resolves with the first SIGTERM or SIGINT the process receives. */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
