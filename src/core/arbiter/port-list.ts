import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortArbiter } from './port-arbiter.js';
import { parsePortQuery, selectFields, type PortQuery } from './port-filters.js';
import { listOrder, pageLinks, parsePageRequest, slicePage, wantsOrderedList, type PageRequest } from './port-paging.js';
import type { ArbiterContext } from './types.js';
import type { NeutronUpstream, UpstreamResponse } from './upstream.js';

type Port = Record<string, unknown>;

/** What the list route needs from the facade around it. */
export interface PortListTools {
  readonly arbiter: PortArbiter;
  readonly upstream: NeutronUpstream;
  /** Authenticates the caller (throws a 401 `AuthError`) and builds the arbiter context. */
  contextOf(request: FastifyRequest, requestId: string): Promise<ArbiterContext>;
  /** Writes an upstream answer as is. */
  passThrough(reply: FastifyReply, res: UpstreamResponse): FastifyReply;
  /** Passes the request to Neutron and writes its answer. */
  proxy(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  /** Writes the answer to a failed request. */
  sendError(reply: FastifyReply, err: unknown, requestId: string): FastifyReply;
  /** A fresh `req-<uuid>`. */
  requestId(): string;
}

/** A request and the reply it gets. */
interface Exchange {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

const PAGING_PARAMS = ['limit', 'marker', 'page_reverse', 'fields'];

function searchOf(request: FastifyRequest): string {
  return request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
}

function pathOf(request: FastifyRequest): string {
  return request.url.includes('?') ? request.url.slice(0, request.url.indexOf('?')) : request.url;
}

/** Neutron's answer as JSON, rebuilt with `ports` (and `ports_links` when given). */
function rebuilt(res: UpstreamResponse, body: Record<string, unknown>, page: { ports: Port[]; links?: { rel: string; href: string }[] }): UpstreamResponse {
  const { ports, links } = page;
  const out: Record<string, unknown> = { ...body, ports };
  delete out['ports_links'];
  if (links !== undefined && links.length > 0) out['ports_links'] = links;
  const headers = { ...res.headers };
  delete headers['content-length'];
  return { status: 200, headers, body: Buffer.from(JSON.stringify(out), 'utf8') };
}

function parseList(res: UpstreamResponse): Record<string, unknown> | undefined {
  if (res.status !== 200) return undefined;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as unknown;
    return typeof body === 'object' && body !== null && Array.isArray((body as Port)['ports']) ? (body as Port) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET /v2.0/ports`: Neutron's ports merged with the Gluon ports the caller may see.
 *
 * - No Gluon port registered: Neutron answers alone (its own paging and sorting).
 * - A plain list (no `limit`, `marker` or `sort_key`): Neutron's answer with the matching
 *   Gluon ports appended, `fields` applied to them after the merge.
 * - A paged or sorted list: the facade pages the merged list itself. It asks Neutron for
 *   every port that passes the filters (one request, without `limit`/`marker`/`fields`),
 *   adds the Gluon ports, orders all by the sort keys then `id`, and cuts the page after
 *   (or, reversed, before) the marker, with Neutron's `ports_links`. Every marker the
 *   facade hands out — Gluon port ids included — gives the next page or an empty one, and
 *   each port is on exactly one page. A marker that is neither in the list nor a port
 *   Neutron or the arbiter knows is passed to Neutron (its own 404).
 */
export async function listPorts(tools: PortListTools, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (tools.arbiter.registry.size === 0) return tools.proxy(request, reply);
  const params = new URLSearchParams(searchOf(request));
  const page = parsePageRequest(params);
  if (page === undefined) return tools.proxy(request, reply);
  return wantsOrderedList(params) ? orderedList(tools, { request, reply }, { params, page }) : appendedList(tools, { request, reply }, params);
}

async function appendedList(tools: PortListTools, { request, reply }: Exchange, params: URLSearchParams): Promise<FastifyReply> {
  let res: UpstreamResponse;
  try {
    res = await tools.upstream.send({ method: 'GET', path: request.url, headers: request.headers });
  } catch (err) {
    return tools.sendError(reply, err, tools.requestId());
  }
  const body = parseList(res);
  if (body === undefined) return tools.passThrough(reply, res);
  const links = body['ports_links'];
  // Neutron paged by itself (pagination_max_limit): its pages, unchanged
  if (Array.isArray(links) && links.length > 0) return tools.passThrough(reply, res);
  const query = parsePortQuery(params);
  let gluon: Port[];
  try {
    gluon = await gluonPorts(tools, request, { res, query });
  } catch (err) {
    return tools.sendError(reply, err, tools.requestId());
  }
  if (gluon.length === 0) return tools.passThrough(reply, res);
  const neutronPorts = body['ports'] as Port[];
  const known = new Set<unknown>(neutronPorts.map((p) => p['id']).filter((id) => id !== undefined));
  const merged = [...neutronPorts, ...gluon.filter((p) => !known.has(p['id'])).map((p) => selectFields(p, query.fields))];
  return tools.passThrough(reply, rebuilt(res, body, { ports: merged }));
}

async function gluonPorts(tools: PortListTools, request: FastifyRequest, { res, query }: { res: UpstreamResponse; query: PortQuery }): Promise<Port[]> {
  const ctx = await tools.contextOf(request, String(res.headers['x-openstack-request-id'] ?? tools.requestId()));
  return tools.arbiter.getPorts(query.filters, { ctx, sortKeys: query.sortKeys, sortDirs: query.sortDirs });
}

async function orderedList(tools: PortListTools, { request, reply }: Exchange, list: { params: URLSearchParams; page: PageRequest }): Promise<FastifyReply> {
  const { params, page } = list;
  const whole = new URLSearchParams(params);
  for (const name of PAGING_PARAMS) whole.delete(name);
  const wholeQuery = whole.toString();
  let res: UpstreamResponse;
  try {
    res = await tools.upstream.send({ method: 'GET', path: `${pathOf(request)}${wholeQuery === '' ? '' : `?${wholeQuery}`}`, headers: request.headers });
  } catch (err) {
    return tools.sendError(reply, err, tools.requestId());
  }
  const body = parseList(res);
  if (body === undefined) return tools.passThrough(reply, res);
  const query = parsePortQuery(params);
  const order = listOrder(query.sortKeys, query.sortDirs);
  let merged: Port[];
  let markerPort: Port | undefined;
  try {
    const gluon = await gluonPorts(tools, request, { res, query });
    const neutronPorts = body['ports'] as Port[];
    const known = new Set(neutronPorts.map((p) => p['id']));
    merged = [...neutronPorts, ...gluon.filter((p) => !known.has(p['id']))].sort(order);
    markerPort = page.marker === undefined ? undefined : merged.find((p) => p['id'] === page.marker) ?? (await findMarker(tools, request, page.marker));
  } catch (err) {
    return tools.sendError(reply, err, tools.requestId());
  }
  // a marker nobody knows: Neutron's own answer (its 404)
  if (page.marker !== undefined && markerPort === undefined) return tools.proxy(request, reply);
  const items = slicePage(merged, page, { order, markerPort });
  const host = request.headers.host ?? request.hostname;
  const links = pageLinks(items, page, { baseUrl: `${request.protocol}://${host}${pathOf(request)}`, params });
  return tools.passThrough(reply, rebuilt(res, body, { ports: items.map((p) => selectFields(p, query.fields)), links }));
}

/**
 * A marker that is not in the merged list (it no longer passes the filters, or was
 * deleted): a Gluon port is placed by its registration alone when its backend no longer
 * has it (`{id}`: it sorts by id), a Neutron port by Neutron's answer; `undefined` when
 * neither knows it.
 */
async function findMarker(tools: PortListTools, request: FastifyRequest, marker: string): Promise<Port | undefined> {
  if (tools.arbiter.isGluonPort(marker)) {
    try {
      return await tools.arbiter.getPort(marker, { ctx: await tools.contextOf(request, tools.requestId()) });
    } catch {
      return { id: marker };
    }
  }
  const res = await tools.upstream.send({ method: 'GET', path: `/v2.0/ports/${encodeURIComponent(marker)}`, headers: request.headers });
  if (res.status !== 200) return undefined;
  try {
    const port = (JSON.parse(res.body.toString('utf8')) as { port?: unknown }).port;
    return typeof port === 'object' && port !== null ? (port as Port) : undefined;
  } catch {
    return undefined;
  }
}
