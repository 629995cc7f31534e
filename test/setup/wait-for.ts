/**
 * The one way the tests wait for something asynchronous (etcd events, watches, leaders,
 * a process's state): poll until it is observed, never sleep and assume.
 */

/**
 * Polls `check` every 20 ms until it returns true. A check that throws counts as "not
 * yet" (e.g. a server not listening yet); after `timeoutMs` it throws, naming `what`
 * and the check's last error.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
