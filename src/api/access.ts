// Over-privilege (the guide's F10), from the apps each principal was allowed into per day
// (migration 0021): GET /api/v1/access/unused lists access a principal held but stopped using,
// GET /api/v1/access/rare the apps a principal reached that few of their tenant's principals do.
// What the data can show: the sources carry policy decisions, not entitlements or group
// membership, so "held" means a past allow and "peers" means the whole tenant.
import { z } from 'zod';
import { namedQuery, rangeParams, type Store } from '../store/index.js';
import { durationParam, durationText } from './duration.js';
import { CursorParam, encodePageCursor, NextCursor, paged } from './pageCursor.js';
import { timeRange } from './range.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

const MAX_PAGE = 1000;
const DEFAULT_SPAN_MS = 90 * 86400_000;
const page = {
  tenant: TenantQuery,
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
  cursor: CursorParam,
};

export const unusedQuery = timeRange(
  { unused_for: durationParam('30d').describe('how long without an allow into the app counts as unused (default 30d)'), ...page },
  DEFAULT_SPAN_MS,
)
  .refine((q) => q.unused_for.seconds * 1000 < q.to.getTime() - q.from.getTime(), {
    message: 'must be shorter than the range, which must also hold the time the access was used before',
    path: ['unused_for'],
  })
  .transform((q, ctx) => paged(q, ctx, (p) => [p.unused_for.seconds, p.tenant]));

export const rareQuery = timeRange(
  {
    max_share: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(0.05)
      .describe("an app reached by fewer than this share of the tenant's principals is rare (default 0.05)"),
    min_principals: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(20)
      .describe('tenants with fewer principals allowed into anything in the range are left out (default 20)'),
    ...page,
  },
  DEFAULT_SPAN_MS,
).transform((q, ctx) => paged(q, ctx, (p) => [p.max_share, p.min_principals, p.tenant]));

export const UnusedAccess = z.object({
  tenant: z.string(),
  principal_id: z.string(),
  app: z.string(),
  first_allowed: z.string().describe('the first day (UTC) in the range an allow let the principal into the app'),
  last_allowed: z.string().describe('the last such day: before the unused window'),
  last_active: z.string().describe("the principal's last day with an allow into any app"),
  apps_used: z.number().describe('apps the principal was allowed into in the unused window'),
});

export const RareAccess = z.object({
  tenant: z.string(),
  principal_id: z.string(),
  app: z.string(),
  app_principals: z.number().describe('principals of the tenant allowed into the app in the range'),
  tenant_principals: z.number().describe('principals of the tenant allowed into anything in the range'),
  share: z.number(),
});

const envelope = { from: z.string(), to: z.string(), next_cursor: NextCursor };
export const UnusedAccessResponse = z.object({ ...envelope, unused_for: z.string(), findings: z.array(UnusedAccess) });
export const RareAccessResponse = z.object({
  ...envelope,
  max_share: z.number(),
  min_principals: z.number(),
  findings: z.array(RareAccess),
});

const num = (v: number | string) => Number(v);

export async function unusedAccess(
  store: Store,
  q: z.output<typeof unusedQuery>,
  tenants: TenantParams,
): Promise<z.input<typeof UnusedAccessResponse>> {
  const recentFrom = new Date(q.to.getTime() - q.unused_for.seconds * 1000);
  const rows = await store.query<Omit<z.input<typeof UnusedAccess>, 'apps_used'> & { apps_used: number | string }>(
    namedQuery('access_unused'),
    {
      ...rangeParams(q),
      recent_from: rangeParams({ from: recentFrom, to: q.to }).from,
      ...tenants,
      limit: q.limit + 1,
      offset: q.offset,
    },
  );
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    unused_for: durationText(q.unused_for.seconds),
    findings: rows.slice(0, q.limit).map((r) => ({ ...r, apps_used: num(r.apps_used) })),
    next_cursor: rows.length > q.limit ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.unused_for.seconds, q.tenant]) : null,
  };
}

export async function rareAccess(
  store: Store,
  q: z.output<typeof rareQuery>,
  tenants: TenantParams,
): Promise<z.input<typeof RareAccessResponse>> {
  type Row = {
    tenant: string;
    principal_id: string;
    app: string;
    app_principals: number | string;
    tenant_principals: number | string;
    share: number | string;
  };
  const rows = await store.query<Row>(namedQuery('access_rare'), {
    ...rangeParams(q),
    ...tenants,
    max_share: q.max_share,
    min_principals: q.min_principals,
    limit: q.limit + 1,
    offset: q.offset,
  });
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    max_share: q.max_share,
    min_principals: q.min_principals,
    findings: rows.slice(0, q.limit).map((r) => ({
      ...r,
      app_principals: num(r.app_principals),
      tenant_principals: num(r.tenant_principals),
      share: num(r.share),
    })),
    next_cursor:
      rows.length > q.limit ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.max_share, q.min_principals, q.tenant]) : null,
  };
}

const LIMITS =
  'The sources carry policy decisions, not entitlements or group membership: access is known from allow decisions, ' +
  'and access never exercised in the range is not seen at all. Days are whole UTC days.';

export const unusedAccessRoute = (store: Store) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/access/unused',
    roles: ['analyst'],
    summary:
      'Access held but no longer used: apps a principal was allowed into in the range but not in its last `unused_for`, while still active',
    description:
      'A principal and app with an allow decision in [from, to − unused_for) and none since, for principals allowed into some app since ' +
      '(an account gone quiet altogether is not listed). A past allow is the evidence that the policy lets them in; a revocation since ' +
      `leaves no event here. Oldest last use first, paged (range default 90 days). ${LIMITS}`,
    query: unusedQuery,
    response: UnusedAccessResponse,
    handler: async ({ query, req }) => unusedAccess(store, query, requestTenants(req, query.tenant)),
  });

export const rareAccessRoute = (store: Store) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/access/rare',
    roles: ['analyst'],
    summary: "Access outside the peers' pattern: apps a principal was allowed into that few of the tenant's principals reach",
    description:
      "Each principal and app allowed in the range where the app's principals are fewer than `max_share` of the tenant's (those allowed " +
      'into anything in the range), in tenants with at least `min_principals`. The peers are the whole tenant: no source gives the ' +
      `principal's group or role with its decisions. Rarest first, paged (range default 90 days). ${LIMITS}`,
    query: rareQuery,
    response: RareAccessResponse,
    handler: async ({ query, req }) => rareAccess(store, query, requestTenants(req, query.tenant)),
  });
