import { GluonError } from '../errors/index.js';

import type { NeutronUpstream } from './upstream.js';
import { silentLogger, type Logger } from '../log/index.js';
import { retrying } from '../retry/index.js';

/** Name of the dummy Neutron network every Gluon port is attached to. */
export const GLUON_NETWORK_NAME = 'GluonNetwork';
/** Name of the dummy Neutron subnet of {@link GLUON_NETWORK_NAME}. */
export const GLUON_SUBNET_NAME = 'GluonSubnet';

/** The ids of the dummy GluonNetwork / GluonSubnet. */
export interface GluonObjectIds {
  readonly gluonNetworkId: string;
  readonly gluonSubnetId: string;
}

/** Options of {@link findGluonObjects}. */
export interface FindGluonObjectsOptions {
  /** Token sent as `X-Auth-Token` (a Keystone-protected Neutron needs one). */
  readonly token?: string | undefined;
  /** Give up after this long, ms (default: retry forever). */
  readonly timeoutMs?: number;
  /** Longest wait between attempts, ms (default 5,000). */
  readonly maxDelayMs?: number;
  /** Logger. */
  readonly logger?: Logger;
  /** Stops the retries. */
  readonly signal?: AbortSignal;
}

/** One Gluon object to look up by name. */
interface NamedObject {
  readonly collection: 'networks' | 'subnets';
  readonly name: string;
}

async function idByName(upstream: NeutronUpstream, { collection, name }: NamedObject, token: string | undefined): Promise<string> {
  const answer = await upstream.send({
    method: 'GET',
    path: `/v2.0/${collection}?name=${encodeURIComponent(name)}&fields=id&fields=name`,
    headers: { accept: 'application/json', ...(token === undefined ? {} : { 'x-auth-token': token }) },
  });
  if (answer.status !== 200) {
    throw new GluonError('GLUON_ERR_ARBITER_GLUON_OBJECTS', `Looking up ${name}: Neutron answered GET /v2.0/${collection}?name=${name} with HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
  }
  const items = (JSON.parse(answer.body.toString('utf8')) as Record<string, { id?: unknown; name?: unknown }[] | undefined>)[collection] ?? [];
  const found = items.filter((item) => item.name === name && typeof item.id === 'string');
  if (found.length === 0) {
    throw new GluonError('GLUON_ERR_ARBITER_GLUON_OBJECTS', `Neutron at ${upstream.url} has no ${collection === 'networks' ? 'network' : 'subnet'} named ${name}: create it as admin (see docs/neutron.md) or pass its id with --gluon-${collection === 'networks' ? 'network' : 'subnet'}-id.`, {
      details: [{ field: collection === 'networks' ? 'gluonNetworkId' : 'gluonSubnetId', rule: 'exists', value: name, message: `no ${name} in Neutron` }],
    });
  }
  if (found.length > 1) {
    throw new GluonError('GLUON_ERR_ARBITER_GLUON_OBJECTS', `Neutron at ${upstream.url} has ${found.length} ${collection} named ${name} (${found.map((f) => String(f.id)).join(', ')}): delete the extra ones or pass the id to use.`);
  }
  return found[0]?.id as string;
}

/**
 * Finds the ids of `GluonNetwork` and `GluonSubnet` in the upstream Neutron, retrying
 * (with a doubling delay, logged) until both exist or `timeoutMs` passes.
 * @throws GluonError `GLUON_ERR_ARBITER_GLUON_OBJECTS` naming the missing object, or
 *   `GLUON_ERR_ARBITER_UPSTREAM_UNREACHABLE`, once the deadline has passed
 */
export async function findGluonObjects(upstream: NeutronUpstream, options: FindGluonObjectsOptions = {}): Promise<GluonObjectIds> {
  const logger = options.logger ?? silentLogger;
  const lookUp = async (): Promise<GluonObjectIds> => {
    const gluonNetworkId = await idByName(upstream, { collection: 'networks', name: GLUON_NETWORK_NAME }, options.token);
    const gluonSubnetId = await idByName(upstream, { collection: 'subnets', name: GLUON_SUBNET_NAME }, options.token);
    return { gluonNetworkId, gluonSubnetId };
  };
  return retrying(lookUp, {
    backoff: { initialMs: 250, maxMs: options.maxDelayMs ?? 5000, factor: 2 },
    ...(options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onRetry: ({ attempt, err, delayMs }) =>
      logger.warn({ attempt, retryInMs: delayMs, err: (err as Error).message }, 'neutron facade: GluonNetwork/GluonSubnet not found yet; retrying'),
  });
}
