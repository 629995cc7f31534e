import type { FastifyReply } from 'fastify';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends `body` as a route's answer, serialized by its response schema. @internal */
export type RespondWithSchema = (reply: FastifyReply, body: unknown) => FastifyReply;

/**
 * The response serializer of one route, compiled from `schema` on the route's first answer
 * (fastify keeps it per route), not for every route when the server starts: a server with
 * several models has hundreds of routes, most of which a deployment never answers, and
 * each compiled serializer is code and memory held from start-up. The answer is the same
 * as with the schema in the route's `response` (fast-json-stringify, the same options).
 * @internal
 */
export function respondWithSchema(schema: Readonly<Record<string, unknown>>): RespondWithSchema {
  let own: Record<string, unknown> | undefined;
  return (reply, body) => {
    // the compiler may annotate the schema it is given: a copy of our own, made once
    own ??= structuredClone(schema);
    const serialize = reply.compileSerializationSchema(own, String(reply.statusCode));
    return reply.type(JSON_CONTENT_TYPE).serializer(serialize).send(body);
  };
}
