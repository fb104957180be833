// promtool unit tests for the generated rules: for every SLO, a full outage fires the
// page within minutes, a slow burn fires the ticket and not the page, healthy traffic
// fires nothing, and a trickle of failures (low traffic) pages nobody.
import { ALERT_NAME, alertAnnotations, sliSeries } from './rules.js';
import { minEventsOf, type Slo, type SloSpec } from './spec.js';

const PER_MINUTE = 1000;

interface SeriesScenario {
  name: string;
  /** Valid events per minute and the share of them that are bad. */
  perMinute: number;
  badShare: (budget: number) => number;
  evalTime: string;
  expect: Array<'page' | 'ticket'>;
}

function scenarios(spec: SloSpec, slo: Slo): SeriesScenario[] {
  const fires = (s: 'page' | 'ticket') => slo.alerts[s];
  // One event a minute for 10 minutes stays under the guard in every short window.
  const guarded = minEventsOf(spec, slo) > 10;
  return [
    { name: 'full outage pages within 5 minutes', perMinute: PER_MINUTE, badShare: () => 1, evalTime: '5m', expect: (['page', 'ticket'] as const).filter(fires) },
    { name: 'slow burn (4x budget) tickets and does not page', perMinute: PER_MINUTE, badShare: (b) => 4 * b, evalTime: '3h', expect: (['ticket'] as const).filter(fires) },
    { name: 'healthy traffic (half the budget) fires nothing', perMinute: PER_MINUTE, badShare: (b) => b / 2, evalTime: '3h', expect: [] },
    ...(guarded ? [{ name: 'low traffic (1/min, all failing) alerts nobody', perMinute: 1, badShare: () => 1, evalTime: '10m', expect: [] }] : []),
  ];
}

export function generatePromtoolTests(spec: SloSpec, rulesFile: string): object {
  const tests = spec.slos.flatMap((slo) => {
    const { good, valid } = sliSeries(slo);
    const budget = 1 - slo.objective / 100;
    const labels = Object.fromEntries(slo.dimensions.map((d) => [d, `test-${d}`]));
    const withLabels = (selector: string) => {
      const extra = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      return selector.includes('{') ? selector.replace('}', `,${extra}}`) : `${selector}{${extra}}`;
    };
    return scenarios(spec, slo).map((s) => {
      const goodPerMinute = Number((s.perMinute * (1 - s.badShare(budget))).toPrecision(8));
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
              exp_annotations: renderLabels(alertAnnotations(spec, slo, severity), labels),
            })),
          },
        ],
      };
    });
  });
  return { rule_files: [rulesFile], evaluation_interval: '1m', tests };
}

/** Renders `{{ $labels.x }}` as Prometheus would for the given labels. */
function renderLabels(annotations: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '')]),
  );
}
