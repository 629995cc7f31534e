import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toOpenApi, type ApiModel, type OpenApiDocument } from '../model/index.js';

/** `info.title` of the generated OpenAPI document. */
export const OPENAPI_TITLE = 'Gluon Proton API';
/** `info.version` of the generated OpenAPI document (the wire format's version). */
export const OPENAPI_VERSION = '1.0.0';

/** The OpenAPI document of the registered APIs. */
export function buildOpenApi(apis: readonly ApiModel[]): OpenApiDocument {
  return toOpenApi(apis, {
    title: OPENAPI_TITLE,
    version: OPENAPI_VERSION,
    description: 'The REST API of a Gluon Proton server, generated from its models.',
  });
}

/**
 * `GET /proton/openapi.json` (register inside the `/proton` scope). The document is built
 * and serialized on the first request, not at start-up: a server nobody asks for it
 * never holds it.
 */
export function registerOpenApiRoute(scope: FastifyInstance, document: () => OpenApiDocument): void {
  let body: string | undefined;
  scope.get('/openapi.json', async (_request, reply) => {
    body ??= JSON.stringify(document());
    return reply.type('application/json; charset=utf-8').send(body);
  });
}

/** Response headers of the docs app that describe its own connection, not the answer. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/**
 * The Swagger UI page at `/proton/docs` (register in the plugin's own scope).
 * `@fastify/swagger` (static mode, the generated document) and `@fastify/swagger-ui` are
 * loaded on the first request under `/proton/docs`, into a private fastify app that
 * answers the requests forwarded to it (`inject`): a server whose docs nobody opens
 * never loads them, nor builds the document a second time.
 */
export function registerSwaggerUi(instance: FastifyInstance, document: () => OpenApiDocument): void {
  const routePrefix = `${instance.prefix}/proton/docs`;
  let docsApp: Promise<FastifyInstance> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    docsApp ??= buildDocsApp(routePrefix, document).catch((err: unknown) => {
      docsApp = undefined;
      throw err;
    });
    // asked as GET (a HEAD too: fastify drops the body of this route's HEAD answer and keeps its length)
    const answer = await (await docsApp).inject({ method: 'GET', url: request.url, headers: request.headers });
    reply.code(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !CONNECTION_HEADERS.has(name)) reply.header(name, value);
    }
    return reply.send(answer.rawPayload);
  };
  instance.get('/proton/docs', forward);
  instance.get('/proton/docs/*', forward);
}

/** The private app that serves Swagger UI under `routePrefix`. */
async function buildDocsApp(routePrefix: string, document: () => OpenApiDocument): Promise<FastifyInstance> {
  const [{ default: fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const app = fastify({ logger: false });
  await app.register(swagger, { mode: 'static', specification: { document: document() as never } });
  await app.register(swaggerUi, { routePrefix, uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: false });
  await app.ready();
  return app;
}
