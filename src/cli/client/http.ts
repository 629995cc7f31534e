import { Agent, request, type Dispatcher } from 'undici';
import { GluonError, type ErrorDetail } from '../../core/errors/index.js';

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
  /** Timeout of one request in ms. @default 30000 */
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

/**
 * The client's one HTTP path (undici): JSON in and out, the token as `X-Auth-Token`,
 * the exchange written to the debug sink, transport failures as `GLUON_ERR_CLI_UNREACHABLE`.
 */
/** The optional parts of a client request: a JSON body and extra headers. */
export interface ClientRequest {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export class ClientHttp {
  private tokenSource: TokenSource = { token: async () => undefined };
  /** The dispatcher of every request (one that trusts `trustedCa`), or undefined: undici's global one. */
  readonly dispatcher: Dispatcher | undefined;

  constructor(private readonly options: ClientHttpOptions = {}) {
    this.dispatcher = options.trustedCa === undefined ? undefined : new Agent({ connect: { ca: options.trustedCa } });
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
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    const token = await this.token();
    if (token !== undefined && token !== '') headers['x-auth-token'] = token;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const shown = Object.entries(extraHeaders).map(([k, v]) => ` (${k}: ${v})`).join('');
    this.debug(`REQ: ${method} ${url}${shown}${token === undefined ? '' : ' (X-Auth-Token: {SHA256 redacted})'}${payload === undefined ? '' : `\nREQ BODY: ${payload}`}`);
    let status: number;
    let answerHeaders: ClientAnswer['headers'];
    let text: string;
    try {
      const answer = await request(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      status = answer.statusCode;
      answerHeaders = answer.headers as ClientAnswer['headers'];
      text = await answer.body.text();
    } catch (err) {
      throw new GluonError('GLUON_ERR_CLI_UNREACHABLE', `The Proton server at ${new URL(url).origin} could not be reached for ${method} ${new URL(url).pathname}: ${transportReason(err)}.`, { cause: err });
    }
    this.debug(`RESP: ${status}${text === '' ? '' : `\nRESP BODY: ${text}`}`);
    return { status, headers: answerHeaders, body: parseBody(text) };
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

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function transportReason(err: unknown): string {
  if ((err as Error).name === 'TimeoutError') return 'no answer in time';
  const code = (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== 'string') return String((err as Error).message);
  return /CERT|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code) ? `its certificate is not trusted (${code}); give its CA with --os-cacert or OS_CACERT` : code;
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
