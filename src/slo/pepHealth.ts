// Enforcement-point health alerts (the guide's F7), beside the SLO alerts: an emitter silent past
// ZTNA_EMITTER_SILENCE_SECONDS while its peers report pages; one that restarts again and again
// tickets. Their promtool tests go with the SLOs' in alerts/ztna-slo.test.yml.
import { METRIC_NAMES, RESTARTING_ALERT_NAME, SILENT_ALERT_NAME } from '../conventions.js';
import type { AlertRule, RuleGroup } from './rules.js';

const RUNBOOK = 'https://github.com/ztna-telemetry/ztna-telemetry/blob/main/docs/runbooks.md#enforcement-point-health';
/** Restarts within the window that make an emitter "keeps restarting". */
export const RESTARTS = { count: 3, window: '30m' } as const;
/** How long the silence must hold before it pages: one scrape's blip is not an outage. */
const SILENT_FOR = '2m';

export function pepHealthRuleGroup(dashboardUrl: string): RuleGroup {
  const alert = (name: string, expr: string, severity: string, summary: string, description: string, forDuration?: string): AlertRule => ({
    alert: name,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: RUNBOOK, dashboard: dashboardUrl },
  });
  return {
    name: 'ztna-enforcement-point-health',
    rules: [
      alert(
        SILENT_ALERT_NAME,
        `max by (tenant, emitter) (${METRIC_NAMES.emitterSilent}) == 1`,
        'page',
        'Enforcement point {{ $labels.emitter }} ({{ $labels.tenant }}) stopped reporting',
        `No events from {{ $labels.emitter }} past ZTNA_EMITTER_SILENCE_SECONDS while the other emitters of {{ $labels.tenant }} report: crashed, cut off, or enforcing unseen.`,
        SILENT_FOR,
      ),
      alert(
        RESTARTING_ALERT_NAME,
        `sum by (tenant, emitter) (increase(${METRIC_NAMES.emitterRestarts}[${RESTARTS.window}])) >= ${RESTARTS.count}`,
        'ticket',
        'Enforcement point {{ $labels.emitter }} ({{ $labels.tenant }}) keeps restarting',
        `{{ $labels.emitter }} started its event sequence again ${RESTARTS.count} times or more within ${RESTARTS.window}: a crash loop.`,
      ),
    ],
  };
}

/** promtool unit tests: a silence pages after its hold and not before, a peer that reports stays quiet; 3 restarts ticket, 2 do not. */
export function pepHealthPromtoolTests(dashboardUrl: string): object[] {
  const labels = { tenant: 't1', emitter: 'pep-a' };
  const [silent, restarting] = pepHealthRuleGroup(dashboardUrl).rules as AlertRule[];
  const render = (rule: AlertRule) =>
    Object.fromEntries(
      Object.entries(rule.annotations).map(([k, v]) => [
        k,
        v.replaceAll('{{ $labels.emitter }}', labels.emitter).replaceAll('{{ $labels.tenant }}', labels.tenant),
      ]),
    );
  return [
    {
      name: 'enforcement point: silent past the window pages after its hold, a reporting peer stays quiet',
      interval: '1m',
      input_series: [
        { series: `${METRIC_NAMES.emitterSilent}{tenant="t1",emitter="pep-a"}`, values: '0x4 1x10' },
        { series: `${METRIC_NAMES.emitterSilent}{tenant="t1",emitter="pep-b"}`, values: '0x14' },
      ],
      alert_rule_test: [
        { eval_time: '6m', alertname: SILENT_ALERT_NAME, exp_alerts: [] },
        {
          eval_time: '8m',
          alertname: SILENT_ALERT_NAME,
          exp_alerts: [{ exp_labels: { severity: 'page', ...labels }, exp_annotations: render(silent!) }],
        },
      ],
    },
    {
      name: 'enforcement point: three restarts within the window ticket, two do not',
      interval: '1m',
      input_series: [{ series: `${METRIC_NAMES.emitterRestarts}{tenant="t1",emitter="pep-a"}`, values: '0 0 1 1 1 2 2 2 3 3 3 3 3 3' }],
      alert_rule_test: [
        { eval_time: '6m', alertname: RESTARTING_ALERT_NAME, exp_alerts: [] },
        {
          eval_time: '10m',
          alertname: RESTARTING_ALERT_NAME,
          exp_alerts: [{ exp_labels: { severity: 'ticket', ...labels }, exp_annotations: render(restarting!) }],
        },
      ],
    },
  ];
}
