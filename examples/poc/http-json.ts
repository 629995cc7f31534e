/** JSON over HTTP for the PoC's clients (Node's fetch). */

/** A JSON answer. */
export interface JsonAnswer {
  /** HTTP status. */
  readonly status: number;
  /** Parsed body ({} when empty or not JSON). */
  readonly body: Record<string, unknown>;
}

/** Sends a request with an optional JSON body and parses the answer. */
export async function requestJson(url: string, method = 'GET', body?: unknown): Promise<JsonAnswer> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

/** Like {@link requestJson} but throws naming the request unless the status is one of `ok`. */
export async function expectJson(url: string, init: { method?: string; body?: unknown; ok?: readonly number[] } = {}): Promise<Record<string, unknown>> {
  const method = init.method ?? 'GET';
  const answer = await requestJson(url, method, init.body);
  if (!(init.ok ?? [200, 201, 204]).includes(answer.status)) throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}
