import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runClient, runProtonclient } from '../../src/cli/client/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';

/** What one client run printed and its exit code. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link gluon} / {@link protonclient}. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Called with the output so far after every write (a `--watch` test aborts from here). */
  readonly onOutput?: (stdout: string) => void;
}

async function run(main: typeof runClient, args: readonly string[], options: RunOptions): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
      options.onOutput?.(stdout);
    },
    stderr: (t) => {
      stderr += t;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout, stderr };
}

/** Runs `gluon <args>` in-process (the same code as the bin), with its own environment. */
export function gluon(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return run(runClient, args, options);
}

/** Runs `protonclient <args>` in-process. */
export function protonclient(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return run(runProtonclient, args, options);
}

/** A Proton server on SQLite in a temp dir, on a free port; `stop` closes it and removes the dir. */
export async function startProton(options: ProtonServerOptions = {}): Promise<{ server: ProtonServer; url: string; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-cli-'));
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, ...options });
  const url = await server.listen();
  return {
    server,
    url,
    dir,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `mac_address` → `--mac-address`. */
export function flag(attribute: string): string {
  return `--${attribute.replace(/_/g, '-')}`;
}

/**
 * A stub in front of a real server: forwards every GET (with its X-Auth-Token) but
 * answers `?watch=true` with the next scripted Server-Sent Events stream, recording the
 * `Last-Event-ID` and token of each connection.
 */
export function watchStub(target: string, script: ((res: ServerResponse, lastEventId: string | undefined) => void)[]): Promise<{ url: string; lastEventIds: (string | undefined)[]; tokens: (string | undefined)[]; server: Server }> {
  const lastEventIds: (string | undefined)[] = [];
  const tokens: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').includes('watch=true')) {
      const id = req.headers['last-event-id'];
      lastEventIds.push(typeof id === 'string' ? id : undefined);
      const token = req.headers['x-auth-token'];
      tokens.push(typeof token === 'string' ? token : undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const step = script[lastEventIds.length - 1];
      if (step === undefined) res.write(': heartbeat\n\n');
      else step(res, typeof id === 'string' ? id : undefined);
      return;
    }
    const token = req.headers['x-auth-token'];
    void request(`${target}${req.url ?? '/'}`, { method: 'GET', headers: typeof token === 'string' ? { 'x-auth-token': token } : {} }).then(async (answer) => {
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) });
      res.end(await answer.body.text());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastEventIds, tokens, server }));
  });
}

/** Writes one SSE event. */
export function sse(res: ServerResponse, event: string, id: string | undefined, data: unknown): void {
  res.write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
}

