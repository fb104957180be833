// The OpenAPI 3.1 document, generated from the same route declarations the server registers,
// itself among them.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { API_ERRORS, ErrorBody, type ErrorCode } from './errors.js';
import type { Route, RouteDoc } from './route.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

/** Query or path parameters of a route, from the input side of its zod object. */
function parameters(schema: z.ZodType | undefined, where: 'query' | 'path') {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

/** The errors a route answers: bad input and roles from its declaration, then the ones it names. */
function errorsOf(route: RouteDoc): Partial<Record<ErrorCode, string>> {
  return {
    ...(route.query || route.params || route.body ? { bad_request: 'a parameter or the body is invalid, or over a limit' } : {}),
    ...(route.roles
      ? {
          unauthorized: 'missing or unknown API key',
          forbidden: `the key's role may not call this (allowed: ${route.roles.join(', ')}, admin)`,
        }
      : {}),
    ...route.errors,
  };
}

/** An error response: its status and body from the catalogue. */
function errorResponse(code: ErrorCode, description: string) {
  const { status, schema } = API_ERRORS[code];
  const body = schema === ErrorBody ? { $ref: '#/components/schemas/Error' } : jsonSchema(schema, 'output');
  return [status, { description, content: { 'application/json': { schema: body } } }] as const;
}

function operation(route: RouteDoc) {
  const ok = {
    description: 'OK',
    content: {
      ...(route.response ? { 'application/json': { schema: jsonSchema(route.response, 'output') } } : {}),
      ...Object.fromEntries((route.produces ?? []).map((type) => [type, {}])),
    },
  };
  const errors = Object.entries(errorsOf(route)).map(([code, description]) => errorResponse(code as ErrorCode, description));
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.roles ? { security: [{ apiKey: [] }], 'x-roles': [...route.roles, 'admin'] } : { security: [] }),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(route.body.contentTypes.map((t) => [t, { schema: jsonSchema(route.body!.schema, 'input') }])),
          },
        }
      : {}),
    responses: { 200: ok, ...Object.fromEntries(errors) },
  };
}

function openApiDocument(routes: readonly RouteDoc[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ztna-telemetry',
      version,
      description:
        'Access trails for analysts, SLIs for SREs, a risk summary for executives, and HTTP ingest. Every /api/v1 route takes a bearer API key whose role allows it.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from ZTNA_API_KEYS; its role decides which routes it may call' },
      },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
    paths,
  };
}

const OPENAPI: RouteDoc = { method: 'GET', url: '/openapi.json', summary: 'This document' };

/** GET /openapi.json: the document of the given routes and of itself, built once. */
export function openApiRoute(routes: readonly RouteDoc[]): Route {
  const document = openApiDocument([...routes, OPENAPI], VERSION);
  return { ...OPENAPI, handler: async () => document };
}
