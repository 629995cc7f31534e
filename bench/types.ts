/**
 * Shared types of the HTTP benchmark (`npm run bench`): the configuration handed to a
 * server process, the message it answers with, and the result object of a run.
 */

/** The database kinds the benchmark compares on. */
export type DbKind = 'sqlite' | 'mariadb';

/** The two servers under comparison. */
export type ServerKind = 'baseline' | 'gluon';

/** The measured cases. */
export type CaseName = 'create' | 'get' | 'list';

/** Every case, in the order they run against one server process. */
export const CASES: readonly CaseName[] = ['get', 'list', 'create'];

/** What a benchmark server process receives (JSON in the `BENCH_SERVER_CONFIG` variable). */
export interface ServerConfig {
  /** Database URL in the reference server's syntax: `sqlite:<file>` or `mysql://root@127.0.0.1:3306/<db>`. */
  readonly db: string;
  /** Listen address (always loopback). */
  readonly host: string;
}

/** The IPC message a server process sends once it listens. */
export interface ReadyMessage {
  readonly type: 'ready';
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Path of the port collection, e.g. `/ports` or `/proton/net-l3vpn/v1.0/ports`. */
  readonly portsPath: string;
}

/** One autocannon measurement. */
export interface Sample {
  /** Successful (2xx) responses per second. */
  readonly rps: number;
  /** Latency percentiles in milliseconds, as autocannon reports them. */
  readonly p50: number;
  readonly p99: number;
  /** Responses that were not 2xx, and connection errors/timeouts. */
  readonly non2xx: number;
  readonly errors: number;
  /** 1-minute load average of the box when the sample ended (other work shows here). */
  readonly load1: number;
  /** Server CPU (every thread, from /proc) per 2xx response, ms: steadier than req/s on a busy box. */
  readonly cpuMs?: number;
}

/** The median over the runs of one case, server and database, plus the raw runs. */
export interface CaseResult extends Sample {
  readonly runs: readonly Sample[];
}

/** Results of one database: per server, per case. */
export type DbResult = Record<ServerKind, Partial<Record<CaseName, CaseResult>>>;

/** gluon / baseline req/s per case. */
export type Ratios = Partial<Record<CaseName, number>>;

/** What a benchmark run produces (and `bench/results/latest.json` holds). */
export interface BenchResult {
  /** ISO time the run started. */
  readonly date: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly platform: string;
    /** 1-minute load average when the run started and ended (other work on the box shows here). */
    readonly loadAverage: { readonly before: number; readonly after: number };
  };
  readonly params: BenchParams;
  readonly databases: Partial<Record<DbKind, DbResult>>;
  readonly ratios: Partial<Record<DbKind, Ratios>>;
}

/** The knobs of a run. */
export interface BenchParams {
  readonly databases: readonly DbKind[];
  readonly servers: readonly ServerKind[];
  /** The cases to measure (in {@link CASES} order). */
  readonly cases: readonly CaseName[];
  /** Seconds measured per case. */
  readonly duration: number;
  /** Seconds of warm-up load before each case (not measured). */
  readonly warmup: number;
  readonly connections: number;
  /** Interleaved runs per server and database (the median is reported). */
  readonly runs: number;
  /** Ports created before the read cases. */
  readonly seed: number;
}
