/**
 * The live view of a gluon-net Proton server (served at /proton/ui).
 *
 * Everything it shows comes through the server's API with the caller's token in
 * X-Auth-Token: the ports and the selected objects from the lists' watch streams
 * (`?watch=true`, Server-Sent Events read with fetch, because EventSource cannot send
 * headers), the shims from /proton/ui/shims (read again whenever a port changes).
 * Every value is rendered as text (textContent), never as markup.
 */

const TOKEN_KEY = 'gluon-net-ui-token';
const RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/** @type {{ token: string, overview: any, streams: WatchStream[], objectStream: WatchStream | undefined, selected: string | undefined }} */
const state = { token: sessionStorage.getItem(TOKEN_KEY) ?? '', overview: undefined, streams: [], objectStream: undefined, selected: undefined };

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * A new element with text content (never parsed as markup).
 * @param {string} tag @param {string} [text] @param {string} [className]
 */
function el(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className !== undefined) element.className = className;
  return element;
}

/** @param {unknown} value */
function display(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function authHeaders() {
  return state.token === '' ? {} : { 'x-auth-token': state.token };
}

/** @param {string} path */
async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json', ...authHeaders() } });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

// ── status line ──────────────────────────────────────────────────────────────

function renderStatus() {
  const status = byId('status');
  const all = [...state.streams, ...(state.objectStream === undefined ? [] : [state.objectStream])];
  let stateName = 'live';
  if (all.some((s) => s.status === 'unauthorized')) stateName = 'unauthorized';
  else if (all.some((s) => s.status === 'error')) stateName = 'error';
  else if (all.some((s) => s.status === 'reconnecting')) stateName = 'reconnecting';
  else if (all.length === 0 || all.some((s) => s.status === 'connecting')) stateName = 'connecting';
  const problem = all.find((s) => s.problem !== '')?.problem ?? '';
  status.dataset['state'] = stateName;
  status.textContent = stateName === 'live' ? `live (${all.length} watch stream${all.length === 1 ? '' : 's'})` : `${stateName}${problem === '' ? '' : `: ${problem}`}`;
}

// ── the watch stream ─────────────────────────────────────────────────────────

/**
 * One list's watch stream: the objects it holds now, kept current from the events.
 * It lists first (ADDED… BOOKMARK), then applies changes; when the connection ends it
 * resumes from the last event id (resourceVersion), and relists when that expired.
 */
class WatchStream {
  /**
   * @param {string} path the collection path
   * @param {string} key the primary key attribute
   * @param {(stream: WatchStream, changedId: string | undefined) => void} onChange
   */
  constructor(path, key, onChange) {
    this.path = path;
    this.key = key;
    this.onChange = onChange;
    /** @type {Map<string, Record<string, unknown>>} */
    this.objects = new Map();
    /** @type {string | undefined} */
    this.resume = undefined;
    this.status = 'connecting';
    this.problem = '';
    this.abort = new AbortController();
    this.ready = false;
    /** Connections in a row the server did not accept (the retry delay doubles with each). */
    this.failures = 0;
    /** The API whose objects these are (shown beside each port). */
    this.apiName = '';
    /** What the stream shows, as a heading. */
    this.title = '';
  }

  start() {
    void this.run();
  }

  stop() {
    this.abort.abort();
  }

  /** @param {string} status @param {string} [problem] */
  setStatus(status, problem = '') {
    this.status = status;
    this.problem = problem;
    renderStatus();
  }

  async run() {
    while (!this.abort.signal.aborted) {
      try {
        const outcome = await this.connect();
        if (outcome === 'unauthorized') {
          this.setStatus('unauthorized', 'the token was refused');
          askForToken('The server refused the token (it may have expired). Enter a valid token.');
          return;
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.setStatus('reconnecting', err instanceof Error ? err.message : String(err));
      }
      if (this.abort.signal.aborted) return;
      if (this.status === 'live' || this.status === 'connecting') this.setStatus('reconnecting');
      const delay = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.min(this.failures, 5));
      this.failures += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** @returns {Promise<'ended' | 'unauthorized'>} */
  async connect() {
    const query = this.resume === undefined ? 'watch=true' : `watch=true&resourceVersion=${encodeURIComponent(this.resume)}`;
    const response = await fetch(`${this.path}?${query}`, {
      headers: { accept: 'text/event-stream', ...authHeaders() },
      signal: this.abort.signal,
      cache: 'no-store',
    });
    if (response.status === 401) return 'unauthorized';
    if (!response.ok || response.body === null) {
      const fault = await response.json().catch(() => ({}));
      this.setStatus('error', `${response.status} ${display(fault.faultstring ?? response.statusText)}`);
      return 'ended';
    }
    this.failures = 0;
    /** @type {Map<string, Record<string, unknown>> | undefined} the snapshot being listed, until its BOOKMARK */
    let listing = this.resume === undefined ? new Map() : undefined;
    if (listing === undefined) this.setStatus('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'ended';
      buffer += value;
      const frames = buffer.split(/\r?\n\r?\n/);
      buffer = frames.pop() ?? '';
      for (const frame of frames) {
        const event = parseFrame(frame);
        if (event === undefined) continue;
        const outcome = this.apply(event, listing);
        if (outcome === 'listed') listing = undefined;
        if (outcome === 'unauthorized') return 'unauthorized';
      }
    }
  }

  /**
   * @param {{ event: string, id: string | undefined, data: any }} event
   * @param {Map<string, Record<string, unknown>> | undefined} listing
   * @returns {'listed' | 'unauthorized' | 'applied'}
   */
  apply(event, listing) {
    if (event.id !== undefined) this.resume = event.id;
    const target = listing ?? this.objects;
    const id = event.data !== null && typeof event.data === 'object' ? display(event.data[this.key]) : '';
    switch (event.event) {
      case 'ADDED':
      case 'MODIFIED':
        target.set(id, event.data);
        break;
      case 'DELETED':
        target.delete(id);
        break;
      case 'BOOKMARK':
        if (listing !== undefined) this.objects = listing;
        this.ready = true;
        this.setStatus('live');
        this.onChange(this, undefined);
        return 'listed';
      case 'ERROR': {
        const code = display(event.data?.code);
        if (code === 'GLUON_ERR_AUTH_INVALID_TOKEN') return 'unauthorized';
        // an expired resume point: list again from scratch
        if (code === 'GLUON_ERR_WATCH_EXPIRED') this.resume = undefined;
        this.setStatus('reconnecting', `${code}: ${display(event.data?.faultstring)}`);
        return 'applied';
      }
      default:
        return 'applied';
    }
    if (listing === undefined) this.onChange(this, id);
    return 'applied';
  }
}

/**
 * One Server-Sent Events frame; undefined for comments (heartbeats).
 * @param {string} frame
 */
function parseFrame(frame) {
  let event = 'message';
  /** @type {string | undefined} */
  let id;
  const data = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && id === undefined && event === 'message') return undefined;
  let parsed = null;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    parsed = null;
  }
  return { event, id, data: parsed };
}

// ── ports ────────────────────────────────────────────────────────────────────

/**
 * `bound`, `failed`, `pending` (a host asked, no answer yet) or `unbound`.
 * @param {Record<string, unknown>} port
 */
function bindingOf(port) {
  const host = display(port['host_id']);
  const vif = display(port['vif_type']);
  if (vif === 'binding_failed') return 'failed';
  if (host === '') return 'unbound';
  return vif === '' || vif === 'unbound' ? 'pending' : 'bound';
}

/** @param {Map<string, Record<string, unknown>>} ports */
function portRows(apiName, ports, changedId) {
  const rows = [];
  for (const [id, port] of ports) {
    const row = el('tr');
    row.dataset['portId'] = id;
    row.dataset['api'] = apiName;
    row.dataset['revision'] = display(port['revision_number']);
    if (id === changedId) row.className = 'changed';
    const binding = bindingOf(port);
    const cells = [
      el('td', apiName),
      el('td', id, 'id'),
      el('td', display(port['name']), 'name'),
      el('td', display(port['host_id']), 'host'),
      el('td', binding, 'binding'),
      el('td', display(port['vif_type']), 'vif'),
      el('td', display(port['status']), 'status'),
      el('td', display(port['device_id']), 'device'),
      el('td', display(port['tenant_id']), 'project'),
      el('td', display(port['updated_at'] ?? port['created_at']), 'updated'),
    ];
    const bindingCell = cells[4];
    if (bindingCell !== undefined) {
      bindingCell.dataset['binding'] = binding;
      if (binding === 'failed') bindingCell.title = display(port['vif_details']);
    }
    row.append(...cells);
    rows.push(row);
  }
  return rows;
}

/** @param {string | undefined} changedId */
function renderPorts(changedId) {
  const body = byId('ports').querySelector('tbody');
  if (body === null) return;
  const rows = state.streams.flatMap((stream) => portRows(stream.apiName, stream.objects, changedId));
  body.replaceChildren(...rows);
  const count = state.streams.reduce((sum, stream) => sum + stream.objects.size, 0);
  byId('ports-count').textContent = `(${count})`;
}

// ── shims ────────────────────────────────────────────────────────────────────

let shimsTimer = 0;

function refreshShimsSoon() {
  clearTimeout(shimsTimer);
  shimsTimer = setTimeout(() => void refreshShims(), 150);
}

async function refreshShims() {
  const note = byId('shims-note');
  const body = byId('shims').querySelector('tbody');
  if (body === null) return;
  const { status, body: doc } = await getJson('/proton/ui/shims').catch((err) => ({ status: 0, body: { faultstring: String(err) } }));
  if (status !== 200) {
    note.textContent = status === 403 ? 'Only an admin may see the shims.' : `Shims unavailable: ${status} ${display(doc.faultstring)}`;
    body.replaceChildren();
    if (status === 401) askForToken('The server refused the token. Enter a valid token.');
    return;
  }
  note.textContent = 'Shims that answered a bind or campaign in an election; updated whenever a port changes.';
  body.replaceChildren(
    ...doc.shims.map((/** @type {any} */ shim) => {
      const row = el('tr');
      row.dataset['shim'] = display(shim.name);
      const instances = shim.candidates.map((/** @type {any} */ c) => `${display(c.id)}${c.leader ? ' (leader)' : ''}`).join(', ');
      row.append(
        el('td', display(shim.api)),
        el('td', display(shim.name), 'shim'),
        el('td', shim.hosts.map(display).join(', '), 'hosts'),
        el('td', display(shim.bound), 'bound'),
        el('td', display(shim.failed), 'failed'),
        el('td', instances, 'instances'),
      );
      return row;
    }),
  );
}

// ── protons and their objects ────────────────────────────────────────────────

/** @param {any} api @param {any} object */
function selectObjects(api, object) {
  state.objectStream?.stop();
  state.selected = object.path;
  for (const button of byId('protons').querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(button.dataset['path'] === object.path));
  }
  const stream = new WatchStream(object.path, object.primaryKey, (s, changedId) => renderObjects(s, changedId));
  stream.title = `${api.name} ${api.version} — ${object.plural}`;
  state.objectStream = stream;
  renderObjects(stream, undefined);
  stream.start();
}

/** @param {WatchStream} stream @param {string | undefined} changedId */
function renderObjects(stream, changedId) {
  if (stream !== state.objectStream) return;
  const table = byId('objects');
  const head = table.querySelector('thead tr');
  const body = table.querySelector('tbody');
  if (head === null || body === null) return;
  const columns = [];
  for (const object of stream.objects.values()) {
    for (const name of Object.keys(object)) if (!columns.includes(name)) columns.push(name);
  }
  head.replaceChildren(...columns.map((name) => el('th', name)));
  body.replaceChildren(
    ...[...stream.objects].map(([id, object]) => {
      const row = el('tr');
      row.dataset['id'] = id;
      if (id === changedId) row.className = 'changed';
      row.append(...columns.map((name) => el('td', display(object[name]))));
      return row;
    }),
  );
  const title = byId('objects-title');
  title.dataset['count'] = String(stream.objects.size);
  title.textContent = `${stream.title} (${stream.ready ? stream.objects.size : '…'})`;
}

function renderProtons() {
  const nav = byId('protons');
  nav.replaceChildren(
    ...state.overview.apis.map((/** @type {any} */ api) => {
      const box = el('div', undefined, 'api');
      box.append(el('h4', `${api.name} ${api.version}${api.isDefault ? ' (default)' : ''}`));
      for (const object of api.objects) {
        const button = el('button', object.plural);
        button.setAttribute('type', 'button');
        button.dataset['path'] = object.path;
        button.setAttribute('aria-pressed', String(state.selected === object.path));
        button.addEventListener('click', () => selectObjects(api, object));
        box.append(button);
      }
      return box;
    }),
  );
}

// ── start, token ─────────────────────────────────────────────────────────────

function stopAll() {
  for (const stream of state.streams) stream.stop();
  state.objectStream?.stop();
  state.streams = [];
  state.objectStream = undefined;
}

/** @param {string} why */
function askForToken(why) {
  stopAll();
  byId('view').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = why;
  renderStatus();
}

function startView() {
  stopAll();
  const overview = state.overview;
  byId('login').hidden = true;
  byId('view').hidden = false;
  byId('forget-token').hidden = state.token === '';
  if (!overview.watch) {
    byId('status').dataset['state'] = 'error';
    byId('status').textContent = 'this server cannot stream changes (it runs without a key/value mirror)';
    return;
  }
  renderProtons();
  const defaults = overview.apis.filter((/** @type {any} */ api) => api.isDefault);
  for (const api of defaults) {
    const port = api.objects.find((/** @type {any} */ o) => o.role === 'port');
    if (port === undefined) continue;
    const stream = new WatchStream(port.path, port.primaryKey, (_s, changedId) => {
      renderPorts(changedId);
      refreshShimsSoon();
    });
    stream.apiName = api.name;
    state.streams.push(stream);
    stream.start();
  }
  renderStatus();
  void refreshShims();
  const first = defaults[0];
  const firstObject = first?.objects.find((/** @type {any} */ o) => o.role !== 'port') ?? first?.objects[0];
  if (first !== undefined && firstObject !== undefined) selectObjects(first, firstObject);
}

async function main() {
  const { status, body } = await getJson('/proton/ui/overview');
  if (status !== 200) {
    byId('status').dataset['state'] = 'error';
    byId('status').textContent = `cannot read /proton/ui/overview: ${status}`;
    return;
  }
  state.overview = body;
  const strategy = display(body.auth?.strategy);
  byId('login-hint').textContent =
    strategy === 'keystone'
      ? `This server authenticates with Keystone${body.auth.auth_url ? ` (${display(body.auth.auth_url)})` : ''}: paste a token (openstack token issue).`
      : 'This server authenticates with API tokens (gluon token create): paste yours.';
  byId('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('token-input'));
    state.token = input.value.trim();
    input.value = '';
    sessionStorage.setItem(TOKEN_KEY, state.token);
    startView();
  });
  byId('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    askForToken('');
  });
  if (strategy !== 'noauth' && state.token === '') askForToken('');
  else startView();
}

void main();
