// Types of driver.js (a TypeScript plugin would get these from its own build).
import type { DriverDefinition } from 'gluon-net/drivers';

/** The example's in-memory controller. */
export declare const acmeController: {
  readonly tables: Map<string, Map<string, Record<string, unknown>>>;
  readonly tokens: string[];
  /** Calls received since the counter was last reset. */
  calls: number;
  /** Controllers that are down, or answer garbage, by URL. */
  readonly faults: Map<string, 'down' | 'broken'>;
  addPort(url: string, port: { id: string; tenant: string; mac: string; ip?: string; name?: string }): void;
  call(token: string | undefined): void;
};

declare const acmeDriver: DriverDefinition;
export default acmeDriver;
