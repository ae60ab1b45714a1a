import { brokerRetryAfterSeconds } from '@keelson/service-kit';
import { z } from 'zod';
import { ErrorBody } from '../http/error-body.js';
import type { RouteDoc } from './api-routes.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parametersOf(route: RouteDoc): JsonSchema[] {
  const of = (shape: z.ZodObject | undefined, where: 'path' | 'query') =>
    Object.entries(shape?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType, 'input'),
    }));
  return [...of(route.params, 'path'), ...of(route.query, 'query')];
}

function requestBodyOf(route: RouteDoc): JsonSchema | undefined {
  if (route.form)
    return {
      required: true,
      content: {
        'multipart/form-data': { schema: jsonSchema(route.form, 'input'), encoding: { file: { contentType: 'application/octet-stream' } } },
      },
    };
  if (route.body)
    return { required: !route.body.safeParse({}).success, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
  return undefined;
}

function responseOf(route: RouteDoc): JsonSchema {
  if ('sse' in route.response) {
    const events = Object.fromEntries(Object.entries(route.response.sse).map(([name, schema]) => [name, jsonSchema(schema, 'output')]));
    return {
      description: 'an SSE stream; `event:` names one of x-sse-events, `data:` is its JSON',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
      'x-sse-events': events,
    };
  }
  return { description: 'success', content: { 'application/json': { schema: jsonSchema(route.response as z.ZodType, 'output') } } };
}

const errorResponse = { $ref: '#/components/responses/Error' };
const unavailableResponse = { $ref: '#/components/responses/Unavailable' };

/**
 * The 503 of a route that talks to NATS (the api's error filter answers it when the broker is
 * briefly away: a restart, a leader election), with the `Retry-After` the filter sets.
 */
const unavailable = {
  description: 'the message broker is briefly unavailable; ask again after Retry-After seconds (error code broker.unavailable)',
  headers: {
    'Retry-After': {
      description: 'seconds to wait before asking again',
      required: true,
      schema: { type: 'integer', const: brokerRetryAfterSeconds },
    },
  },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

function responsesOf(route: RouteDoc): JsonSchema {
  const broker = route.withoutBroker ? {} : { '503': unavailableResponse };
  return { [String(route.status)]: responseOf(route), '4XX': errorResponse, ...broker, '5XX': errorResponse };
}

/** The OpenAPI 3.1 document of the given routes, generated from the zod schemas the routes parse with. */
export function openApiDocument(routes: RouteDoc[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const body = requestBodyOf(route);
    (paths[path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parametersOf(route),
      ...(body ? { requestBody: body } : {}),
      responses: responsesOf(route),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keelson operator API',
      version: '1',
      description:
        'Every route but /healthz, /readyz and /metrics needs `Authorization: Bearer <token>`: the admin token (any fleet) or an API token (`kls_…`, its own fleet only, within its role: 403 otherwise); `?fleet=` defaults to `default`.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      responses: {
        Error: {
          description: 'the standard error body; kind maps to the status',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        Unavailable: unavailable,
      },
    },
  };
}
