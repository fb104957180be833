// A risk level per principal (src/riskRule.ts, sql/queries/principal_risk.sql) over a sliding
// window ending now: GET /api/v1/principals?risk=high lists them, gravest first, and
// GET /api/v1/principals/:id/risk gives one principal's level with the anomalies that make it.
import { z } from 'zod';
import { levelOfRank, levelRank, RISK_LEVELS, riskParams, type RiskRule } from '../riskRule.js';
import { namedQuery, rangeParams, type Store } from '../store/index.js';
import { anomaliesById, AnomalyItem } from './anomalies.js';
import { Duration, durationText } from './duration.js';
import { CursorParam, encodePageCursor, NextCursor, paged } from './pageCursor.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

const MAX_PAGE = 1000;
/** Anomaly ids a listed principal carries, and anomalies a principal's own risk lists, newest first. */
const LISTED_IDS = 10;
const DETAIL_ANOMALIES = 100;

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** The sliding window [to − window, to): `window` defaults to the rule's. */
const windowShape = (rule: RiskRule) => ({
  to: instant.optional().describe('end of the window (default: now)'),
  window: Duration.optional().describe(`the sliding window, 1m to 90d (default: ${durationText(rule.windowSeconds)})`),
  tenant: TenantQuery,
});

function windowOf(q: { to?: Date | undefined; window?: { seconds: number } | undefined }, rule: RiskRule) {
  const to = q.to ?? new Date();
  const seconds = q.window?.seconds ?? rule.windowSeconds;
  return { from: new Date(to.getTime() - seconds * 1000), to, window: durationText(seconds) };
}

export const principalsQuery = (rule: RiskRule) =>
  z
    .object({
      ...windowShape(rule),
      risk: z.enum(RISK_LEVELS).optional().describe('only principals at this level'),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
      cursor: CursorParam,
    })
    .transform((q, ctx) => paged({ ...q, ...windowOf(q, rule) }, ctx, (p) => [p.risk ?? '', p.tenant, p.window]));

export const PrincipalRiskQuery = (rule: RiskRule) => z.object(windowShape(rule)).transform((q) => ({ ...q, ...windowOf(q, rule) }));
export const PrincipalParams = z.object({ id: z.string().min(1).max(256) });

const Level = z.enum(RISK_LEVELS);
const Standing = z.object({
  tenant: z.string(),
  level: Level,
  weight: z.number().describe("the anomalies' weights added up (low-signal kinds weigh less than 1)"),
  anomalies: z.number().describe('anomalies that count towards the level'),
});

export const PrincipalsResponse = z.object({
  from: z.string(),
  to: z.string(),
  window: z.string(),
  principals: z.array(Standing.extend({ principal_id: z.string(), anomaly_ids: z.array(z.string()).describe(`the newest ${LISTED_IDS}`) })),
  next_cursor: NextCursor,
});

export const PrincipalRisk = z.object({
  principal_id: z.string(),
  from: z.string(),
  to: z.string(),
  window: z.string(),
  level: Level.describe('the highest of its tenants; low when no anomaly names it'),
  tenants: z.array(Standing.extend({ listed: z.array(AnomalyItem).describe(`the newest ${DETAIL_ANOMALIES}, newest first`) })),
});

interface Row {
  tenant: string;
  principal_id: string;
  level: number | string;
  weight: number | string;
  anomalies: number | string;
  anomaly_ids: string[];
}

interface Scope {
  from: Date;
  to: Date;
  principal?: string;
  level?: (typeof RISK_LEVELS)[number] | undefined;
  perPrincipal: number;
  limit: number;
  offset: number;
}

function standings(store: Store, rule: RiskRule, s: Scope, tenants: TenantParams) {
  return store
    .query<Row>(namedQuery('principal_risk'), {
      ...rangeParams(s),
      ...tenants,
      ...riskParams(rule),
      principal: s.principal ?? '',
      level: s.level ? levelRank(s.level) : 0,
      anomalies_per_principal: s.perPrincipal,
      limit: s.limit,
      offset: s.offset,
    })
    .then((rows) =>
      rows.map((r) => ({
        tenant: r.tenant,
        principal_id: r.principal_id,
        level: levelOfRank(Number(r.level)),
        weight: Number(r.weight),
        anomalies: Number(r.anomalies),
        anomaly_ids: r.anomaly_ids,
      })),
    );
}

/** The principals with a level in the window (every one an anomaly names), gravest first. */
export async function listPrincipals(
  store: Store,
  rule: RiskRule,
  q: z.output<ReturnType<typeof principalsQuery>>,
  tenants: TenantParams,
): Promise<z.input<typeof PrincipalsResponse>> {
  const rows = await standings(store, rule, { ...q, level: q.risk, perPrincipal: LISTED_IDS, limit: q.limit + 1 }, tenants);
  const more = rows.length > q.limit;
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    window: q.window,
    principals: rows.slice(0, q.limit),
    next_cursor: more ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.risk ?? '', q.tenant, q.window]) : null,
  };
}

/** The principal's level in each tenant that names it, with the anomalies that make it. */
export async function principalRisk(
  store: Store,
  rule: RiskRule,
  id: string,
  q: z.output<ReturnType<typeof PrincipalRiskQuery>>,
  tenants: TenantParams,
): Promise<z.input<typeof PrincipalRisk>> {
  const rows = await standings(store, rule, { ...q, principal: id, perPrincipal: DETAIL_ANOMALIES, limit: 1000, offset: 0 }, tenants);
  const anomalies = await anomaliesById(
    store,
    rows.flatMap((r) => r.anomaly_ids),
    tenants,
  );
  const top = Math.max(1, ...rows.map((r) => levelRank(r.level)));
  return {
    principal_id: id,
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    window: q.window,
    level: levelOfRank(top),
    tenants: rows.map(({ anomaly_ids, principal_id: _, ...standing }) => ({
      ...standing,
      listed: anomaly_ids.flatMap((aid) => anomalies.filter((a) => a.anomaly_id === aid && a.tenant === standing.tenant)),
    })),
  };
}

/** The rule in words, from its data. */
const ruleText = (rule: RiskRule) =>
  `A principal's level is the highest that an anomaly of full weight naming it sets by its severity (${Object.entries(rule.severityLevels)
    .map(([severity, level]) => `${severity} → ${level}`)
    .join(', ')}), one step higher when the weights of its anomalies add up to ${rule.escalateAt}. ` +
  `Weights by kind or type, 1 when not listed (below 1: low-signal, never sets the level on its own; 0: not counted): ${Object.entries(
    rule.weights,
  )
    .map(([name, weight]) => `${name} ${weight}`)
    .join(', ')}.`;

export const principalsRoute = (store: Store, rule: RiskRule) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/principals',
    roles: ['analyst'],
    summary: 'Principals named by anomalies in a sliding window, with their risk level (low, medium, high), gravest first, paged',
    description: ruleText(rule),
    query: principalsQuery(rule),
    response: PrincipalsResponse,
    handler: async ({ query, req }) => listPrincipals(store, rule, query, requestTenants(req, query.tenant)),
  });

export const principalRiskRoute = (store: Store, rule: RiskRule) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/principals/:id/risk',
    roles: ['analyst'],
    summary: "One principal's risk level over a sliding window, with the anomalies that make it",
    description: `${ruleText(rule)} A principal no anomaly names in the window (or in the tenants the credential may read) is low, with no tenants.`,
    params: PrincipalParams,
    query: PrincipalRiskQuery(rule),
    response: PrincipalRisk,
    handler: async ({ params, query, req }) => principalRisk(store, rule, params.id, query, requestTenants(req, query.tenant)),
  });
