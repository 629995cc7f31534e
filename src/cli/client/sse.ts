/** One Server-Sent Event. */
export interface SseEvent {
  /** `event:` field (`message` when absent). */
  readonly event: string;
  /** `id:` field of this event, if it had one (unlike EventSource, an id is not carried over to the next events). */
  readonly id?: string;
  /** The `data:` lines joined by newlines. */
  readonly data: string;
}

/**
 * Incremental parser of a `text/event-stream` body (the WHATWG rules: fields
 * `event`, `id`, `data`; `:` comments such as heartbeats are skipped; a blank line
 * dispatches). Feed it chunks; it returns the events completed by each chunk.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private id: string | undefined;
  private data: string[] = [];

  /** Adds a chunk of the stream; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\n|\r/);
      // a CR at the end of what has arrived may be the first half of a CRLF: wait for more
      if (end < 0 || (end === this.buffer.length - 1 && this.buffer.endsWith('\r'))) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1));
      const done = this.line(line);
      if (done !== undefined) events.push(done);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0 && this.event === '') return undefined;
      const out: SseEvent = { event: this.event === '' ? 'message' : this.event, data: this.data.join('\n'), ...(this.id === undefined ? {} : { id: this.id }) };
      this.event = '';
      this.data = [];
      this.id = undefined;
      return out;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
    return undefined;
  }
}
