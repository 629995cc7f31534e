import { describeError } from './exit.js';

/** What the reload logs through. */
interface ReloadLogger {
  error(obj: object, msg: string): void;
}

/**
 * Re-reads the TLS certificate and key on every `SIGHUP` (as after a certificate
 * renewal): new connections get the new certificate, open ones are not dropped. A
 * failed reload is logged and the old certificate kept.
 * @returns a function that stops listening for `SIGHUP`.
 */
export function reloadTlsOnHangup(reload: () => Promise<void>, logger: ReloadLogger): () => void {
  const onHangup = (): void => {
    reload().catch((err: unknown) => logger.error({ err: describeError(err) }, 'TLS reload failed: the previous certificate is still served'));
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}
