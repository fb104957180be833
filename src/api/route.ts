// One declaration per API route: who may call it, its zod-validated query, path parameters
// and response, and its handler. The server registers routes from these declarations and the
// OpenAPI document is generated from the same ones, so the two cannot drift.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Role } from './auth.js';

export const ErrorBody = z.object({ error: z.string(), message: z.string() });

/** What the OpenAPI document says about a route. */
export interface RouteDoc {
  method: 'GET' | 'POST';
  url: string;
  /** Roles that may call it (admin always may); none: open (health, metrics). */
  roles?: readonly Role[];
  summary: string;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  /** A JSON request body, for the document only (the route parses its own body). */
  body?: { schema: z.ZodType; contentTypes: string[] };
  /** The 200 response (application/json), or only a content type for non-JSON answers. */
  response?: z.ZodType;
  /** Other representations of the 200 response, chosen with Accept (streamed exports). */
  produces?: string[];
  /** Non-200 answers the route gives besides 400/401/403. */
  otherStatus?: Record<number, string>;
}

export interface Input<Q, P> {
  query: Q;
  params: P;
  req: FastifyRequest;
}

/** A route whose handler returns the response (validated against `response`) or the reply itself when it answered. */
export interface ApiRoute<Q = unknown, P = unknown> extends RouteDoc {
  response: z.ZodType;
  handler(input: Input<Q, P>, reply: FastifyReply): Promise<unknown>;
}

/** Declares a route with its handler typed from its schemas. */
export function apiRoute<QS extends z.ZodType = z.ZodUndefined, PS extends z.ZodType = z.ZodUndefined>(
  route: RouteDoc & { query?: QS; params?: PS; response: z.ZodType; handler(input: Input<z.output<QS>, z.output<PS>>, reply: FastifyReply): Promise<unknown> },
): ApiRoute {
  return route as ApiRoute;
}

export function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
}

export function registerRoute(app: FastifyInstance, route: ApiRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    config: route.roles ? { roles: route.roles } : {},
    handler: async (req, reply) => {
      const query = route.query ? route.query.safeParse(req.query ?? {}) : { success: true as const, data: undefined };
      if (!query.success) return badRequest(reply, query.error);
      const params = route.params ? route.params.safeParse(req.params) : { success: true as const, data: undefined };
      if (!params.success) return badRequest(reply, params.error);
      const result = await route.handler({ query: query.data, params: params.data, req }, reply);
      if (result === reply) return reply;
      // A response that breaks its own schema is a bug here, not the caller's: it fails loudly.
      return route.response.parse(result);
    },
  });
}
