// The analyst's view of the scorers: anomalies over a time range, with their evidence.
import { z } from 'zod';
import { SEVERITIES, type AnomalyType, type Severity } from '../detect/anomaly.js';
import { SCORERS } from '../detect/scorers.js';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';
import { timeRange } from './range.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

/** The anomaly types: one per scorer of the registry, named by the type it raises. */
const ANOMALY_TYPES = Object.keys(SCORERS) as AnomalyType[];

// detect declares severities as a type only. Its keys, gravest first, are held to that type both
// ways: a severity added or dropped there fails to compile here.

export const AnomaliesQuery = timeRange(
  {
    type: z.enum(ANOMALY_TYPES).optional(),
    min_score: z.coerce.number().int().min(0).max(100).default(0),
    tenant: TenantQuery,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  },
  86400_000,
);

export type AnomaliesQuery = z.output<typeof AnomaliesQuery>;

/** One anomaly as the API answers it. */
export const AnomalyItem = z.object({
  anomaly_id: z.string(),
  time: z.string(),
  detected_at: z.string(),
  type: z.string(),
  kind: z.string(),
  score: z.number(),
  severity: z.enum(SEVERITIES),
  tenant: z.string(),
  key: z
    .string()
    .describe('token:<id>, session:<id>, principal:<id>, device:<id>, src_net:<net>, policy:<id>@<version>, app:<app> or tenant:<tenant>'),
  evidence: z.object({
    reasons: z.array(z.string()),
    events: z.array(z.record(z.string(), z.unknown())),
    baseline: z.record(z.string(), z.unknown()),
    related: z
      .array(
        z.object({
          anomaly_id: z.string(),
          type: z.string(),
          kind: z.string(),
          key: z.string(),
          score: z.number(),
          time: z.string(),
        }),
      )
      .optional()
      .describe('the other anomalies of the same incident, joined to this one rather than raised apart'),
  }),
});

export const AnomaliesResponse = z.object({
  from: z.string(),
  to: z.string(),
  anomalies: z.array(AnomalyItem),
});

/** A row of the anomalies table as the API answers it. */
export type AnomalyRow = Record<string, string> & { score: number | string };
export const anomalyOf = (r: AnomalyRow): z.input<typeof AnomalyItem> => ({
  anomaly_id: r.anomaly_id!,
  time: fromClickHouseTime(r.time!),
  detected_at: fromClickHouseTime(r.detected_at!),
  type: r.type!,
  kind: r.kind!,
  score: Number(r.score),
  severity: r.severity as Severity,
  tenant: r.tenant!,
  key: r.key!,
  evidence: JSON.parse(r.evidence!),
});

/** The anomalies of these ids among the tenants given, oldest first. */
export const anomaliesById = async (store: Store, ids: readonly string[], tenants: TenantParams) =>
  ids.length === 0 ? [] : (await store.query<AnomalyRow>(namedQuery('anomalies_by_id'), { ids, ...tenants })).map(anomalyOf);

export async function listAnomalies(store: Store, q: AnomaliesQuery, tenants: TenantParams): Promise<z.input<typeof AnomaliesResponse>> {
  const rows = await store.query<AnomalyRow>(namedQuery('anomalies'), {
    ...rangeParams(q),
    type: q.type ?? '',
    min_score: q.min_score,
    ...tenants,
    limit: q.limit,
  });
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    anomalies: rows.map(anomalyOf),
  };
}

export const anomaliesRoute = (store: Store) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/anomalies',
    roles: ['analyst'],
    summary: 'Token-replay and denial-burst anomalies in a time range, newest first, with their evidence',
    query: AnomaliesQuery,
    response: AnomaliesResponse,
    handler: async ({ query, req }) => listAnomalies(store, query, requestTenants(req, query.tenant)),
  });
