// GET /api/v1/risk-summary: the executive's page. Each figure over the period, the same figure
// over the period before it, and the change, all from ClickHouse.
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../detect/anomaly.js';
import { findSlo, resolveSlos } from '../slo/model.js';
import type { SloSpec } from '../slo/spec.js';
import { namedQuery, rangeParams, type Store } from '../store/index.js';
import { sliCounts, type Counts } from './slis.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

export const PERIODS = { '7d': 7, '30d': 30, '90d': 90 } as const;
const TOP = 10;

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

async function periodFigures(store: Store, { from, to }: Period, tenants: TenantParams) {
  const params = { ...rangeParams({ from, to }), ...tenants };
  const top = (dimension: 'principal_id' | 'app') =>
    store.query<{ subject: string; max_score: string | number; anomalies: string | number; denials: string | number }>(
      namedQuery('risk_top'),
      { ...params, dimension, limit: TOP },
    );
  const [slis, days, anomalies, principals, apps] = await Promise.all([
    sliCounts(store, from, to, tenants),
    store.query<{ day: string; denials: string | number; decisions: string | number }>(namedQuery('denials_daily'), params),
    store.query<{ severity: string; type: string; anomalies: string | number }>(namedQuery('anomalies_by_severity'), params),
    top('principal_id'),
    top('app'),
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
  };
}

/** The summary of the tenants given; `q.tenant` is the filter they were narrowed to, if any. */
export async function riskSummary(
  store: Store,
  spec: SloSpec,
  q: z.output<typeof RiskSummaryQuery>,
  tenants: TenantParams,
  now: Date,
): Promise<RiskSummary> {
  const span = PERIODS[q.period] * 86400_000;
  const current: Period = { from: new Date(now.getTime() - span), to: now };
  const before: Period = { from: new Date(now.getTime() - 2 * span), to: current.from };
  const [cur, prev] = await Promise.all([periodFigures(store, current, tenants), periodFigures(store, before, tenants)]);

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
    top_risky_principals: cur.principals.map(({ subject, ...r }) => ({ principal_id: subject, ...r })),
    top_risky_apps: cur.apps.map(({ subject, ...r }) => ({ app: subject, ...r })),
  };
}

export const riskSummaryRoute = (store: Store, spec: SloSpec) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/risk-summary',
    roles: ['executive'],
    summary:
      'For executives: auth success and availability against the SLO, SLOs met or missed, posture compliance, denials, anomalies and the riskiest principals and apps, each against the previous period',
    query: RiskSummaryQuery,
    response: RiskSummary,
    handler: async ({ query, req }) => riskSummary(store, spec, query, requestTenants(req, query.tenant), new Date()),
  });
