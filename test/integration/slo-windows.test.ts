// A 28d and a 7d SLO both show on the error-budget panels of the on-call and executive
// dashboards. The spec, its rules and both dashboards are generated here; the real promtool
// (Debian's prometheus package) evaluates the rules on input series for both SLOs, then each
// panel's PromQL as the dashboard JSON holds it, with Grafana's variables expanded.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ruleFile } from '../../src/commands/generate.js';
import { METRIC_NAMES } from '../../src/conventions.js';
import { dashboardFiles } from '../../src/dashboards/index.js';
import { resolveSlos } from '../../src/slo/model.js';
import { parseSloSpec } from '../../src/slo/spec.js';
import { expandPromQL, queriesOf, type GrafanaDashboard, type VariableValue } from '../support/dashboards.js';
import { runCommand, tempDir } from '../support/helpers.js';

const spec = parseSloSpec(`version: 1
dashboard_url: http://grafana.example/d/ztna-oncall
slos:
  - name: auth-availability-28d
    sli: auth_availability
    objective: 99.9
    window: 28d
    description: Authentications not failed by the access system.
    runbook_url: http://runbooks.example/auth
  - name: policy-engine-availability-7d
    sli: policy_engine_availability
    objective: 99
    window: 7d
    description: Policy decisions that are not evaluation errors.
    runbook_url: http://runbooks.example/policy
`);

// Per minute: 1000 valid events of each SLI, with a quarter of the auth budget and half of the
// policy budget spent, so each SLO has its own budget left: 0.75 and 0.5.
const TRAFFIC = [
  { sli: 'auth_availability', goodPerMinute: 999.75, slo: 'auth-availability-28d', budgetLeft: 0.75 },
  { sli: 'policy_engine_availability', goodPerMinute: 995, slo: 'policy-engine-availability-7d', budgetLeft: 0.5 },
];

describe('SLOs of 28 and 7 days', () => {
  it('each show on the error-budget panels of both dashboards', async () => {
    const files = dashboardFiles(resolveSlos(spec));
    const panels = ['dashboards/ztna-oncall.json', 'dashboards/ztna-executive.json']
      .flatMap((path) => queriesOf(JSON.parse(files[path]!) as GrafanaDashboard))
      .filter((q) => q.panel === 'Error budget remaining');
    expect(panels.map((p) => p.dashboard).sort()).toEqual(['ztna-executive', 'ztna-oncall']);

    const tenants: VariableValue[] = [{ all: '.*' }, { value: 'acme' }];
    const expressions = panels.flatMap((p) => tenants.map((tenant) => expandPromQL(p.text, { tenant }, '5m')));
    const dir = tempDir('slo-windows');
    writeFileSync(join(dir, 'rules.yml'), ruleFile(spec));
    const input_series = TRAFFIC.flatMap(({ sli, goodPerMinute }) => [
      { series: `${METRIC_NAMES.sliValid}{sli="${sli}",tenant="acme"}`, values: '0+1000x180' },
      { series: `${METRIC_NAMES.sliGood}{sli="${sli}",tenant="acme"}`, values: `0+${goodPerMinute}x180` },
    ]);
    const promql_expr_test = [...new Set(expressions)].map((expr) => ({
      // promtool compares exactly, and rates are not exact in floating point.
      expr: `round(${expr}, 0.001)`,
      eval_time: '2h',
      exp_samples: TRAFFIC.map(({ slo, budgetLeft }) => ({ labels: `{slo="${slo}"}`, value: budgetLeft })),
    }));
    expect(promql_expr_test).toHaveLength(3); // the executive panel has no tenant filter: one expression for both
    writeFileSync(
      join(dir, 'panels.test.yml'),
      stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [{ interval: '1m', input_series, promql_expr_test }] }),
    );

    const r = await runCommand('promtool', ['test', 'rules', 'panels.test.yml'], { cwd: dir });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});
