import { closedError } from './errors.js';
import type { Lease } from './types.js';
import type { WatchDispatcher } from './watch-dispatcher.js';

/**
 * What both stores do on `close()`: ends every open watch with the "store was closed"
 * error and releases every lease (stops its keepalive; nothing is revoked, so the keys
 * stay until the TTL runs out). Iterates over copies, since ending a watch or lease
 * removes it from the store's set. @internal
 */
export async function closeWatchesAndLeases(watches: ReadonlySet<WatchDispatcher>, leases: ReadonlySet<Lease>): Promise<void> {
  await Promise.all([...watches].map((w) => w.terminate(closedError('watch (the store was closed)'))));
  for (const lease of [...leases]) lease.release();
}
