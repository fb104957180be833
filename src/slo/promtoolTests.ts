// promtool unit tests for the generated rules: for every SLO, a full outage fires the
// page within minutes, a slow burn fires the ticket and not the page, healthy traffic
// fires nothing, and a trickle of failures (low traffic) pages nobody. Each case also
// checks the error budget left that the dashboards read.
import { ALERT_NAME, ERROR_BUDGET_REMAINING_RECORD } from '../conventions.js';
import type { Severity } from './burnRate.js';
import type { SloModel } from './model.js';
import { alertAnnotations } from './rules.js';

const PER_MINUTE = 1000;

interface SeriesScenario {
  name: string;
  /** Valid events per minute and the share of them that are bad. */
  perMinute: number;
  badShare: (budget: number) => number;
  evalTime: string;
  expect: Severity[];
}

function scenarios(slo: SloModel): SeriesScenario[] {
  const fires = (severity: Severity) => slo.severities.includes(severity);
  // One event a minute for 10 minutes stays under the guard in every short window.
  const guarded = slo.minEvents > 10;
  return [
    {
      name: 'full outage pages within 5 minutes',
      perMinute: PER_MINUTE,
      badShare: () => 1,
      evalTime: '5m',
      expect: (['page', 'ticket'] as const).filter(fires),
    },
    {
      name: 'slow burn (4x budget) tickets and does not page',
      perMinute: PER_MINUTE,
      badShare: (b) => 4 * b,
      evalTime: '3h',
      expect: (['ticket'] as const).filter(fires),
    },
    { name: 'healthy traffic (half the budget) fires nothing', perMinute: PER_MINUTE, badShare: (b) => b / 2, evalTime: '3h', expect: [] },
    ...(guarded
      ? [{ name: 'low traffic (1/min, all failing) alerts nobody', perMinute: 1, badShare: () => 1, evalTime: '10m', expect: [] }]
      : []),
  ];
}

/**
 * Rate arithmetic is not exact in floating point and promtool compares exactly: the budget left
 * is compared to the thousandth, rounded as PromQL's round(v, 0.001) rounds it.
 */
const toThousandth = (n: number) => Math.floor(n * 1000 + 0.5) / 1000;

/** `moreTests`: the tests of the other alerts in the same rules file (pepHealth.ts). */
export function generatePromtoolTests(slos: readonly SloModel[], rulesFile: string, moreTests: readonly object[] = []): object {
  const tests = slos.flatMap((slo) => {
    const { good, valid } = slo.series;
    const labels = Object.fromEntries(slo.dimensions.map((d) => [d, `test-${d}`]));
    const withLabels = (selector: string) =>
      selector.includes('{') ? selector.replace('}', `,${labelPairs(labels)}}`) : `${selector}{${labelPairs(labels)}}`;
    return scenarios(slo).map((s) => {
      const badShare = s.badShare(slo.errorBudget);
      const goodPerMinute = Number((s.perMinute * (1 - badShare)).toPrecision(8));
      return {
        name: `${slo.name}: ${s.name}`,
        interval: '1m',
        input_series: [
          { series: withLabels(valid), values: `0+${s.perMinute}x300` },
          { series: withLabels(good), values: `0+${goodPerMinute}x300` },
        ],
        alert_rule_test: [
          {
            eval_time: s.evalTime,
            alertname: ALERT_NAME,
            exp_alerts: s.expect.map((severity) => ({
              exp_labels: { severity, slo: slo.name, sli: slo.sli, ...labels },
              exp_annotations: renderLabels(alertAnnotations(slo, severity), labels),
            })),
          },
        ],
        promql_expr_test: [
          {
            expr: `round(${ERROR_BUDGET_REMAINING_RECORD}{slo="${slo.name}"}, 0.001)`,
            eval_time: s.evalTime,
            // A steady error ratio over the whole SLO window so far: 1 − ratio / budget.
            exp_samples: [
              {
                labels: `{${labelPairs({ slo: slo.name, sli: slo.sli, ...labels })}}`,
                value: toThousandth(1 - badShare / slo.errorBudget),
              },
            ],
          },
        ],
      };
    });
  });
  return { rule_files: [rulesFile], evaluation_interval: '1m', tests: [...tests, ...moreTests] };
}

/** Renders `{{ $labels.x }}` as Prometheus would for the given labels. */
function renderLabels(annotations: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '')]),
  );
}

/** Labels in PromQL's notation, without the braces: a="x",b="y". */
const labelPairs = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
