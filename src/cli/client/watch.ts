import { GluonError } from '../../core/errors/index.js';
import type { ClientContext } from './commands.js';
import type { Resource } from './discovery.js';
import { faultError } from './http.js';
import { SseParser, type SseEvent } from './sse.js';

/** Consecutive failed connections after which `--watch` gives up (exit 1). */
const MAX_RECONNECTS = 5;

type Obj = Record<string, unknown>;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** One printed line (or block) per change. */
function eventText(ctx: ClientContext, resource: Resource, change: { type: string; revision: string | undefined; object: Obj }): string {
  const { type, revision, object } = change;
  const columns = ctx.output.columns.length > 0 ? ctx.output.columns : [resource.pk, ...('name' in resource.attributes && resource.pk !== 'name' ? ['name'] : [])];
  const picked = Object.fromEntries(columns.map((c) => [c, object[c] ?? null]));
  switch (ctx.output.format) {
    case 'json':
      return JSON.stringify({ type, revision: revision ?? null, object: ctx.output.columns.length > 0 ? picked : object });
    case 'yaml':
      return `---\ntype: ${type}\nrevision: ${revision ?? 'null'}\nobject: ${JSON.stringify(ctx.output.columns.length > 0 ? picked : object)}`;
    case 'csv':
      return [type, ...columns.map((c) => cellText(picked[c]))].map((t) => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t)).join(',');
    default:
      return [type, ...columns.map((c) => cellText(picked[c]))].join(' ');
  }
}

interface StreamState {
  lastId: string | undefined;
  relist: boolean;
  renewToken: boolean;
}

/** The collection a watch follows, and where its stream stands. */
interface WatchedCollection {
  readonly resource: Resource;
  readonly query: URLSearchParams;
  readonly state: StreamState;
}

async function streamOnce(ctx: ClientContext, watched: WatchedCollection): Promise<void> {
  const { resource, query, state } = watched;
  const params = new URLSearchParams(query);
  // paging and sorting mean nothing on a stream (the server answers 400)
  for (const name of ['limit', 'marker', 'sort_key', 'sort_dir']) params.delete(name);
  params.set('watch', 'true');
  const url = `${ctx.catalog.baseUrl}${resource.path}?${params.toString()}`;
  const headers: Record<string, string> = {};
  if (state.renewToken) {
    state.renewToken = false;
    await ctx.http.renewToken();
  }
  if (state.lastId !== undefined && !state.relist) headers['last-event-id'] = state.lastId;
  ctx.http.debug(`REQ: GET ${url}${headers['last-event-id'] === undefined ? '' : ` (Last-Event-ID: ${headers['last-event-id']})`}`);
  const answer = await ctx.http.stream(url, { headers, ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) });
  ctx.http.debug(`RESP: ${answer.status} ${String(answer.headers['content-type'])}`);
  if (answer.status !== 200) {
    const text = await answer.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: the text is the fault */
    }
    throw faultError({ status: answer.status, headers: answer.headers, body });
  }
  state.relist = false;
  const parser = new SseParser();
  for await (const chunk of answer.body) {
    for (const event of parser.push(chunk)) handle(ctx, watched, event);
  }
}

function handle(ctx: ClientContext, watched: WatchedCollection, event: SseEvent): void {
  const { resource, state } = watched;
  ctx.http.debug(`EVENT: ${event.event} id=${event.id ?? ''} ${event.data}`);
  if (event.event === 'ADDED' || event.event === 'MODIFIED' || event.event === 'DELETED') {
    if (event.id !== undefined) state.lastId = event.id;
    ctx.print(eventText(ctx, resource, { type: event.event, revision: event.id, object: JSON.parse(event.data) as Obj }));
  } else if (event.event === 'BOOKMARK') {
    if (event.id !== undefined) state.lastId = event.id;
  } else if (event.event === 'ERROR') {
    const fault = JSON.parse(event.data) as { code?: string; faultstring?: string };
    if (fault.code === 'GLUON_ERR_WATCH_EXPIRED') {
      state.relist = true;
      ctx.http.debug('watch expired: relisting');
    } else if (fault.code === 'GLUON_ERR_AUTH_INVALID_TOKEN' && ctx.http.canRenewToken()) {
      state.renewToken = true;
      ctx.http.debug('token expired during the watch: getting a new one');
    } else if (fault.code !== 'GLUON_ERR_WATCH_SLOW_CLIENT' && fault.code !== 'GLUON_ERR_KV_WATCH_FAILED') {
      throw new GluonError('GLUON_ERR_CLI_FAULT', `${fault.faultstring ?? 'watch error'} [${fault.code ?? 'unknown'}]`);
    }
  }
}

/**
 * `list --watch`: reads the server's watch stream (`?watch=true`, Server-Sent Events),
 * prints the current objects as `ADDED` and then every change, resumes with
 * `Last-Event-ID` after a dropped connection, a slow-client cut or a lost store watch,
 * gets a new Keystone token when the stream's token expired, relists when the server
 * says the revision expired. Returns when `ctx.signal` aborts.
 */
export async function watchCollection(ctx: ClientContext, resource: Resource, query: URLSearchParams): Promise<void> {
  const state: StreamState = { lastId: undefined, relist: false, renewToken: false };
  let failures = 0;
  const aborted = (): boolean => ctx.signal?.aborted === true;
  while (!aborted()) {
    try {
      await streamOnce(ctx, { resource, query, state });
      failures = 0;
    } catch (err) {
      if (aborted()) return;
      // a fault the server answered ends the watch; a connection that broke or never came is tried again
      if (err instanceof GluonError && err.code !== 'GLUON_ERR_CLI_UNREACHABLE') throw err;
      failures++;
      ctx.http.debug(`watch connection lost (${(err as Error).message}); reconnecting`);
      if (failures >= MAX_RECONNECTS) {
        throw new GluonError('GLUON_ERR_CLI_UNREACHABLE', `The watch stream of ${resource.path} broke ${failures} times in a row: ${(err as Error).message}.`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200 * failures));
    }
  }
}
