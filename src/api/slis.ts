// The SRE's view: each SLO's current value, error budget left and burn rates, computed
// from ClickHouse (the per-minute rollups), so it survives a restart of the service.
import { burnRate, errorBudgetRemaining } from '../slo/burnRate.js';
import { resolveSlos } from '../slo/model.js';
import type { SloSpec } from '../slo/spec.js';
import { z } from 'zod';
import { fromClickHouseTime, namedQuery, toClickHouseTime, type Store } from '../store/index.js';
import { durationParam } from './duration.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

export interface Counts {
  good: number;
  valid: number;
}

/**
 * Good and valid events per SLI over [from, to) for each `from`: the rollups' SLIs in one pass
 * for every window, telemetry completeness (which needs order) per window.
 */
export async function sliCountsByWindow(
  store: Store,
  froms: readonly Date[],
  to: Date,
  tenants: TenantParams,
): Promise<Map<string, Counts>[]> {
  const starts = [...new Set(froms.map((from) => from.getTime()))];
  const at = (ms: number) => toClickHouseTime(new Date(ms).toISOString());
  const end = at(to.getTime());
  const [rollup, ...completeness] = await Promise.all([
    store.query<{ window_from: string; sli: string; good: string; valid: string }>(namedQuery('sli_windows'), {
      froms: starts.map(at),
      to: end,
      ...tenants,
    }),
    ...starts.map((start) =>
      store.query<{ good: string | null; valid: string | null }>(namedQuery('telemetry_completeness'), {
        from: at(start),
        to: end,
        ...tenants,
      }),
    ),
  ]);
  const byStart = new Map(
    starts.map((start, i) => {
      const c = completeness[i]![0];
      return [start, new Map([['telemetry_completeness', { good: Number(c?.good ?? 0), valid: Number(c?.valid ?? 0) }]])];
    }),
  );
  for (const r of rollup)
    byStart.get(Date.parse(fromClickHouseTime(r.window_from)))!.set(r.sli, { good: Number(r.good), valid: Number(r.valid) });
  return froms.map((from) => byStart.get(from.getTime())!);
}

/** Good and valid events per SLI over [from, to) of the tenants given. */
export async function sliCounts(store: Store, from: Date, to: Date, tenants: TenantParams): Promise<Map<string, Counts>> {
  return (await sliCountsByWindow(store, [from], to, tenants))[0]!;
}

export const SliReport = z.object({
  window: z.string(),
  tenant: z.string().nullable(),
  generated_at: z.string(),
  slis: z.array(
    z.object({
      slo: z.string(),
      sli: z.string(),
      objective: z.number().describe('percent of valid events that must be good'),
      slo_window: z.string(),
      value: z.number().nullable().describe('good / valid over the requested window; null without events'),
      good: z.number(),
      valid: z.number(),
      error_budget_remaining: z.number().describe("share of the SLO window's error budget left (negative when overspent)"),
      burn_rate_1h: z.number().nullable(),
      burn_rate_6h: z.number().nullable(),
    }),
  ),
});
export type SliReport = z.infer<typeof SliReport>;

export const SlisQuery = z.object({
  window: durationParam('1h'),
  tenant: TenantQuery,
});

export const slisRoute = (store: Store, spec: SloSpec) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/slis',
    roles: ['sre'],
    summary: 'Each SLO: its SLI over the window, error budget remaining over the SLO window, burn rates over 1h and 6h',
    query: SlisQuery,
    response: SliReport,
    handler: async ({ query, req }) =>
      sliReport(store, spec, {
        window: query.window.text,
        windowSeconds: query.window.seconds,
        tenant: query.tenant,
        tenants: requestTenants(req, query.tenant),
        now: new Date(),
      }),
  });

const ratio = (c: Counts | undefined) => (c && c.valid > 0 ? c.good / c.valid : null);
const errorRatio = (c: Counts | undefined) => (c && c.valid > 0 ? 1 - c.good / c.valid : null);

export async function sliReport(
  store: Store,
  spec: SloSpec,
  options: { windowSeconds: number; window: string; tenant: string; tenants: TenantParams; now: Date },
): Promise<SliReport> {
  const { now, tenant, tenants } = options;
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const slos = resolveSlos(spec);
  const sloWindows = [...new Set(slos.map((s) => s.window.seconds))];
  const [current, lastHour, last6h, ...budgets] = await sliCountsByWindow(
    store,
    [options.windowSeconds, 3600, 6 * 3600, ...sloWindows].map(ago),
    now,
    tenants,
  );
  const budgetBy = new Map(sloWindows.map((w, i) => [w, budgets[i]!]));
  return {
    window: options.window,
    tenant: tenant === '' ? null : tenant,
    generated_at: now.toISOString(),
    slis: slos.map((slo) => {
      const c = current!.get(slo.sli) ?? { good: 0, valid: 0 };
      const budget = budgetBy.get(slo.window.seconds)!.get(slo.sli) ?? { good: 0, valid: 0 };
      const burn = (counts: Counts | undefined) => {
        const e = errorRatio(counts);
        return e === null ? null : burnRate(e, slo.objective);
      };
      return {
        slo: slo.name,
        sli: slo.sli,
        objective: slo.objective,
        slo_window: slo.window.name,
        value: ratio(c),
        good: c.good,
        valid: c.valid,
        error_budget_remaining: errorBudgetRemaining(budget.good, budget.valid, slo.objective),
        burn_rate_1h: burn(lastHour!.get(slo.sli)),
        burn_rate_6h: burn(last6h!.get(slo.sli)),
      };
    }),
  };
}
