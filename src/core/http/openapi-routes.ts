import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
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

/** `GET /proton/openapi.json` (register inside the `/proton` scope). */
export function registerOpenApiRoute(scope: FastifyInstance, document: OpenApiDocument): void {
  const body = JSON.stringify(document);
  scope.get('/openapi.json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
}

/**
 * The Swagger UI page at `/proton/docs`: `@fastify/swagger` in static mode with the
 * generated document, and `@fastify/swagger-ui` (register in the plugin's own scope).
 */
export async function registerSwaggerUi(instance: FastifyInstance, document: OpenApiDocument): Promise<void> {
  await instance.register(swagger, {
    mode: 'static',
    specification: { document: structuredClone(document) as never },
  });
  await instance.register(swaggerUi, {
    routePrefix: '/proton/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: false,
  });
}
