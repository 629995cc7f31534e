import type { Dispatcher, interceptors as UndiciInterceptors } from 'undici';
import { CONNECTION_RESET_CODES, errorCodeOf } from './transport-failure.js';

/** What {@link retryOnceOnReset} needs: which methods may be sent twice, and whom to tell. */
export interface RetryOnResetOptions {
  /** Methods safe to send twice (upper case). */
  readonly methods: ReadonlySet<string>;
  /** Called before each retry (counters). */
  readonly onRetry: () => void;
  /** undici's interceptors (the caller loaded undici: it is imported on first use, not at start-up). */
  readonly interceptors: typeof UndiciInterceptors;
}

/**
 * undici's retry interceptor, told to retry exactly once, at once, and only when a
 * request of an idempotent method lost its connection before any answer (a keep-alive
 * connection the server had closed without saying so). Status codes are never retried:
 * an answer is the caller's to read.
 */
export function retryOnceOnReset(options: RetryOnResetOptions): Dispatcher.DispatcherComposeInterceptor {
  return options.interceptors.retry({
    maxRetries: 1,
    statusCodes: [],
    retry(err, { state, opts }, callback) {
      const code = errorCodeOf(err);
      const retryable = state.counter <= 1 && options.methods.has(opts.method.toUpperCase()) && code !== undefined && CONNECTION_RESET_CODES.has(code);
      if (!retryable) {
        callback(err);
        return;
      }
      options.onRetry();
      callback(null);
    },
  });
}
