import { GluonError, type ErrorDetail } from '../../core/errors/index.js';
import { HttpClient, type StreamAnswer, type TransportFailure } from '../../core/http-client/index.js';

/** One answer of the Proton server. */
export interface ClientAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body (`undefined` when empty, the text when not JSON). */
  readonly body: unknown;
}

/** Options of {@link ClientHttp}. */
export interface ClientHttpOptions {
  /** Where `--debug` writes the HTTP exchange (undefined: nowhere). */
  readonly debug?: (line: string) => void;
  /** How long to wait for an answer's headers, then for each part of its body, in ms (a `--watch` stream waits as long as it stays open). @default 30000 */
  readonly timeoutMs?: number;
  /** CA certificates (PEM) to verify https servers with, instead of the system ones. */
  readonly trustedCa?: string;
}

/** Where the token comes from. */
export interface TokenSource {
  /** The token to send as `X-Auth-Token` (undefined: none). */
  readonly token: () => Promise<string | undefined>;
  /** Forgets the token and gets a new one (Keystone credentials only). */
  readonly renew?: () => Promise<void>;
}

/** The HTTP methods the client sends. */
export type ClientMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The optional parts of a client request: a JSON body and extra headers. */
export interface ClientRequest {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The client's requests over the library's one HTTP client: JSON in and out, the token
 * as `X-Auth-Token`, the exchange written to the debug sink, transport failures as
 * `GLUON_ERR_CLI_UNREACHABLE`.
 */
export class ClientHttp {
  private tokenSource: TokenSource = { token: async () => undefined };
  private readonly client: HttpClient;

  constructor(private readonly options: ClientHttpOptions = {}) {
    this.client = new HttpClient({
      unreachable: unreachableError,
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
    });
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.client.close();
  }

  /** Sends the tokens of `source` from now on (credentials are read with this client, then used by it). */
  useCredentials(source: TokenSource): void {
    this.tokenSource = source;
  }

  /** The token to send (the watch stream sends it too). */
  async token(): Promise<string | undefined> {
    return this.tokenSource.token();
  }

  /** True when the token can be renewed (Keystone credentials). */
  canRenewToken(): boolean {
    return this.tokenSource.renew !== undefined;
  }

  /** Forgets the token and gets a new one. */
  async renewToken(): Promise<void> {
    await this.tokenSource.renew?.();
  }

  /** Writes one debug line when `--debug` is on. */
  debug(line: string): void {
    this.options.debug?.(line);
  }

  /** Sends one request; any HTTP status is returned. */
  async send(method: ClientMethod, url: string, options: ClientRequest = {}): Promise<ClientAnswer> {
    const { body, headers: extraHeaders = {} } = options;
    const headers = await this.headers(extraHeaders);
    if (this.options.debug !== undefined) {
      const shown = Object.entries(extraHeaders).map(([k, v]) => ` (${k}: ${v})`).join('');
      this.debug(`REQ: ${method} ${url}${shown}${headers['x-auth-token'] === undefined ? '' : ' (X-Auth-Token: {SHA256 redacted})'}${body === undefined ? '' : `\nREQ BODY: ${JSON.stringify(body)}`}`);
    }
    const answer = await this.client.sendJson({ method, url, headers, json: body });
    this.debug(`RESP: ${answer.status}${answer.text === '' ? '' : `\nRESP BODY: ${answer.text}`}`);
    return { status: answer.status, headers: answer.headers, body: answer.body };
  }

  /**
   * Opens a stream (`GET` with `accept: text/event-stream`, the token, and `headers`):
   * the answer comes back as soon as its headers did; its body is read as it arrives.
   */
  async stream(url: string, options: { headers?: Readonly<Record<string, string>>; signal?: AbortSignal } = {}): Promise<StreamAnswer> {
    const headers = await this.headers({ accept: 'text/event-stream', ...options.headers });
    return this.client.stream({ method: 'GET', url, headers, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  }

  /** `accept: application/json` and the token, under the caller's headers. */
  private async headers(extra: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    const token = await this.token();
    if (token !== undefined && token !== '') headers['x-auth-token'] = token;
    return headers;
  }

  /**
   * Sends one request and returns the body of a 2xx answer; any other status throws the
   * server's fault. A 401 with Keystone credentials is retried once with a new token.
   */
  async call(method: ClientMethod, url: string, options: ClientRequest = {}): Promise<unknown> {
    let answer = await this.send(method, url, options);
    if (answer.status === 401 && this.canRenewToken()) {
      // a cached Keystone token the server refuses (revoked, or Keystone restarted): get a new one, once
      this.debug('the server refused the token: getting a new one');
      await this.renewToken();
      answer = await this.send(method, url, options);
    }
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw faultError(answer);
  }
}

function unreachableError(failure: TransportFailure): GluonError {
  const { url, method, code } = failure;
  const reason = failure.timedOut ? 'no answer in time' : code !== undefined && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code) ? `its certificate is not trusted (${code}); give its CA with --os-cacert or OS_CACERT` : (code ?? failure.reason);
  return new GluonError('GLUON_ERR_CLI_UNREACHABLE', `The Proton server at ${url.origin} could not be reached for ${method} ${url.pathname}: ${reason}.`, { cause: failure.cause });
}

/** The server's fault (`faultstring`, `code`, `details`) of an answer, as `GLUON_ERR_CLI_FAULT`. */
export function faultError(answer: ClientAnswer): GluonError {
  const fault = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as { faultstring?: unknown; code?: unknown; details?: unknown };
  const message = typeof fault.faultstring === 'string' ? fault.faultstring : typeof answer.body === 'string' ? answer.body.trim().slice(0, 500) : `HTTP ${answer.status}`;
  const code = typeof fault.code === 'string' ? fault.code : `HTTP_${answer.status}`;
  const details = Array.isArray(fault.details) ? (fault.details as ErrorDetail[]) : [];
  return new ServerFault({ status: answer.status, serverCode: code, message, details });
}

/** A fault the server answered with: its status, its own code and details. */
export class ServerFault extends GluonError {
  /** The server's code, e.g. `GLUON_ERR_VALIDATION`. */
  readonly serverCode: string;

  constructor(fault: { status: number; serverCode: string; message: string; details: readonly ErrorDetail[] }) {
    super('GLUON_ERR_CLI_FAULT', fault.message, { status: fault.status, details: fault.details });
    this.serverCode = fault.serverCode;
  }
}
