// One catalogue of the API's error answers: each code with its status, headers and body. Every
// 4xx and 5xx the server sends is built here: handlers, hooks and body parsers throw
// `apiError(code, …)`, and fastify's own refusals (bad JSON, a body too large, a URL too long,
// an unknown route) are mapped to a code, so a client sees one shape whatever refused it.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { StoreError } from '../store/index.js';
import { unencapsulated } from './plugin.js';

export const ErrorBody = z.object({ error: z.string(), message: z.string() });
const InternalErrorBody = ErrorBody.extend({ request_id: z.string().describe("the service log's reqId of the line with the error") });
const NotReadyBody = z.object({
  status: z.literal('unavailable'),
  down: z.record(z.string(), z.string()).describe('each dependency that is down: what is wrong, and since when'),
});

interface ErrorSpec<Args extends unknown[]> {
  status: number;
  headers: Readonly<Record<string, string>>;
  /** The body's schema, for the OpenAPI document. */
  schema: z.ZodType;
  body(code: string, ...args: Args): object;
}

const spec = <Args extends unknown[]>(s: ErrorSpec<Args>) => s;

/** The usual answer: the code and a sentence saying what is wrong. */
const refusal = <Args extends unknown[]>(status: number, message: (...args: Args) => string, headers: Record<string, string> = {}) =>
  spec<Args>({ status, headers, schema: ErrorBody, body: (error, ...args) => ({ error, message: message(...args) }) });

const asSaid = (message: string) => message;

export const API_ERRORS = {
  bad_request: refusal(400, asSaid),
  json_too_deep: refusal(400, (maxDepth: number) => `the JSON body is nested deeper than ${maxDepth} levels`),
  unauthorized: refusal(401, (reason: string) => `${reason}: send Authorization: Bearer <key>`, { 'www-authenticate': 'Bearer' }),
  forbidden: refusal(403, asSaid),
  not_found: refusal(404, asSaid),
  body_too_large: refusal(413, asSaid),
  uri_too_long: refusal(414, asSaid),
  unsupported_media_type: refusal(415, asSaid),
  internal: spec({
    status: 500,
    headers: {},
    schema: InternalErrorBody,
    body: (error, requestId: string) => ({
      error,
      message: `internal error; the service log has the details under request id ${requestId}`,
      request_id: requestId,
    }),
  }),
  // The sender keeps the events and sends them again; what was stored collapses on its event id.
  store_unavailable: refusal(
    503,
    () => 'the store cannot take events right now; send the same request again later (events already stored are not stored twice)',
    { 'retry-after': '5' },
  ),
  not_ready: spec({
    status: 503,
    headers: {},
    schema: NotReadyBody,
    body: (_code, down: Record<string, string>) => ({ status: 'unavailable', down }),
  }),
};

export type ErrorCode = keyof typeof API_ERRORS;
type ErrorArgs<C extends ErrorCode> = Parameters<(typeof API_ERRORS)[C]['body']> extends [string, ...infer Args] ? Args : never;

/** An answer from the catalogue, thrown where the refusal is found and sent by the error handler. */
class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: object,
  ) {
    super(`${statusCode} ${code}`);
  }
}

export function apiError<C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): ApiError {
  // Looked up by a generic code, the entry loses its pairing with the arguments checked at the call.
  const { status, headers, body } = API_ERRORS[code] as unknown as ErrorSpec<ErrorArgs<C>>;
  return new ApiError(code, status, headers, body(code, ...args));
}

/** Why a request was refused, when the error is the catalogue's 403. */
export function forbiddenReason(err: unknown): string | undefined {
  return err instanceof ApiError && err.code === 'forbidden' ? (err.body as z.infer<typeof ErrorBody>).message : undefined;
}

/** The catalogue's code for each status of fastify's own refusals. */
const FASTIFY_REFUSALS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  413: 'body_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
};

/** What to answer for an error: its own answer, fastify's refusal in the catalogue's words, or a 500 logged with the request id. */
function answerFor(err: FastifyError | ApiError | Error, req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const status = (err as Partial<FastifyError>).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return apiError(FASTIFY_REFUSALS[status] ?? 'bad_request', err.message);
  req.log.error({ err, method: req.method, route: req.routeOptions.url }, 'request failed');
  return apiError('internal', req.id);
}

const sendError = (reply: FastifyReply, error: ApiError) => reply.code(error.statusCode).headers(error.headers).send(error.body);

/** The server's error handler, and its `frameworkErrors` option (the router's refusals: a bad or over-long URL). */
export const answerError = (err: Error, req: FastifyRequest, reply: FastifyReply) => sendError(reply, answerFor(err, req));

/**
 * Every error answer through the catalogue, and every 5xx logged with its request id (never
 * headers or bodies). /readyz is left out of the log: the readiness monitor logs when a
 * dependency goes down or comes back, not every probe.
 */
export const errorHandling = unencapsulated(async (app) => {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, apiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}; see /openapi.json`)),
  );
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500 && req.routeOptions.url !== '/readyz') {
      req.log.error({ method: req.method, route: req.routeOptions.url, statusCode: reply.statusCode }, `answered ${reply.statusCode}`);
    }
  });
});

/** The write's result; a store that is busy or away is a 503, which the sender retries. */
export async function storeWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof StoreError && err.transient) throw apiError('store_unavailable');
    throw err;
  }
}
