// The names of src/conventions.ts are the ones really used: by the metrics registry, by the
// generated rules and dashboards, and by the SLI rollup migration (which, once applied, cannot
// change, so it is checked rather than generated).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { histogramBuckets, histogramCount, METRIC_NAMES, PROCESS_METRIC_PREFIX, LATENCY_THRESHOLDS_MS } from '../../src/conventions.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { DEFAULT_LATENCY_BUCKETS } from '../../src/sli/metrics.js';
import { dashboardQueries } from '../support/dashboards.js';
import { ROOT } from '../support/helpers.js';

/** The series names a PromQL expression reads: our metrics and recording rules (and Prometheus's ALERTS). */
const seriesIn = (promql: string) => [...promql.matchAll(/\b(?:ztna_\w+|slo:[\w:]+|ALERTS)\b/g)].map((m) => m[0]);

describe('conventions', () => {
  it('every SLI rollup migration counts a decision good at its SLI latency threshold, and the latency histogram has a bucket there', () => {
    // 0003 made the rollups, 0006 rebuilt them on the events table, 0022 added the gateway's: each must agree.
    const thresholdsIn = (file: string, column: string) => {
      const sql = readFileSync(join(ROOT, 'sql', 'migrations', file), 'utf8');
      return [...sql.matchAll(new RegExp(`${column}\\)\\s*<=\\s*(\\d+)`, 'g'))].map((m) => Number(m[1]));
    };
    for (const file of ['0003_sli_rollups.sql', '0006_events_table.sql'])
      expect(thresholdsIn(file, 'eval_latency_ms'), file).toEqual([LATENCY_THRESHOLDS_MS.policy_eval_latency]);
    // The view and the backfill of what was stored before it.
    expect(thresholdsIn('0022_gateway_latency_rollup.sql', 'request_latency_ms')).toEqual([
      LATENCY_THRESHOLDS_MS.gateway_request_latency,
      LATENCY_THRESHOLDS_MS.gateway_request_latency,
    ]);
    expect(DEFAULT_LATENCY_BUCKETS).toContain(LATENCY_THRESHOLDS_MS.policy_eval_latency / 1000);
  });

  it('name every metric the registry exports, and only those', async () => {
    const { registry } = serviceMetrics();
    const exported = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => !name.startsWith(PROCESS_METRIC_PREFIX));
    expect(exported.sort()).toEqual(Object.values(METRIC_NAMES).sort());
  });

  it('the generated rules and dashboards read only series that are exported or recorded', () => {
    const rules = (
      parse(readFileSync(join(ROOT, 'alerts', 'ztna-slo.rules.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ record?: string; expr: string }> }>;
      }
    ).groups.flatMap((g) => g.rules);
    const exported = Object.values(METRIC_NAMES).flatMap((name) => [name, histogramBuckets(name), histogramCount(name)]);
    const known = new Set([...exported, ...rules.flatMap((r) => (r.record ? [r.record] : [])), 'ALERTS']);
    const promql = [...rules.map((r) => r.expr), ...dashboardQueries().flatMap((q) => (q.datasource === 'prometheus' ? [q.text] : []))];
    const read = promql.flatMap(seriesIn);
    expect(read.length).toBeGreaterThan(100);
    expect([...new Set(read)].filter((name) => !known.has(name))).toEqual([]);
  });
});
