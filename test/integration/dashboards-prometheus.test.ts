// Every PromQL query of the generated dashboards (panels and template variables) runs on a real
// Prometheus, with Grafana's variables expanded, and must return data. Prometheus scrapes `ztna run`
// and evaluates the generated rules while a simulated IdP outage burns the error budget, so the
// alert panels have rows: the alerting end-to-end test's stack (test/support/alerting.ts), with the
// outage soon after start, since no page is awaited here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertingStack, type AlertingStack } from '../support/alerting.js';
import { dashboardQueries, expandPromQL, KAFKA_ONLY } from '../support/dashboards.js';
import { labelValues, queryPrometheus } from '../support/services/prometheus.js';
import { waitFor } from '../support/wait.js';

const OUTAGE_AFTER_SECONDS = 5;
const promql = dashboardQueries().filter((q) => q.datasource === 'prometheus');
const variables = promql.filter((q) => q.variable);
// Consumer lag needs Kafka: the Kafka end-to-end test runs it against a consumer of the real broker.
const panels = promql.filter((q) => !q.variable && !KAFKA_ONLY.test(q.text));
const named = (q: (typeof promql)[number]) => [`${q.dashboard}: ${q.panel}`, q] as const;

describe('dashboard PromQL queries on a real Prometheus', () => {
  let stack: AlertingStack;
  beforeAll(async () => {
    stack = await startAlertingStack(OUTAGE_AFTER_SECONDS);
  });
  afterAll(async () => stack?.stop());

  it('covers every Prometheus query of the dashboards', () => {
    // 30 panel queries and one template variable; a panel added or removed changes this.
    expect(promql.filter((q) => !q.variable)).toHaveLength(30);
    expect(variables.map((q) => `${q.dashboard}: ${q.panel}`)).toEqual(['ztna-oncall: $tenant']);
    expect(promql.filter((q) => KAFKA_ONLY.test(q.text)).map((q) => q.panel)).toEqual(['Consumer lag']);
    expect(panels).toHaveLength(29);
  });

  // label_values(metric, label) is Grafana's: it asks Prometheus for the label's values.
  it.each(variables.map(named))('%s lists the simulated tenants', async (_name, q) => {
    const [, metric, label] = /^label_values\((\w+),\s*(\w+)\)$/.exec(q.text)!;
    await waitFor(
      `${q.text} to list acme`,
      async () => (await labelValues(stack.prometheus, metric!, label!)).includes('acme'),
      60_000,
      500,
    );
  });

  // Scrapes every 1 s: Grafana's $__rate_interval would be 4 s; 15 s keeps rates steady.
  it.each(panels.map(named))('%s returns data, for all tenants and for one', async (_name, q) => {
    for (const tenant of [{ all: '.*' }, { value: 'acme' }]) {
      const expr = expandPromQL(q.text, { tenant }, '15s');
      await waitFor(
        `data for ${expr}`,
        async () => {
          const body = await queryPrometheus(stack.prometheus, expr);
          expect(body.status, `${expr}: ${body.error}`).toBe('success');
          return body.data.result.length > 0;
        },
        60_000,
        500,
      );
    }
  });
});
