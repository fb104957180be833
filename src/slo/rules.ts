// SLO spec → Prometheus recording rules and multiwindow multi-burn-rate alerts.
import { BURN_TIERS, RECORDED_WINDOWS_SECONDS, WINDOW_SECONDS, burnFactor, promDuration, round } from './burnRate.js';
import { isLatencySli, minEventsOf, windowOf, type Slo, type SloSpec } from './spec.js';

export const ALERT_NAME = 'ZtnaErrorBudgetBurn';

export interface RuleOptions {
  /**
   * Test only: divide every window by this factor (1 h → 1 m at 60) so an end-to-end
   * test sees an alert in seconds. The ratios, factors and guards are unchanged.
   */
  timeScale?: number;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}
export interface AlertRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<RecordingRule | AlertRule>;
}

/** The logical window name used in rule names, whatever the time scale. */
const windowName = (seconds: number) => promDuration(seconds);
export const errorRatioRecord = (seconds: number) => `slo:sli_error:ratio_rate${windowName(seconds)}`;
export const validEventsRecord = (seconds: number) => `slo:sli_valid_events:increase${windowName(seconds)}`;

/** Good and valid counters of an SLI, as PromQL selectors. */
export function sliSeries(slo: Slo): { good: string; valid: string } {
  if (isLatencySli(slo)) {
    const le = String((slo.latency_threshold_ms ?? 100) / 1000);
    return { good: `ztna_policy_eval_latency_seconds_bucket{le="${le}"}`, valid: 'ztna_policy_eval_latency_seconds_count' };
  }
  return { good: `ztna_sli_good_events_total{sli="${slo.sli}"}`, valid: `ztna_sli_valid_events_total{sli="${slo.sli}"}` };
}

export function generateRuleGroups(spec: SloSpec, options: RuleOptions = {}): RuleGroup[] {
  const scale = options.timeScale ?? 1;
  const range = (seconds: number) => promDuration(seconds / scale);
  return spec.slos.flatMap((slo) => {
    const by = slo.dimensions.length > 0 ? ` by (${slo.dimensions.join(', ')})` : '';
    const { good, valid } = sliSeries(slo);
    const labels = { slo: slo.name, sli: slo.sli };
    const shortWindows = [...new Set(BURN_TIERS.map((t) => t.shortSeconds))];
    const sloWindow = WINDOW_SECONDS[windowOf(spec, slo)];
    const recordings: RecordingRule[] = [
      ...RECORDED_WINDOWS_SECONDS.map((w) => ({
        record: errorRatioRecord(w),
        expr: `1 - (sum${by} (rate(${good}[${range(w)}])) / sum${by} (rate(${valid}[${range(w)}])))`,
        labels,
      })),
      ...shortWindows.map((w) => ({ record: validEventsRecord(w), expr: `sum${by} (increase(${valid}[${range(w)}]))`, labels })),
      {
        record: errorRatioRecord(sloWindow),
        expr: `avg_over_time(${errorRatioRecord(300)}{slo="${slo.name}"}[${range(sloWindow)}])`,
        labels,
      },
      { record: 'slo:objective:ratio', expr: `vector(${round(slo.objective / 100)})`, labels },
    ];
    const alerts: AlertRule[] = (['page', 'ticket'] as const)
      .filter((severity) => slo.alerts[severity])
      .map((severity) => alertRule(spec, slo, severity));
    return [
      { name: `ztna-slo-${slo.name}-recordings`, ...(scale !== 1 ? { interval: range(60) } : {}), rules: recordings },
      ...(alerts.length > 0 ? [{ name: `ztna-slo-${slo.name}-alerts`, ...(scale !== 1 ? { interval: range(60) } : {}), rules: alerts }] : []),
    ];
  });
}

function alertRule(spec: SloSpec, slo: Slo, severity: 'page' | 'ticket'): AlertRule {
  const budget = 1 - slo.objective / 100;
  const min = minEventsOf(spec, slo);
  const sel = `{slo="${slo.name}"}`;
  const conditions = BURN_TIERS.filter((t) => t.severity === severity).map((tier) => {
    const threshold = round(burnFactor(tier, windowOf(spec, slo)) * budget);
    return [
      `${errorRatioRecord(tier.longSeconds)}${sel} > ${threshold}`,
      `${errorRatioRecord(tier.shortSeconds)}${sel} > ${threshold}`,
      // Low-traffic guard: a handful of failures at night is not a fast burn.
      `${validEventsRecord(tier.shortSeconds)}${sel} >= ${min}`,
    ].join('\n  and\n  ');
  });
  return {
    alert: ALERT_NAME,
    expr: conditions.map((c) => `(\n  ${c}\n)`).join('\nor\n'),
    labels: { severity, slo: slo.name, sli: slo.sli },
    annotations: alertAnnotations(spec, slo, severity),
  };
}

/** Annotations of an SLO's alert, templated on its dimension labels only (no $value), so tests can expect them exactly. */
export function alertAnnotations(spec: SloSpec, slo: Slo, severity: 'page' | 'ticket'): Record<string, string> {
  const factors = BURN_TIERS.filter((t) => t.severity === severity)
    .map((t) => `${burnFactor(t, windowOf(spec, slo))}× over ${promDuration(t.longSeconds)} and ${promDuration(t.shortSeconds)}`)
    .join(', or ');
  const scope = slo.dimensions.map((d) => `{{ $labels.${d} }}`).join(' ');
  return {
    summary: `${slo.name} is burning its error budget ${severity === 'page' ? 'fast' : 'steadily'}${scope ? ` (${scope})` : ''}`,
    description: `${slo.description} Objective ${slo.objective}% over ${windowOf(spec, slo)}. Fires at ${factors} the budgeted error rate, with at least ${minEventsOf(spec, slo)} events in the short window.`,
    runbook_url: slo.runbook_url,
    dashboard: spec.dashboard_url,
  };
}
