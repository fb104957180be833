// GET /api/v1/risk-summary: the executive's page. Each figure over the period, the same figure
// over the period before it, and the change, all from ClickHouse.
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../detect/anomaly.js';
import { REEVALUATION_TARGET_SECONDS } from '../conventions.js';
import { DEFAULT_RISK_RULE, RISK_LEVELS, type RiskLevel, type RiskRule } from '../riskRule.js';
import { findSlo, resolveSlos } from '../slo/model.js';
import type { SloSpec } from '../slo/spec.js';
import { namedQuery, rangeParams, type Store } from '../store/index.js';
import { durationText } from './duration.js';
import { incidentsIn } from './incidents.js';
import { listPrincipals } from './principals.js';
import { sliCounts, type Counts } from './slis.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

export const PERIODS = { '7d': 7, '30d': 30, '90d': 90 } as const;
const TOP = 10;
const WEEK_MS = 7 * 86400_000;
/** Incidents counted per period, at most (far above what anomalies raise in 90 days). */
const MAX_INCIDENTS = 100_000;
/** Principals counted per level now, at most. */
const MAX_PRINCIPALS = 1000;

export const RiskSummaryQuery = z.object({
  period: z.enum(Object.keys(PERIODS) as [keyof typeof PERIODS]).default('30d'),
  tenant: TenantQuery,
});

const Figure = z.object({
  value: z.number().nullable(),
  previous: z.number().nullable(),
  change: z.number().nullable().describe('value − previous'),
});
type Figure = z.infer<typeof Figure>;
const Subject = z.object({ max_score: z.number(), anomalies: z.number(), denials: z.number() });
const Reevaluations = z.object({
  reevaluations: z.number(),
  within_target: z.number().nullable().describe('share of re-evaluations that came within the target'),
  p50_seconds: z.number().nullable(),
  p95_seconds: z.number().nullable(),
  max_seconds: z.number().nullable(),
});

export const RiskSummary = z.object({
  period: z.string(),
  tenant: z.string().nullable(),
  generated_at: z.string(),
  from: z.string(),
  to: z.string(),
  previous: z.object({ from: z.string(), to: z.string() }),
  auth_success_rate: Figure.describe('share of authentications that succeeded'),
  auth_availability: Figure.extend({ objective: z.number().nullable(), met: z.boolean().nullable() }),
  posture_compliance: Figure.describe('share of posture reports from compliant devices'),
  slos: z.array(
    z.object({
      slo: z.string(),
      sli: z.string(),
      objective: z.number(),
      value: z.number().nullable(),
      met: z.boolean().nullable(),
      previous_value: z.number().nullable(),
      previous_met: z.boolean().nullable(),
    }),
  ),
  slos_met: z.number(),
  slos_missed: z.number(),
  denials: z.object({
    total: Figure,
    rate: Figure.describe('denials / policy decisions'),
    trend: z.array(z.object({ day: z.string(), denials: z.number(), decisions: z.number() })),
  }),
  anomalies: z.object({
    total: Figure,
    by_severity: z.object(Object.fromEntries(SEVERITIES.map((s) => [s, Figure])) as Record<Severity, typeof Figure>),
    by_type: z.record(z.string(), z.number()),
  }),
  incidents: z.object({
    total: Figure.describe('incidents started in the period'),
    open: z.number().describe('of those, open now'),
    this_week: Figure.describe('started in the last 7 days; previous: the 7 days before'),
    weekly: z
      .array(z.object({ from: z.string(), to: z.string(), incidents: z.number() }))
      .describe('incidents started per 7 days, oldest first, the last ending now (the first may be shorter)'),
    window: z.string().describe('anomalies of one tenant and key this close together are one incident'),
  }),
  reevaluation: z
    .object({
      target_seconds: z.number(),
      within_target: Figure.describe('share of re-evaluations that came within the target'),
      p95_seconds: Figure,
      by_tenant: z.array(Reevaluations.extend({ tenant: z.string() })),
    })
    .describe(
      "time to re-evaluate (the guide's M5): how long sessions ran before access was evaluated again (a decision or an authentication), since their previous evaluation or their start",
    ),
  principals_at_risk: z.object({
    window: z.string().describe('the sliding window ending now'),
    by_level: z.object(Object.fromEntries(RISK_LEVELS.map((l) => [l, z.number()])) as Record<RiskLevel, z.ZodNumber>),
    top: z.array(z.object({ tenant: z.string(), principal_id: z.string(), level: z.enum(RISK_LEVELS), anomalies: z.number() })),
  }),
  top_risky_principals: z.array(Subject.extend({ principal_id: z.string() })),
  top_risky_apps: z.array(Subject.extend({ app: z.string() })),
});
export type RiskSummary = z.infer<typeof RiskSummary>;

const figure = (value: number | null, previous: number | null): Figure => ({
  value,
  previous,
  change: value === null || previous === null ? null : value - previous,
});
const ratio = (c: Counts | undefined) => (c && c.valid > 0 ? c.good / c.valid : null);
const met = (value: number | null, objectivePercent: number) => (value === null ? null : value * 100 >= objectivePercent);

interface Period {
  from: Date;
  to: Date;
}

async function periodFigures(store: Store, { from, to }: Period, tenants: TenantParams, rule: RiskRule) {
  const params = { ...rangeParams({ from, to }), ...tenants };
  const top = (dimension: 'principal_id' | 'app') =>
    store.query<{ subject: string; max_score: string | number; anomalies: string | number; denials: string | number }>(
      namedQuery('risk_top'),
      { ...params, dimension, limit: TOP },
    );
  const [slis, days, anomalies, principals, apps, incidents, reevaluations] = await Promise.all([
    sliCounts(store, from, to, tenants),
    store.query<{ day: string; denials: string | number; decisions: string | number }>(namedQuery('denials_daily'), params),
    store.query<{ severity: string; type: string; anomalies: string | number }>(namedQuery('anomalies_by_severity'), params),
    top('principal_id'),
    top('app'),
    incidentsIn(store, { from, to, windowSeconds: rule.incidentWindowSeconds, limit: MAX_INCIDENTS, offset: 0 }, tenants),
    reevaluationsIn(store, params),
  ]);
  const trend = days.map((d) => ({ day: d.day, denials: Number(d.denials), decisions: Number(d.decisions) }));
  const sum = <T>(items: T[], f: (t: T) => number) => items.reduce((n, t) => n + f(t), 0);
  const subjects = (rows: typeof principals) =>
    rows.map((r) => ({ subject: r.subject, max_score: Number(r.max_score), anomalies: Number(r.anomalies), denials: Number(r.denials) }));
  return {
    slis,
    trend,
    denials: sum(trend, (d) => d.denials),
    decisions: sum(trend, (d) => d.decisions),
    anomalies: anomalies.map((a) => ({ ...a, anomalies: Number(a.anomalies) })),
    principals: subjects(principals),
    apps: subjects(apps),
    incidents: incidents.map((i) => i.incident),
    reevaluations,
  };
}

type ReevaluationRow = Record<'tenant', string> &
  Record<'reevaluations' | 'within_target' | 'p50_seconds' | 'p95_seconds' | 'max_seconds', string | number>;

/** Time to re-evaluate per tenant, and for them all (tenant ''), by sql/queries/session_reevaluation.sql. */
async function reevaluationsIn(store: Store, params: Record<string, unknown>) {
  const rows = await store.query<ReevaluationRow>(namedQuery('session_reevaluation'), {
    ...params,
    target_ms: REEVALUATION_TARGET_SECONDS * 1000,
  });
  const of = (r: ReevaluationRow | undefined): z.infer<typeof Reevaluations> => {
    const count = Number(r?.reevaluations ?? 0);
    const seconds = (v: string | number | undefined) => (count > 0 ? Number(v) : null);
    return {
      reevaluations: count,
      within_target: count > 0 ? Number(r!.within_target) / count : null,
      p50_seconds: seconds(r?.p50_seconds),
      p95_seconds: seconds(r?.p95_seconds),
      max_seconds: seconds(r?.max_seconds),
    };
  };
  return {
    all: of(rows.find((r) => r.tenant === '')),
    byTenant: rows.filter((r) => r.tenant !== '').map((r) => ({ tenant: r.tenant, ...of(r) })),
  };
}

/** Incidents started per 7 days back from `to`, oldest first; the first span starts no earlier than `from`. */
function weekly(incidents: ReadonlyArray<{ first_time: string }>, { from, to }: Period) {
  const weeks = Math.ceil((to.getTime() - from.getTime()) / WEEK_MS);
  const counts = new Array<number>(weeks).fill(0);
  for (const i of incidents) counts[Math.floor((to.getTime() - Date.parse(i.first_time)) / WEEK_MS)]! += 1;
  return counts
    .map((incidents, back) => ({
      from: new Date(Math.max(from.getTime(), to.getTime() - (back + 1) * WEEK_MS)).toISOString(),
      to: new Date(to.getTime() - back * WEEK_MS).toISOString(),
      incidents,
    }))
    .reverse();
}

/** The summary of the tenants given; `q.tenant` is the filter they were narrowed to, if any. */
export async function riskSummary(
  store: Store,
  spec: SloSpec,
  q: z.output<typeof RiskSummaryQuery>,
  tenants: TenantParams,
  now: Date,
  rule: RiskRule = DEFAULT_RISK_RULE,
): Promise<RiskSummary> {
  const span = PERIODS[q.period] * 86400_000;
  const current: Period = { from: new Date(now.getTime() - span), to: now };
  const before: Period = { from: new Date(now.getTime() - 2 * span), to: current.from };
  const riskWindow = { to: now, from: new Date(now.getTime() - rule.windowSeconds * 1000), window: durationText(rule.windowSeconds) };
  const [cur, prev, atRisk] = await Promise.all([
    periodFigures(store, current, tenants, rule),
    periodFigures(store, before, tenants, rule),
    listPrincipals(store, rule, { ...riskWindow, tenant: q.tenant, limit: MAX_PRINCIPALS, offset: 0 }, tenants),
  ]);
  const weeks = weekly(cur.incidents, current);

  const sliFigure = (sli: string) => figure(ratio(cur.slis.get(sli)), ratio(prev.slis.get(sli)));
  const availabilitySlo = findSlo(resolveSlos(spec), 'auth_availability');
  const availability = sliFigure('auth_availability');
  const slos = spec.slos.map((slo) => {
    const value = ratio(cur.slis.get(slo.sli));
    const previous = ratio(prev.slis.get(slo.sli));
    return {
      slo: slo.name,
      sli: slo.sli,
      objective: slo.objective,
      value,
      met: met(value, slo.objective),
      previous_value: previous,
      previous_met: met(previous, slo.objective),
    };
  });
  const countOf = (rows: typeof cur.anomalies, severity?: string) =>
    rows.filter((r) => !severity || r.severity === severity).reduce((n, r) => n + r.anomalies, 0);
  const rate = (f: typeof cur) => (f.decisions > 0 ? f.denials / f.decisions : null);
  const byType: Record<string, number> = {};
  for (const a of cur.anomalies) byType[a.type] = (byType[a.type] ?? 0) + a.anomalies;

  return {
    period: q.period,
    tenant: q.tenant === '' ? null : q.tenant,
    generated_at: now.toISOString(),
    from: current.from.toISOString(),
    to: current.to.toISOString(),
    previous: { from: before.from.toISOString(), to: before.to.toISOString() },
    auth_success_rate: sliFigure('auth_success'),
    auth_availability: {
      ...availability,
      objective: availabilitySlo?.objective ?? null,
      met: availabilitySlo ? met(availability.value, availabilitySlo.objective) : null,
    },
    posture_compliance: sliFigure('posture_compliance'),
    slos,
    slos_met: slos.filter((s) => s.met === true).length,
    slos_missed: slos.filter((s) => s.met === false).length,
    denials: { total: figure(cur.denials, prev.denials), rate: figure(rate(cur), rate(prev)), trend: cur.trend },
    anomalies: {
      total: figure(countOf(cur.anomalies), countOf(prev.anomalies)),
      by_severity: Object.fromEntries(
        SEVERITIES.map((s) => [s, figure(countOf(cur.anomalies, s), countOf(prev.anomalies, s))]),
      ) as RiskSummary['anomalies']['by_severity'],
      by_type: byType,
    },
    incidents: {
      total: figure(cur.incidents.length, prev.incidents.length),
      open: cur.incidents.filter((i) => i.state === 'open').length,
      this_week: figure(weeks.at(-1)?.incidents ?? 0, weeks.at(-2)?.incidents ?? weekly(prev.incidents, before).at(-1)?.incidents ?? 0),
      weekly: weeks,
      window: durationText(rule.incidentWindowSeconds),
    },
    reevaluation: {
      target_seconds: REEVALUATION_TARGET_SECONDS,
      within_target: figure(cur.reevaluations.all.within_target, prev.reevaluations.all.within_target),
      p95_seconds: figure(cur.reevaluations.all.p95_seconds, prev.reevaluations.all.p95_seconds),
      by_tenant: cur.reevaluations.byTenant,
    },
    principals_at_risk: {
      window: riskWindow.window,
      by_level: Object.fromEntries(
        RISK_LEVELS.map((l) => [l, atRisk.principals.filter((p) => p.level === l).length]),
      ) as RiskSummary['principals_at_risk']['by_level'],
      top: atRisk.principals
        .slice(0, TOP)
        .map(({ tenant, principal_id, level, anomalies }) => ({ tenant, principal_id, level, anomalies })),
    },
    top_risky_principals: cur.principals.map(({ subject, ...r }) => ({ principal_id: subject, ...r })),
    top_risky_apps: cur.apps.map(({ subject, ...r }) => ({ app: subject, ...r })),
  };
}

export const riskSummaryRoute = (store: Store, spec: SloSpec, rule: RiskRule = DEFAULT_RISK_RULE) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/risk-summary',
    roles: ['executive'],
    summary:
      'For executives: auth success and availability against the SLO, SLOs met or missed, posture compliance, denials, anomalies, incidents per week, time to re-evaluate sessions against its 5-minute target and the riskiest principals and apps, each against the previous period; principals by risk level now',
    query: RiskSummaryQuery,
    response: RiskSummary,
    handler: async ({ query, req }) => riskSummary(store, spec, query, requestTenants(req, query.tenant), new Date(), rule),
  });
