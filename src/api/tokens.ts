// The longest-lived tokens in use (the guide's M6): GET /api/v1/tokens/long-lived lists the tokens
// used more than `min_age` (an hour at least) after their issue in a time range, oldest first
// (sql/queries/long_lived_tokens.sql, over migration 0016's uses more than an hour after issue).
// Fingerprints only: a jti or a keyed HMAC of the token, never the token; a trail by token_id
// says who used it. The histograms of age at use and issued lifetime are on /metrics.
import { z } from 'zod';
import { LONG_LIVED_TOKEN_MIN_AGE_SECONDS } from '../conventions.js';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';
import { durationParam } from './duration.js';
import { CursorParam, encodePageCursor, NextCursor, paged } from './pageCursor.js';
import { timeRange } from './range.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

const MAX_PAGE = 1000;

export const longLivedTokensQuery = timeRange(
  {
    min_age: durationParam('1h')
      .refine((d) => d.seconds >= LONG_LIVED_TOKEN_MIN_AGE_SECONDS, 'at least 1h (the store keeps the uses more than an hour after issue)')
      .describe('only tokens used at least this long after their issue (1h or more)'),
    tenant: TenantQuery,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
    cursor: CursorParam,
  },
  86400_000,
).transform((q, ctx) => paged(q, ctx, (p) => [p.min_age.seconds, p.tenant]));

export const LongLivedToken = z.object({
  tenant: z.string(),
  token_id: z.string().describe("the token's fingerprint: its jti or a keyed HMAC of it, never the token"),
  token_type: z.string(),
  client_id: z.string().describe('the client (OAuth application) it was issued to, when the source names it'),
  max_age_seconds: z.number().describe('its oldest age at a use in the range: use time − issued_at'),
  lifetime_seconds: z.number().nullable().describe('the lifetime it was issued for (expires_at − issued_at), when the source gives both'),
  uses: z.number().describe('its uses in the range more than an hour after its issue'),
  last_used: z.string(),
});
export type LongLivedToken = z.infer<typeof LongLivedToken>;

export const LongLivedTokensResponse = z.object({
  from: z.string(),
  to: z.string(),
  min_age: z.string(),
  tokens: z.array(LongLivedToken),
  next_cursor: NextCursor,
});

interface Row {
  tenant: string;
  token_id: string;
  token_type: string;
  client_id: string;
  max_age_seconds: number | string;
  lifetime_seconds: number | string | null;
  uses: number | string;
  last_used: string;
}

export async function listLongLivedTokens(
  store: Store,
  q: z.output<typeof longLivedTokensQuery>,
  tenants: TenantParams,
): Promise<z.input<typeof LongLivedTokensResponse>> {
  const rows = await store.query<Row>(namedQuery('long_lived_tokens'), {
    ...rangeParams(q),
    ...tenants,
    min_age_seconds: q.min_age.seconds,
    limit: q.limit + 1,
    offset: q.offset,
  });
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    min_age: q.min_age.text,
    tokens: rows.slice(0, q.limit).map((r) => ({
      tenant: r.tenant,
      token_id: r.token_id,
      token_type: r.token_type,
      client_id: r.client_id,
      max_age_seconds: Number(r.max_age_seconds),
      lifetime_seconds: r.lifetime_seconds === null ? null : Number(r.lifetime_seconds),
      uses: Number(r.uses),
      last_used: fromClickHouseTime(r.last_used),
    })),
    next_cursor: rows.length > q.limit ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.min_age.seconds, q.tenant]) : null,
  };
}

export const longLivedTokensRoute = (store: Store) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/tokens/long-lived',
    roles: ['analyst'],
    summary: 'Tokens used long after their issue in a time range, oldest first, by fingerprint only, paged',
    description:
      'Each token used at least `min_age` (1h or more) after its issue in the range (default the last 24 h, at most 90 days): its ' +
      'oldest age at a use, the lifetime it was issued for, its uses and last use. Only sources that give a use its issue time ' +
      "(issued_at) are seen. Short-lived tokens, the guide's goal, are not listed; their ages are on /metrics " +
      '(ztna_token_age_at_use_seconds, ztna_token_issued_lifetime_seconds).',
    query: longLivedTokensQuery,
    response: LongLivedTokensResponse,
    handler: async ({ query, req }) => listLongLivedTokens(store, query, requestTenants(req, query.tenant)),
  });
