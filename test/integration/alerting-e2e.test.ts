// The page really arrives: `ztna run` with the simulator driving an IdP outage, a real
// Prometheus scraping /metrics and evaluating the generated burn-rate rules, and a real
// Alertmanager with the example routing delivering to a webhook receiver in this test
// (the stack: test/support/alerting.ts). Healthy traffic before the outage pages nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertingStack, TIME_SCALE, type AlertingStack, type Delivery } from '../support/alerting.js';
import { waitFor } from '../support/wait.js';

const OUTAGE_AFTER_SECONDS = 45;

const isPage = (d: Delivery) =>
  d.receiver === '/page' &&
  d.alerts.some((a) => a.status === 'firing' && a.labels.severity === 'page' && a.labels.slo === 'auth-availability');

describe('burn-rate alerting end to end', () => {
  let stack: AlertingStack;
  beforeAll(async () => {
    stack = await startAlertingStack(OUTAGE_AFTER_SECONDS);
  });
  afterAll(async () => stack?.stop());

  it('pages through Alertmanager during an IdP outage, and not during healthy traffic', async () => {
    const page = await waitFor('the page', async () => stack.deliveries.find(isPage), (OUTAGE_AFTER_SECONDS + 150) * 1000, 250);

    expect(stack.deliveries.filter((d) => d.receiver === '/page' && d.at < stack.outageStart)).toEqual([]);
    expect(page.at).toBeGreaterThan(stack.outageStart);
    const alert = page.alerts.find((a) => a.labels.severity === 'page')!;
    expect(alert.labels).toMatchObject({
      alertname: 'ZtnaErrorBudgetBurn',
      severity: 'page',
      slo: 'auth-availability',
      sli: 'auth_availability',
    });
    console.log(
      `page delivered ${((page.at - stack.outageStart) / 1000).toFixed(1)} s after the IdP outage began (rules time-scaled ×${TIME_SCALE}; Alertmanager group_wait 30 s)`,
    );
  });
});
