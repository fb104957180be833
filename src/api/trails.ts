// GET /api/v1/trails: the analyst's access trail. JSON pages with a keyset cursor, or the
// whole range streamed as NDJSON or CSV page by page, so an export never sits in memory.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fromClickHouseTime, namedQuery, numberOrNull, rangeParams, toClickHouseTime, type Store } from '../store/index.js';
import { timeRange } from './range.js';
import { apiRoute } from './route.js';

export const MAX_PAGE = 1000;
export const EXPORT_FORMATS = { ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
type ExportFormat = keyof typeof EXPORT_FORMATS;

const filter = (max: number, what: string) => z.string().max(max).default('').describe(what);
const FILTERS = {
  principal: filter(512, 'principal_id'),
  device: filter(256, 'device_id'),
  app: filter(256, 'application or resource'),
  session_id: filter(256, 'session id'),
  token_id: filter(128, 'token id (jti or the keyed HMAC the normalizer made of the token)'),
  src_ip: z.union([z.ipv4(), z.ipv6(), z.literal('')]).default('').describe('source IP address'),
  decision: z.enum(['allow', 'deny', 'error', '']).default('').describe('only policy decisions with this result'),
  outcome: z.enum(['success', 'failure', 'error', '']).default('').describe('only authentications with this outcome'),
  tenant: filter(128, 'tenant (empty: all)'),
  related: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('also the events that share a session or correlation id with the matching ones'),
};

interface Position {
  time: string;
  kind: string;
  event_id: string;
}

interface Cursor extends Position {
  from: string;
  to: string;
  filters: string;
}

const filtersDigest = (q: Record<keyof typeof FILTERS, unknown>) =>
  createHash('sha256')
    .update(JSON.stringify(Object.keys(FILTERS).map((k) => q[k as keyof typeof FILTERS])))
    .digest('base64url')
    .slice(0, 16);

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    const fields = [c.time, c.kind, c.event_id, c.from, c.to, c.filters];
    return fields.every((f) => typeof f === 'string') && !Number.isNaN(Date.parse(c.from)) && !Number.isNaN(Date.parse(c.to)) ? c : undefined;
  } catch {
    return undefined;
  }
}

export const TrailsQuery = timeRange(
  {
    ...FILTERS,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE} (JSON only; an export streams the whole range)`),
    cursor: z.string().max(2048).optional().describe('next_cursor of the previous page: the range and position it pins'),
    format: z.enum(['json', 'ndjson', 'csv']).optional().describe('instead of the Accept header: ndjson or csv stream an export'),
  },
  86400_000,
).transform((q, ctx) => {
  const filters = filtersDigest(q);
  if (q.cursor === undefined) return { ...q, filters, after: undefined };
  const c = decodeCursor(q.cursor);
  if (!c) {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'not a cursor this API gave out' });
    return z.NEVER;
  }
  if (c.filters !== filters) {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'the cursor belongs to a query with other filters: send the same filters as the first page' });
    return z.NEVER;
  }
  // The cursor pins the range of the first page, so "to = now" does not move between pages.
  return { ...q, from: new Date(c.from), to: new Date(c.to), filters, after: { time: c.time, kind: c.kind, event_id: c.event_id } };
});
export type TrailsQuery = z.output<typeof TrailsQuery>;

export const TrailEvent = z.object({
  kind: z.enum(['auth', 'policy', 'posture', 'token']),
  time: z.string(),
  event_id: z.string(),
  tenant: z.string(),
  source: z.string(),
  principal_id: z.string(),
  device_id: z.string(),
  src_ip: z.string(),
  geo_country: z.string(),
  user_agent: z.string(),
  app: z.string(),
  session_id: z.string(),
  correlation_id: z.string(),
  outcome: z.string().describe('auth'),
  auth_method: z.string().describe('auth'),
  idp: z.string().describe('auth'),
  failure_reason: z.string().describe('auth'),
  decision: z.string().describe('policy'),
  policy_id: z.string().describe('policy'),
  policy_version: z.string().describe('policy'),
  rule: z.string().describe('policy'),
  reasons: z.array(z.string()).describe('policy'),
  eval_latency_ms: z.number().nullable().describe('policy'),
  activity: z.string().describe('token'),
  token_id: z.string().describe('token'),
  compliant: z.boolean().nullable().describe('posture'),
  failed_checks: z.array(z.string()).describe('posture'),
  related: z.boolean().describe('true when it is in the trail only through a shared session or correlation id'),
});
export type TrailEvent = z.infer<typeof TrailEvent>;

export const TrailPage = z.object({
  from: z.string(),
  to: z.string(),
  events: z.array(TrailEvent),
  next_cursor: z.string().nullable().describe('pass as cursor (with the same filters) for the next page; null on the last page'),
});

type RawRow = Omit<TrailEvent, 'related' | 'eval_latency_ms'> & { related: number | boolean; eval_latency_ms: number | string | null };

const trailEvent = (r: RawRow): TrailEvent => ({
  ...r,
  time: fromClickHouseTime(r.time),
  eval_latency_ms: numberOrNull(r.eval_latency_ms),
  related: Boolean(Number(r.related)),
});

async function fetchPage(store: Store, q: TrailsQuery, after: Position | undefined, limit: number): Promise<TrailEvent[]> {
  const rows = await store.query<RawRow>(namedQuery('trail'), {
    ...rangeParams(q),
    ...Object.fromEntries(Object.keys(FILTERS).map((k) => [k, q[k as keyof typeof FILTERS]])),
    after_time: toClickHouseTime(after?.time ?? '1970-01-01T00:00:00.000Z'),
    after_kind: after?.kind ?? '',
    after_id: after?.event_id ?? '',
    limit,
  } as Record<string, string | number | boolean>);
  return rows.map(trailEvent);
}

const positionOf = (e: TrailEvent): Position => ({ time: e.time, kind: e.kind, event_id: e.event_id });

export async function trailPage(store: Store, q: TrailsQuery): Promise<z.input<typeof TrailPage>> {
  const rows = await fetchPage(store, q, q.after, q.limit + 1);
  const events = rows.slice(0, q.limit);
  const last = events.at(-1);
  const range = { from: q.from.toISOString(), to: q.to.toISOString() };
  return {
    ...range,
    events,
    next_cursor: rows.length > q.limit && last ? encodeCursor({ ...positionOf(last), ...range, filters: q.filters }) : null,
  };
}

/** Every event of the trail from the query's position on, fetched `pageSize` at a time. */
export async function* trailEvents(store: Store, q: TrailsQuery, pageSize: number): AsyncGenerator<TrailEvent> {
  let after = q.after;
  for (;;) {
    const page = await fetchPage(store, q, after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = positionOf(page.at(-1)!);
  }
}

const COLUMNS = Object.keys(TrailEvent.shape) as Array<keyof TrailEvent>;

/** One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula is prefixed with '. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join('|') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function* renderExport(events: AsyncIterable<TrailEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
  for await (const e of events) yield format === 'csv' ? `${COLUMNS.map((c) => csvCell(e[c])).join(',')}\r\n` : `${JSON.stringify(e)}\n`;
}

/** ndjson or csv when asked for by `format` or by the Accept header; undefined for a JSON page. */
function exportFormat(q: TrailsQuery, req: FastifyRequest): ExportFormat | undefined {
  if (q.format) return q.format === 'json' ? undefined : q.format;
  const accept = req.headers.accept ?? '';
  return (Object.keys(EXPORT_FORMATS) as ExportFormat[]).find((f) => accept.includes(EXPORT_FORMATS[f]));
}

export const trailsRoute = (store: Store, exportPageSize: number) =>
  apiRoute({
    method: 'GET',
    url: '/api/v1/trails',
    roles: ['analyst'],
    summary: 'The access trail: auth, policy, posture and token events in time order, joined by session and correlation id',
    description:
      'Filters combine with AND; an empty filter matches anything. JSON answers a page and a cursor (keyset on time, kind, event_id: ' +
      'no row repeats or goes missing while events arrive). Accept: application/x-ndjson or text/csv (or format=ndjson|csv) streams ' +
      'the whole range instead, fetched page by page.',
    query: TrailsQuery,
    response: TrailPage,
    produces: Object.values(EXPORT_FORMATS),
    handler: async ({ query, req }, reply: FastifyReply) => {
      const format = exportFormat(query, req);
      if (!format) return trailPage(store, query);
      const name = `trail-${query.from.toISOString().slice(0, 10)}-${query.to.toISOString().slice(0, 10)}.${format}`;
      reply.type(EXPORT_FORMATS[format]).header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(Readable.from(renderExport(trailEvents(store, query, exportPageSize), format)));
    },
  });
