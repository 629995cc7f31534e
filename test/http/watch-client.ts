/** A minimal Server-Sent Events reader for the watch tests (node:http, so a test can stop reading). */
import { request, type IncomingMessage } from 'node:http';
import { waitFor } from '../setup/wait-for.js';

/** One event received. */
export interface ReceivedEvent {
  readonly event: string;
  readonly id?: string;
  /** The parsed `data:` JSON. */
  readonly data: Record<string, unknown>;
}

/** An open watch stream, collecting what it receives. */
export class WatchReader {
  readonly events: ReceivedEvent[] = [];
  heartbeats = 0;
  ended = false;
  /** The id of the last event that carried one (what a browser's EventSource would send back). */
  lastEventId: string | undefined;
  private buffer = '';

  private constructor(
    readonly status: number,
    readonly headers: IncomingMessage['headers'],
    private readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
    response.on('error', () => (this.ended = true));
  }

  /** Opens `url` (GET) with optional headers; resolves once the status line arrived. */
  static open(url: string, headers: Record<string, string> = {}): Promise<WatchReader> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new WatchReader(res.statusCode ?? 0, res.headers, res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Reads a whole non-stream answer (a 4xx fault). */
  async body(): Promise<Record<string, unknown>> {
    await waitFor('the answer to end', () => this.ended);
    return JSON.parse(this.buffer) as Record<string, unknown>;
  }

  /** The object events (not BOOKMARK/ERROR). */
  objectEvents(): ReceivedEvent[] {
    return this.events.filter((e) => e.event === 'ADDED' || e.event === 'MODIFIED' || e.event === 'DELETED');
  }

  /** Waits until `check` holds on the events received so far. */
  async until(what: string, check: (events: readonly ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void> {
    await waitFor(what, () => check(this.events), timeoutMs);
  }

  /** Stops reading (the socket's buffers fill up; the server sees a slow client). */
  pause(): void {
    this.response.pause();
  }

  /** Reads again. */
  resume(): void {
    this.response.resume();
  }

  /** Closes the connection. */
  close(): void {
    this.response.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    if (this.status !== 200) return;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          if (line.includes('heartbeat')) this.heartbeats++;
          continue;
        }
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields['event'] === undefined) continue;
      if (fields['id'] !== undefined) this.lastEventId = fields['id'];
      this.events.push({
        event: fields['event'],
        ...(fields['id'] === undefined ? {} : { id: fields['id'] }),
        data: JSON.parse(fields['data'] ?? '{}') as Record<string, unknown>,
      });
    }
  }
}
