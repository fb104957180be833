// The OpenAPI 3.1 document, generated from the same route declarations the server registers.
import { z } from 'zod';
import { ErrorBody, type RouteDoc } from './route.js';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

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

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(route: RouteDoc) {
  const responses: Record<string, unknown> = {
    200: {
      description: 'OK',
      content: {
        ...(route.response ? { 'application/json': { schema: jsonSchema(route.response, 'output') } } : {}),
        ...Object.fromEntries((route.produces ?? []).map((type) => [type, {}])),
      },
    },
  };
  if (route.query || route.params || route.body) responses[400] = error('a parameter or the body is invalid, or over a limit');
  if (route.roles) {
    responses[401] = error('missing or unknown API key');
    responses[403] = error(`the key's role may not call this (allowed: ${route.roles.join(', ')}, admin)`);
  }
  for (const [status, description] of Object.entries(route.otherStatus ?? {})) responses[status] = error(description);
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.roles ? { security: [{ apiKey: [] }], 'x-roles': [...route.roles, 'admin'] } : { security: [] }),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? { requestBody: { required: true, content: Object.fromEntries(route.body.contentTypes.map((t) => [t, { schema: jsonSchema(route.body!.schema, 'input') }])) } }
      : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly RouteDoc[], version: string) {
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
      description: 'Access trails for analysts, SLIs for SREs, a risk summary for executives, and HTTP ingest. Every /api/v1 route takes a bearer API key whose role allows it.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from ZTNA_API_KEYS; its role decides which routes it may call' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
    paths,
  };
}
