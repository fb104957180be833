// SLO spec validation and burn-rate math.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BURN_TIERS, burnFactor, burnRate, errorBudgetRemaining, promDuration } from '../../src/slo/burnRate.js';
import { resolveSlos } from '../../src/slo/model.js';
import { generateRuleGroups } from '../../src/slo/rules.js';
import { parseSloSpec, SloSpecError } from '../../src/slo/spec.js';
import { ROOT } from '../support/helpers.js';

const committed = readFileSync(join(ROOT, 'slos.yaml'), 'utf8');
const minimal = (slo: string) => `version: 1\ndashboard_url: http://grafana/d/x\nslos:\n${slo}`;

describe('SLO spec', () => {
  it('loads the committed spec', () => {
    const spec = parseSloSpec(committed);
    expect(spec.slos.map((s) => s.name)).toEqual([
      'auth-availability',
      'policy-eval-latency',
      'policy-engine-availability',
      'telemetry-completeness',
      'posture-compliance',
      'gateway-request-latency',
    ]);
    expect(spec.slos.find((s) => s.name === 'posture-compliance')!.alerts).toEqual({ page: false, ticket: true });
  });

  it('names the field that is wrong', () => {
    const bad = minimal(
      '  - name: x\n    sli: auth_availability\n    objective: 120\n    description: d\n    runbook_url: http://r\n    dimensions: [emitter]\n',
    );
    expect(() => parseSloSpec(bad, 'slos.yaml')).toThrow(SloSpecError);
    expect(() => parseSloSpec(bad, 'slos.yaml')).toThrow(/slos\.0\.objective/);
    expect(() => parseSloSpec(bad, 'slos.yaml')).toThrow(/slos\.0\.dimensions\.0: auth_availability has no dimension emitter/);
    expect(() =>
      parseSloSpec(minimal('  - name: y\n    sli: nope\n    objective: 99\n    description: d\n    runbook_url: http://r\n')),
    ).toThrow(/slos\.0\.sli/);
    expect(() =>
      parseSloSpec(
        minimal(
          '  - name: z\n    sli: policy_eval_latency\n    objective: 99\n    latency_threshold_ms: 250\n    description: d\n    runbook_url: http://r\n',
        ),
      ),
    ).toThrow(/latency_threshold_ms: must be 100/);
    expect(() =>
      parseSloSpec(
        minimal('  - name: g\n    sli: gateway_request_latency\n    objective: 99\n    description: d\n    runbook_url: http://r\n'),
      ),
    ).toThrow(/slos\.0\.latency_threshold_ms: must be 1000 \(the threshold of the latency histogram bucket and the ClickHouse rollup\)/);
    expect(() => parseSloSpec('version: [')).toThrow(/not valid YAML/);
  });
});

describe('burn-rate math', () => {
  it('gives the workbook factors for a 30-day window and keeps the budget shares for 28 and 7 days', () => {
    expect(BURN_TIERS.map((t) => burnFactor(t, '30d'))).toEqual([14.4, 6, 3, 1]);
    expect(BURN_TIERS.map((t) => burnFactor(t, '28d'))).toEqual([13.44, 5.6, 2.8, 0.933333]);
    expect(BURN_TIERS.map((t) => burnFactor(t, '7d'))).toEqual([3.36, 1.4, 0.7, 0.233333]);
  });

  it('computes burn rate and error budget remaining', () => {
    expect(burnRate(0.001, 99.9)).toBeCloseTo(1);
    expect(burnRate(0.0144, 99.9)).toBeCloseTo(14.4);
    expect(errorBudgetRemaining(999_500, 1_000_000, 99.9)).toBeCloseTo(0.5);
    expect(errorBudgetRemaining(998_000, 1_000_000, 99.9)).toBeCloseTo(-1);
    expect(errorBudgetRemaining(0, 0, 99.9)).toBe(1);
  });

  it('formats Prometheus durations', () => {
    expect([300, 3600, 86400, 90, 5].map(promDuration)).toEqual(['5m', '1h', '1d', '90s', '5s']);
  });
});

describe('rule generation', () => {
  const slos = resolveSlos(parseSloSpec(committed));

  it('leaves out disabled alert tiers', () => {
    const groups = generateRuleGroups(slos);
    const posture = groups.find((g) => g.name === 'ztna-slo-posture-compliance-alerts')!;
    expect(posture.rules.map((r) => ('labels' in r ? r.labels.severity : undefined))).toEqual(['ticket']);
  });

  it('scales windows for tests without changing ratios or thresholds', () => {
    const normal = generateRuleGroups(slos).flatMap((g) => g.rules);
    const scaled = generateRuleGroups(slos, { timeScale: 60 }).flatMap((g) => g.rules);
    expect(scaled.map((r) => ('record' in r ? r.record : r.alert))).toEqual(normal.map((r) => ('record' in r ? r.record : r.alert)));
    const ratio1h = scaled.find((r) => 'record' in r && r.record === 'slo:sli_error:ratio_rate1h')!;
    expect(ratio1h.expr).toContain('[1m]');
    const page = (rules: typeof normal) => rules.find((r) => 'alert' in r && r.labels.severity === 'page')!.expr;
    expect(page(scaled)).toBe(page(normal));
  });
});

describe('resolved SLO model', () => {
  it('resolves window, budget, alerted tiers, guard and series once per spec', () => {
    const spec = parseSloSpec(
      minimal(
        '  - name: x\n    sli: policy_eval_latency\n    objective: 99\n    window: 28d\n    latency_threshold_ms: 100\n    min_events: 5\n    alerts: { page: false }\n    description: d\n    runbook_url: http://r\n',
      ),
    );
    const [slo] = resolveSlos(spec);
    expect(slo).toMatchObject({
      window: { name: '28d', seconds: 28 * 86400 },
      objectiveRatio: 0.99,
      errorBudget: 0.01,
      severities: ['ticket'],
      minEvents: 5,
      dimensions: ['tenant'],
      series: { good: 'ztna_policy_eval_latency_seconds_bucket{le="0.1"}', valid: 'ztna_policy_eval_latency_seconds_count' },
      runbookUrl: 'http://r',
      dashboardUrl: 'http://grafana/d/x',
    });
    expect(slo!.tiers.map((t) => [t.severity, t.long.name, t.short.name, t.factor, t.threshold])).toEqual([
      ['ticket', '1d', '2h', 2.8, 0.028],
      ['ticket', '3d', '6h', 0.933333, 0.00933333],
    ]);
    expect(resolveSlos(spec)).toBe(resolveSlos(spec));
  });

  it('measures the gateway request latency by its own histogram, good under the threshold the rollup counts by', () => {
    const gateway = (ms: number) =>
      minimal(
        `  - name: g\n    sli: gateway_request_latency\n    objective: 99\n    latency_threshold_ms: ${ms}\n    description: d\n    runbook_url: http://r\n`,
      );
    const [slo] = resolveSlos(parseSloSpec(gateway(1000)));
    expect(slo).toMatchObject({
      latencyThresholdSeconds: 1,
      series: { good: 'ztna_gateway_request_latency_seconds_bucket{le="1"}', valid: 'ztna_gateway_request_latency_seconds_count' },
    });
    // sql/migrations/0022 counts by 1000 ms: another threshold would make the API and the alerts disagree.
    expect(() => parseSloSpec(gateway(750))).toThrow(/slos\.0\.latency_threshold_ms: must be 1000/);
  });
});
