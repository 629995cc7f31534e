import { writeSync } from 'node:fs';
import { pino, type Bindings, type ChildLoggerOptions, type Logger, type LoggerOptions } from 'pino';
import type { LogFormat } from './config/index.js';

/** True when `value` looks like a ready pino logger rather than pino options. */
export function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function' &&
    typeof (value as Logger).error === 'function'
  );
}

/** How {@link createServerLogger} writes when it builds the logger itself. */
export interface ServerLogOutput {
  /** `pretty` or `json` (default: pretty when stderr is a terminal, JSON otherwise). */
  readonly format?: LogFormat | undefined;
  /** The file descriptor written to (default 2, stderr: the stream every `gluon` command logs to). */
  readonly fd?: number;
  /** Write JSON lines to this stream instead of a file descriptor (embedding, tests). */
  readonly stream?: { write(line: string): unknown };
}

/**
 * The server's logger: the given pino instance, or a pino logger built from the given
 * options (default level `info`) writing to stderr — JSON lines, or readable lines when
 * `format` is `pretty` (the default on a terminal).
 *
 * Either way its child loggers never repeat a key: a child binding a key its parent
 * already bound (`part`, `api`) replaces it, so every line is JSON with unique keys.
 */
export function createServerLogger(option: Logger | LoggerOptions | undefined, output: ServerLogOutput = {}): Logger {
  if (isLogger(option)) return Object.hasOwn(option, BOUND) ? option : withUniqueBindings(option, {});
  const fd = output.fd ?? 2;
  const format = output.format ?? (process.stderr.isTTY && fd === 2 ? 'pretty' : 'json');
  const destination = output.stream ?? (format === 'pretty' ? prettyDestination(fd) : pino.destination({ fd, sync: true }));
  return withUniqueBindings(pino({ level: 'info', name: 'gluon', ...option, hooks: { logMethod: dropBoundKeys } }, destination), {});
}

/** Where {@link withUniqueBindings} keeps a logger's bindings, for {@link dropBoundKeys}. */
const BOUND = Symbol('gluon.boundKeys');

/**
 * pino `logMethod` hook: a key of the logged object that the logger already bound with the
 * same value is left out (pino would print it twice); a different value is kept under
 * `<key>_` so that no line has a duplicate key and nothing is lost.
 */
function dropBoundKeys(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void): void {
  const bound = (this as unknown as { [BOUND]?: Bindings })[BOUND];
  const [first, ...rest] = args as unknown[];
  if (bound === undefined || typeof first !== 'object' || first === null || first instanceof Error) {
    method.apply(this, args as unknown[]);
    return;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(first)) {
    if (!Object.hasOwn(bound, key)) continue;
    copy ??= { ...(first as Record<string, unknown>) };
    delete copy[key];
    if (bound[key] !== value) copy[`${key}_`] = value;
  }
  method.apply(this, [copy ?? first, ...rest]);
}

/**
 * A child of `root` whose own `child()` merges the new bindings into the ones it holds
 * and derives from `root` again (pino appends a child's bindings to its parent's, so
 * `child({ part: 'a' }).child({ part: 'b' })` would print `"part"` twice).
 */
function withUniqueBindings(root: Logger, bindings: Bindings, options: ChildLoggerOptions = {}): Logger {
  const logger = root.child(bindings, options);
  const child = (more: Bindings, childOptions: ChildLoggerOptions = {}): Logger =>
    withUniqueBindings(root, { ...bindings, ...more }, {
      ...options,
      level: logger.level,
      ...childOptions,
      // serializers accumulate down the chain, as with pino's own children
      serializers: { ...options.serializers, ...childOptions.serializers },
    });
  Object.defineProperty(logger, 'child', { value: child, configurable: true, writable: true });
  if (!Object.hasOwn(logger, BOUND)) Object.defineProperty(logger, BOUND, { value: bindings });
  return logger;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Keys shown in the line's head or left out of the pretty line. */
const HEAD_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'part']);

/** A pino destination that turns each JSON line into `12:00:01.234 WARN  [part] message key=value …`. */
function prettyDestination(fd: number): { write(line: string): void } {
  return {
    write(line: string): void {
      writeSync(fd, `${prettyLine(line)}\n`);
    },
  };
}

/** One JSON log line as a readable line (the line itself when it is not JSON). */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[Number(entry['level'])] ?? String(entry['level'])).padEnd(5);
  const part = typeof entry['part'] === 'string' ? ` [${entry['part']}]` : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD_KEYS.has(key))
    .map(([key, value]) => `${key}=${showValue(value)}`);
  return [`${time} ${level}${part} ${String(entry['msg'] ?? '')}`, ...fields].join(' ');
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
    return JSON.stringify((value as { message: string }).message);
  }
  return JSON.stringify(value) ?? String(value);
}
