import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Adds the request metrics (`gluon_http_requests_total` and the
 * `gluon_http_request_duration_seconds` histogram, by route pattern, method and status)
 * to the server's own `registry`, serves them with the mirror's metrics at `GET /metrics`
 * (Prometheus text format).
 * @internal
 */
export function registerMetricsRoutes(app: FastifyInstance, registry: Registry): void {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = new Counter({ name: 'gluon_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'gluon_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern, method and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const started = new WeakMap<object, bigint>();
  // callback-style hooks: they run on every request, and an async hook costs a promise and a microtask turn
  app.addHook('onRequest', (request, _reply, done) => {
    started.set(request, process.hrtime.bigint());
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const begin = started.get(request);
    const labels = { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(status) };
    requests.inc(labels);
    if (begin !== undefined) duration.observe(labels, Number(process.hrtime.bigint() - begin) / 1e9);
    done();
  });
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
