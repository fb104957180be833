// What a trail request asks (filters, range, page, cursor, format) and what it answers (events
// of every kind in one shape, a page with its cursor).
import { z } from 'zod';
import { authBody, KINDS, policyBody } from '../../events/index.js';
import { timeRange } from '../range.js';
import { TenantQuery } from '../tenancy.js';
import { filtersDigest, resume } from './cursor.js';

export const MAX_PAGE = 1000;

/** The formats a trail exports to, with their content types. */
export const EXPORT_FORMATS = { ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormat[];

const filter = (max: number, what: string) => z.string().max(max).default('').describe(what);
/** One of the schema's values, or '' for any. */
const oneOrAny = (values: readonly string[], what: string) =>
  z
    .enum([...values, ''])
    .default('')
    .describe(what);

export const FILTERS = {
  principal: filter(512, 'principal_id'),
  device: filter(256, 'device_id'),
  app: filter(256, 'application or resource'),
  session_id: filter(256, 'session id'),
  token_id: filter(128, 'token id (jti or the keyed HMAC the normalizer made of the token)'),
  src_ip: z
    .union([z.ipv4(), z.ipv6(), z.literal('')])
    .default('')
    .describe('source IP address'),
  decision: oneOrAny(policyBody.decision.options, 'only policy decisions with this result'),
  outcome: oneOrAny(authBody.outcome.options, 'only authentications with this outcome'),
  tenant: TenantQuery,
  related: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('also the events of the same principals (or of none) that share a session or correlation id with the matching ones'),
};
export type FilterName = keyof typeof FILTERS;
export const FILTER_NAMES = Object.keys(FILTERS) as FilterName[];

export const TrailsQuery = timeRange(
  {
    ...FILTERS,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE)
      .default(100)
      .describe(`page size, at most ${MAX_PAGE} (JSON only; an export streams the whole range)`),
    cursor: z.string().max(2048).optional().describe('next_cursor of the previous page: the range and position it pins'),
    format: z
      .enum(['json', ...EXPORT_FORMAT_NAMES])
      .optional()
      .describe('instead of the Accept header: ndjson or csv stream an export'),
  },
  86400_000,
).transform((q, ctx) => {
  const filters = filtersDigest(FILTER_NAMES.map((name) => q[name]));
  if (q.cursor === undefined) return { ...q, filters, after: undefined };
  const resumed = resume(q.cursor, filters);
  if ('problem' in resumed) {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: resumed.problem });
    return z.NEVER;
  }
  return { ...q, ...resumed, filters };
});
export type TrailsQuery = z.output<typeof TrailsQuery>;

export const TrailEvent = z.object({
  kind: z.enum(KINDS),
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
