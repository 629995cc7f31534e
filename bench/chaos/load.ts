/**
 * The mixed load of the chaos run: workers, each owning its ports, send creates,
 * updates, deletes and binds to a random server and record what they saw. A worker
 * abandons a key after an unknown outcome, so an unknown request is always the last one
 * on its key (its effect may or may not be in the final state; nothing after it is).
 */
import { randomUUID } from 'node:crypto';
import { PORT_FIELDS } from '../../test/fixtures/port-fields.js';
import type { BindAnswer, ObjectState, Operation, Outcome } from './history.js';
import { seededRandom } from './schedule.js';

/** The API path of the load. */
export const API_PATH = '/proton/net-l3vpn/v1.0';
/** The tenant of every object. */
export const TENANT = '6c0f3b8e-2d4a-4b7c-9e1f-3a5b7c9d1e2f';
const PORT_KEY = '/proton/net-l3vpn/Port/';
const BINDING_KEY = '/proton/net-l3vpn/VpnBinding/';

/** A server the load may send to. */
export interface LoadTarget {
  readonly name: string;
  readonly url: string;
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  readonly seed: number;
  readonly targets: readonly LoadTarget[];
  /** The VPN service bindings refer to. */
  readonly serviceId: string;
  readonly workers?: number;
  /** `?bind_timeout=` of each bind, ms (default 3,000). */
  readonly bindTimeoutMs?: number;
  /** Client-side timeout of one request, ms (default 60,000): past it the outcome is unknown. */
  readonly requestTimeoutMs?: number;
}

/** A running load. */
export interface Load {
  readonly history: readonly Operation[];
  /** Stops sending; resolves once every request in flight ended. */
  stop(): Promise<void>;
}

interface OwnedPort {
  readonly id: string;
  name: string;
  hasBinding: boolean;
  bound: boolean;
}

function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string; name?: string } }).cause;
  return cause?.code ?? cause?.name ?? (err as Error).name ?? 'error';
}

function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  return status >= 400 && status < 500 ? 'fail' : 'unknown';
}

function bindAnswer(status: number, body: Record<string, unknown>): BindAnswer {
  let reason: string | undefined;
  const details = body['vif_details'];
  try {
    const parsed: unknown = typeof details === 'string' ? JSON.parse(details) : details;
    const r = (parsed as Record<string, unknown> | null)?.['reason'];
    if (typeof r === 'string' && r !== '') reason = r;
  } catch {
    // not JSON: no reason
  }
  return { status, vifType: body['vif_type'], portStatus: body['status'], ...(reason === undefined ? {} : { reason }) };
}

/** Starts the load; it runs until {@link Load.stop}. */
export function startLoad(options: LoadOptions): Load {
  const history: Operation[] = [];
  const bindTimeoutMs = options.bindTimeoutMs ?? 3000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  let seq = 0;
  let stopping = false;

  async function send(
    worker: number,
    rnd: () => number,
    op: Pick<Operation, 'kind' | 'object' | 'key' | 'after'> & { bindTimeoutMs?: number },
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Operation> {
    const target = options.targets[Math.floor(rnd() * options.targets.length)] as LoadTarget;
    const entry: Operation = { seq: seq++, worker, ...op, server: target.name, start: Date.now(), end: 0, outcome: 'unknown' };
    history.push(entry);
    try {
      const res = await fetch(`${target.url}${path}`, {
        method,
        signal: AbortSignal.timeout(requestTimeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.text();
      entry.end = Date.now();
      entry.status = res.status;
      entry.outcome = outcomeOf(res.status);
      if (entry.outcome !== 'ok') entry.error = text.slice(0, 300);
      if (op.kind === 'bind' && res.status === 200) entry.bind = bindAnswer(res.status, JSON.parse(text) as Record<string, unknown>);
    } catch (err) {
      entry.end = Date.now();
      entry.error = errorCode(err);
      // refused: nothing reached the server, so nothing was applied
      entry.outcome = entry.error === 'ECONNREFUSED' ? 'fail' : 'unknown';
    }
    return entry;
  }

  async function worker(w: number): Promise<void> {
    const rnd = seededRandom(options.seed * 1000 + w);
    const ports: OwnedPort[] = [];
    let n = 0;
    const abandon = (p: OwnedPort): void => {
      ports.splice(ports.indexOf(p), 1);
    };
    while (!stopping) {
      n++;
      if (ports.length < 3 || rnd() < 0.2) {
        const id = randomUUID();
        const name = `w${w}-${n}`;
        const port: OwnedPort = { id, name, hasBinding: false, bound: false };
        const created = await send(w, rnd, { kind: 'create', object: 'Port', key: PORT_KEY + id, after: { exists: true, name } }, 'POST', `${API_PATH}/ports`, {
          id, tenant_id: TENANT, name, mac_address: `02:00:00:${[w, n >> 8, n].map((x) => (x & 0xff).toString(16).padStart(2, '0')).join(':')}`, ...PORT_FIELDS,
        });
        if (created.outcome !== 'ok') continue; // failed: never existed; unknown: abandoned
        ports.push(port);
        if (rnd() < 0.8) {
          const b = await send(w, rnd, { kind: 'create', object: 'VpnBinding', key: BINDING_KEY + id, after: { exists: true } }, 'POST', `${API_PATH}/vpnbindings`, {
            tenant_id: TENANT, interface_id: id, service_id: options.serviceId, ipaddress: '10.0.0.5', subnet_prefix: 24, gateway: '10.0.0.1',
          });
          if (b.outcome === 'unknown') abandon(port);
          port.hasBinding = b.outcome === 'ok';
        }
        continue;
      }
      const port = ports[Math.floor(rnd() * ports.length)] as OwnedPort;
      const key = PORT_KEY + port.id;
      const dice = rnd();
      if (dice < 0.35) {
        const name = `w${w}-${n}`;
        const r = await send(w, rnd, { kind: 'update', object: 'Port', key, after: { exists: true, name } }, 'PUT', `${API_PATH}/ports/${port.id}`, { name });
        if (r.outcome === 'ok') port.name = name;
        else if (r.outcome === 'unknown') abandon(port);
      } else if (dice < 0.8) {
        const after: ObjectState = { exists: true, name: port.name };
        const r = port.bound
          ? await send(w, rnd, { kind: 'update', object: 'Port', key, after }, 'PUT', `${API_PATH}/ports/${port.id}`, { host_id: '', device_id: '' })
          : await send(w, rnd, { kind: 'bind', object: 'Port', key, after, bindTimeoutMs }, 'PUT', `${API_PATH}/ports/${port.id}?bind_timeout=${bindTimeoutMs}`, {
              host_id: `compute-${w}`, device_id: randomUUID(), device_owner: 'compute:nova',
            });
        if (r.outcome === 'ok') port.bound = !port.bound;
        else if (r.outcome === 'unknown') abandon(port);
      } else {
        if (port.hasBinding) {
          const b = await send(w, rnd, { kind: 'delete', object: 'VpnBinding', key: BINDING_KEY + port.id, after: { exists: false } }, 'DELETE', `${API_PATH}/vpnbindings/${port.id}`);
          if (b.outcome === 'unknown') abandon(port);
          if (b.outcome !== 'ok') continue;
          port.hasBinding = false;
        }
        const r = await send(w, rnd, { kind: 'delete', object: 'Port', key, after: { exists: false } }, 'DELETE', `${API_PATH}/ports/${port.id}`);
        if (r.outcome !== 'fail') abandon(port);
      }
    }
  }

  const running = Promise.all(Array.from({ length: options.workers ?? 4 }, (_, w) => worker(w)));
  return {
    history,
    async stop() {
      stopping = true;
      await running;
    },
  };
}
