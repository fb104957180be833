// The SRE's view: each SLO's current value, error budget left and burn rates, computed
// from ClickHouse (the per-minute rollups), so it survives a restart of the service.
import { burnRate, errorBudgetRemaining, WINDOW_SECONDS } from '../slo/burnRate.js';
import { windowOf, type SloSpec } from '../slo/spec.js';
import { namedQuery, toClickHouseTime, type Store } from '../store/index.js';

export interface Counts {
  good: number;
  valid: number;
}

/** Good and valid events per SLI over [from, to). */
export async function sliCounts(store: Store, from: Date, to: Date, tenant: string): Promise<Map<string, Counts>> {
  const params = { from: toClickHouseTime(from.toISOString()), to: toClickHouseTime(to.toISOString()), tenant };
  const [rollup, completeness] = await Promise.all([
    store.query<{ sli: string; good: string; valid: string }>(namedQuery('sli_window'), params),
    store.query<{ good: string | null; valid: string | null }>(namedQuery('telemetry_completeness'), params),
  ]);
  const counts = new Map(rollup.map((r) => [r.sli, { good: Number(r.good), valid: Number(r.valid) }]));
  const c = completeness[0];
  counts.set('telemetry_completeness', { good: Number(c?.good ?? 0), valid: Number(c?.valid ?? 0) });
  return counts;
}

export interface SliReport {
  window: string;
  tenant: string | null;
  generated_at: string;
  slis: Array<{
    slo: string;
    sli: string;
    objective: number;
    slo_window: string;
    value: number | null;
    good: number;
    valid: number;
    error_budget_remaining: number;
    burn_rate_1h: number | null;
    burn_rate_6h: number | null;
  }>;
}

const ratio = (c: Counts | undefined) => (c && c.valid > 0 ? c.good / c.valid : null);
const errorRatio = (c: Counts | undefined) => (c && c.valid > 0 ? 1 - c.good / c.valid : null);

export async function sliReport(store: Store, spec: SloSpec, options: { windowSeconds: number; window: string; tenant: string; now: Date }): Promise<SliReport> {
  const { now, tenant } = options;
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const sloWindows = [...new Set(spec.slos.map((s) => WINDOW_SECONDS[windowOf(spec, s)]))];
  const [current, lastHour, last6h, ...budgets] = await Promise.all([
    sliCounts(store, ago(options.windowSeconds), now, tenant),
    sliCounts(store, ago(3600), now, tenant),
    sliCounts(store, ago(6 * 3600), now, tenant),
    ...sloWindows.map((w) => sliCounts(store, ago(w), now, tenant)),
  ]);
  const budgetBy = new Map(sloWindows.map((w, i) => [w, budgets[i]!]));
  return {
    window: options.window,
    tenant: tenant === '' ? null : tenant,
    generated_at: now.toISOString(),
    slis: spec.slos.map((slo) => {
      const c = current!.get(slo.sli) ?? { good: 0, valid: 0 };
      const budget = budgetBy.get(WINDOW_SECONDS[windowOf(spec, slo)])!.get(slo.sli) ?? { good: 0, valid: 0 };
      const burn = (counts: Counts | undefined) => {
        const e = errorRatio(counts);
        return e === null ? null : burnRate(e, slo.objective);
      };
      return {
        slo: slo.name,
        sli: slo.sli,
        objective: slo.objective,
        slo_window: windowOf(spec, slo),
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
