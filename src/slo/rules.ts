// The resolved SLOs → Prometheus recording rules and multiwindow multi-burn-rate alerts.
import { ALERT_NAME, ERROR_BUDGET_REMAINING_RECORD, OBJECTIVE_RECORD, errorRatioRecord, validEventsRecord } from '../conventions.js';
import { BURN_TIERS, RECORDED_WINDOWS_SECONDS, promDuration, type Severity } from './burnRate.js';
import { promWindow, type SloModel } from './model.js';

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
  /** How long the condition must hold before the alert fires. */
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<RecordingRule | AlertRule>;
}

/** A window's range in a rule, whatever the time scale (rule names keep the logical window). */
type Range = (seconds: number) => string;

/** Every window the guard counts valid events over: the short windows of the burn tiers. */
const GUARD_WINDOWS_SECONDS = [...new Set(BURN_TIERS.map((t) => t.shortSeconds))];

/** The ratio the SLO-window ratio averages over the whole window. */
const SLO_WINDOW_SAMPLE = promWindow(300);

export function generateRuleGroups(slos: readonly SloModel[], options: RuleOptions = {}): RuleGroup[] {
  const scale = options.timeScale ?? 1;
  const range: Range = (seconds) => promDuration(seconds / scale);
  const interval = scale !== 1 ? { interval: range(60) } : {};
  return slos.flatMap((slo) => {
    const alerts = slo.severities.map((severity) => alertRule(slo, severity));
    return [
      { name: `ztna-slo-${slo.name}-recordings`, ...interval, rules: recordingRules(slo, range) },
      ...(alerts.length > 0 ? [{ name: `ztna-slo-${slo.name}-alerts`, ...interval, rules: alerts }] : []),
    ];
  });
}

function recordingRules(slo: SloModel, range: Range): RecordingRule[] {
  const by = slo.dimensions.length > 0 ? ` by (${slo.dimensions.join(', ')})` : '';
  const { good, valid } = slo.series;
  const labels = { slo: slo.name, sli: slo.sli };
  const sel = `{slo="${slo.name}"}`;
  const sloWindowRatio = errorRatioRecord(slo.window.name);
  return [
    ...RECORDED_WINDOWS_SECONDS.map(promWindow).map((w) => ({
      record: errorRatioRecord(w.name),
      expr: `1 - (sum${by} (rate(${good}[${range(w.seconds)}])) / sum${by} (rate(${valid}[${range(w.seconds)}])))`,
      labels,
    })),
    ...GUARD_WINDOWS_SECONDS.map(promWindow).map((w) => ({
      record: validEventsRecord(w.name),
      expr: `sum${by} (increase(${valid}[${range(w.seconds)}]))`,
      labels,
    })),
    {
      record: sloWindowRatio,
      expr: `avg_over_time(${errorRatioRecord(SLO_WINDOW_SAMPLE.name)}${sel}[${range(slo.window.seconds)}])`,
      labels,
    },
    { record: OBJECTIVE_RECORD, expr: `vector(${slo.objectiveRatio})`, labels },
    // One series per SLO whatever its window, so a dashboard reads every SLO's budget alike.
    { record: ERROR_BUDGET_REMAINING_RECORD, expr: `1 - ${sloWindowRatio}${sel} / ${slo.errorBudget}`, labels },
  ];
}

function alertRule(slo: SloModel, severity: Severity): AlertRule {
  const sel = `{slo="${slo.name}"}`;
  const conditions = slo.tiers
    .filter((tier) => tier.severity === severity)
    .map((tier) =>
      [
        `${errorRatioRecord(tier.long.name)}${sel} > ${tier.threshold}`,
        `${errorRatioRecord(tier.short.name)}${sel} > ${tier.threshold}`,
        // Low-traffic guard: a handful of failures at night is not a fast burn.
        `${validEventsRecord(tier.short.name)}${sel} >= ${slo.minEvents}`,
      ].join('\n  and\n  '),
    );
  return {
    alert: ALERT_NAME,
    expr: conditions.map((c) => `(\n  ${c}\n)`).join('\nor\n'),
    labels: { severity, slo: slo.name, sli: slo.sli },
    annotations: alertAnnotations(slo, severity),
  };
}

/** Annotations of an SLO's alert, templated on its dimension labels only (no $value), so tests can expect them exactly. */
export function alertAnnotations(slo: SloModel, severity: Severity): Record<string, string> {
  const factors = slo.tiers
    .filter((tier) => tier.severity === severity)
    .map((tier) => `${tier.factor}× over ${tier.long.name} and ${tier.short.name}`)
    .join(', or ');
  const scope = slo.dimensions.map((d) => `{{ $labels.${d} }}`).join(' ');
  return {
    summary: `${slo.name} is burning its error budget ${severity === 'page' ? 'fast' : 'steadily'}${scope ? ` (${scope})` : ''}`,
    description: `${slo.description} Objective ${slo.objective}% over ${slo.window.name}. Fires at ${factors} the budgeted error rate, with at least ${slo.minEvents} events in the short window.`,
    runbook_url: slo.runbookUrl,
    dashboard: slo.dashboardUrl,
  };
}
