import type { OpenApiDocument } from '../model/index.js';

type Json = Record<string, unknown>;

const WATCH_PARAMETERS: readonly Json[] = [
  {
    name: 'watch',
    in: 'query',
    required: false,
    description: 'true: stream changes as Server-Sent Events (text/event-stream) instead of answering one page; see docs/api.md, "Watching".',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
  {
    name: 'resourceVersion',
    in: 'query',
    required: false,
    description: 'With watch=true: send only the changes after this revision (an event id), with no initial list. Same as the Last-Event-ID header.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description: 'With watch=true: the id of the last event received; the stream resumes after it.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
];

const EVENT_STREAM = {
  schema: {
    type: 'string',
    description:
      'Server-Sent Events. `event: ADDED|MODIFIED|DELETED`, `id: <revision>`, `data: <the object as GET returns it>`; ' +
      '`event: BOOKMARK` (`data: {}`) ends the initial list; `event: ERROR` (`data: {"code","faultstring"}`) ends the stream; ' +
      '`: heartbeat` comments keep idle streams open.',
  },
};

const CAPABILITIES_PATH = {
  get: {
    tags: ['capabilities'],
    operationId: 'capabilities',
    summary: 'What this server offers: version, APIs and their versions, authentication, features and limits',
    responses: {
      '200': {
        description: 'The capabilities document',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['server', 'apis', 'auth', 'features'],
              properties: {
                server: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } } },
                openapi: { type: 'string', description: 'URL of this OpenAPI document' },
                apis: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      name: { type: 'string' },
                      default_version: { type: 'string', nullable: true },
                      versions: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            version: { type: 'string' },
                            status: { type: 'string' },
                            href: { type: 'string' },
                            resources: { type: 'array', items: { type: 'string' } },
                          },
                        },
                      },
                    },
                  },
                },
                auth: {
                  type: 'object',
                  properties: {
                    strategy: { type: 'string', enum: ['noauth', 'token-file', 'keystone'] },
                    header: { type: 'string' },
                    auth_url: { type: 'string' },
                    how_to_get_token: { type: 'string' },
                  },
                },
                features: {
                  type: 'object',
                  description: 'watch, bind (deadline bounds), filters, sorting, paging (max_limit), fields, if_match; each with `supported`.',
                  additionalProperties: { type: 'object', properties: { supported: { type: 'boolean' } }, additionalProperties: true },
                },
              },
            },
          },
        },
      },
    },
  },
};

function isListOperation(operation: unknown): operation is Json {
  return typeof operation === 'object' && operation !== null && String((operation as Json)['operationId']).includes('.list');
}

/**
 * The OpenAPI document with the watch stream (`watch`, `resourceVersion`,
 * `Last-Event-ID` and the `text/event-stream` answer on every list) and
 * `GET /proton/capabilities` added. `capabilitiesPath` is where the route is served.
 */
export function withWatchAndCapabilities(document: OpenApiDocument, capabilitiesPath: string, watch: boolean): OpenApiDocument {
  const paths: Json = { ...(document['paths'] as Json | undefined) };
  if (watch) {
    for (const [path, item] of Object.entries(paths)) {
      const get = (item as Json)['get'];
      if (!isListOperation(get)) continue;
      const responses = get['responses'] as Json;
      const ok = responses['200'] as Json;
      const content = { ...(ok['content'] as Json), 'text/event-stream': EVENT_STREAM };
      paths[path] = {
        ...(item as Json),
        get: {
          ...get,
          parameters: [...(get['parameters'] as unknown[]), ...WATCH_PARAMETERS],
          responses: { ...responses, '200': { ...ok, description: `${String(ok['description'])}, or with watch=true a stream of changes`, content } },
        },
      };
    }
  }
  paths[capabilitiesPath] = CAPABILITIES_PATH;
  const tags = [...((document['tags'] as unknown[] | undefined) ?? []), { name: 'capabilities', description: 'What this server offers' }];
  return { ...document, tags, paths };
}
