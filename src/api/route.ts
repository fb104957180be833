// One declaration per route, open or not: who may call it, its zod-validated query and path
// parameters, its body and response, the errors it answers, and its handler. The server
// registers routes from these declarations and /openapi.json is generated from the same
// ones, so the two cannot drift.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Role } from './auth.js';
import { apiError, type ErrorCode } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route (admin always may): read by the auth plugin of the /api/v1 scope. */
    roles?: readonly Role[];
  }
}

/** What the OpenAPI document says about a route. */
export interface RouteDoc {
  method: 'GET' | 'POST';
  url: string;
  /** Roles that may call it (admin always may); none: open (health, readiness, metrics, this document). */
  roles?: readonly Role[];
  summary: string;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  /** A request body, for the document: the handler reads it as the content type's parser gives it. */
  body?: { schema: z.ZodType; contentTypes: string[] };
  /** The 200 response (application/json), validated; none for answers that are not JSON. */
  response?: z.ZodType;
  /** Other representations of the 200 response (text, streamed exports). */
  produces?: string[];
  /** Errors of the catalogue it answers besides 400 (bad input), 401 and 403 (roles), each with when. */
  errors?: Partial<Record<ErrorCode, string>>;
}

export interface Input<Q, P> {
  query: Q;
  params: P;
  body: unknown;
  req: FastifyRequest;
}

/** A route whose handler returns the response, or the reply itself when it answered (a stream). */
export interface Route<Q = unknown, P = unknown> extends RouteDoc {
  handler(input: Input<Q, P>, reply: FastifyReply): Promise<unknown>;
}

/** Declares a route with its handler typed from its schemas. */
export function declareRoute<QS extends z.ZodType = z.ZodUndefined, PS extends z.ZodType = z.ZodUndefined>(
  route: RouteDoc & { query?: QS; params?: PS; handler(input: Input<z.output<QS>, z.output<PS>>, reply: FastifyReply): Promise<unknown> },
): Route {
  return route as Route;
}

/** Each zod issue as `field: what is wrong`. */
const problems = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');

/** What the schema makes of a part of the request; a 400 naming each wrong field when it refuses it. */
export function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S>;
export function validated(schema: z.ZodType | undefined, value: unknown): unknown;
export function validated(schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw apiError('bad_request', problems(result.error));
  return result.data;
}

export function registerRoute(app: FastifyInstance, route: Route): void {
  app.route({
    method: route.method,
    url: route.url,
    config: route.roles ? { roles: route.roles } : {},
    handler: async (req, reply) => {
      const query = validated(route.query, req.query ?? {});
      const params = validated(route.params, req.params);
      const result = await route.handler({ query, params, body: req.body, req }, reply);
      // A response that breaks its own schema is a bug here, not the caller's: it fails loudly.
      return result === reply || !route.response ? result : route.response.parse(result);
    },
  });
}

/** Registers routes in a scope of their own. */
export const routesPlugin: FastifyPluginAsync<{ routes: readonly Route[] }> = async (scope, { routes }) => {
  for (const route of routes) registerRoute(scope, route);
};
