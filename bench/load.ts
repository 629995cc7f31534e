import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { Options, Result } from 'autocannon';
import { portBody } from './port-body.js';
import type { CaseName, Sample } from './types.js';

/** What one load phase needs. */
export interface LoadOptions {
  /** Base URL of the server. */
  readonly url: string;
  /** Path of the port collection. */
  readonly portsPath: string;
  /** Ids of ports known to exist (for `get`). */
  readonly ids: readonly string[];
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
}

/** A counter shared by every create phase of the process, so each body has a new MAC. */
let createCounter = 1_000_000;

/** The autocannon request description of one case. */
function requestsFor(name: CaseName, options: LoadOptions): NonNullable<Options['requests']> {
  switch (name) {
    case 'create':
      return [
        {
          method: 'POST',
          path: options.portsPath,
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: JSON.stringify(portBody(createCounter++)) }),
        },
      ];
    case 'get': {
      let next = 0;
      const ids = options.ids;
      if (ids.length === 0) throw new Error('bench: the get case needs seeded port ids');
      return [
        {
          method: 'GET',
          setupRequest: (request) => ({ ...request, path: `${options.portsPath}/${ids[next++ % ids.length] ?? ''}` }),
        },
      ];
    }
    case 'list':
      return [{ method: 'GET', path: `${options.portsPath}?limit=1000` }];
  }
}

/** Turns an autocannon result into a {@link Sample}: 2xx responses per second, p50, p99. */
export function toSample(result: Result): Sample {
  const ok = result['2xx'];
  return {
    rps: result.duration > 0 ? ok / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    load1: loadavg()[0] ?? 0,
  };
}

/** Runs one case for `options.duration` seconds with `options.connections` connections. */
export async function runLoad(name: CaseName, options: LoadOptions): Promise<Sample> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    requests: requestsFor(name, options),
    // One connection error must not stop the run; it is counted and reported.
    timeout: 10,
  });
  return toSample(result);
}
