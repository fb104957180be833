// The analyst's view of the scorers: anomalies over a time range, with their evidence.
import { z } from 'zod';
import { namedQuery, toClickHouseTime, type Store } from '../store/index.js';

const MAX_RANGE_MS = 90 * 86400_000;
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const AnomaliesQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    type: z.enum(['token_replay', 'denial_burst']).optional(),
    min_score: z.coerce.number().int().min(0).max(100).default(0),
    tenant: z.string().max(128).default(''),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .transform((q) => {
    const to = q.to ?? new Date();
    return { ...q, to, from: q.from ?? new Date(to.getTime() - 86400_000) };
  })
  .refine((q) => q.from < q.to, { message: 'from must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_RANGE_MS, { message: 'the range may span 90 days at most', path: ['to'] });

export type AnomaliesQuery = z.infer<typeof AnomaliesQuery>;

export async function listAnomalies(store: Store, q: AnomaliesQuery) {
  const rows = await store.query<Record<string, unknown> & { evidence: string; score: number | string }>(namedQuery('anomalies'), {
    from: toClickHouseTime(q.from.toISOString()),
    to: toClickHouseTime(q.to.toISOString()),
    type: q.type ?? '',
    min_score: q.min_score,
    tenant: q.tenant,
    limit: q.limit,
  });
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    anomalies: rows.map((r) => ({ ...r, score: Number(r.score), evidence: JSON.parse(r.evidence) as unknown })),
  };
}
