// The page really arrives: `ztna run` with the simulator driving an IdP outage, a real
// Prometheus scraping /metrics and evaluating the generated burn-rate rules, and a real
// Alertmanager with the example routing delivering to a webhook receiver in this test and to
// the service's POST /api/v1/alerts (the stack: test/support/alerting.ts). Healthy traffic
// before the outage pages nobody; the page becomes an incident of its SLO.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentsResponse } from '../../src/api/incidents.js';
import { ANALYST_KEY, startAlertingStack, TIME_SCALE, type AlertingStack, type Delivery } from '../support/alerting.js';
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

  it('records the page as an open incident of its SLO, through the webhook of the example routing', async () => {
    await waitFor('the page', async () => stack.deliveries.find(isPage), (OUTAGE_AFTER_SECONDS + 150) * 1000, 250);
    const incident = await waitFor(
      'the page among the incidents',
      async () => {
        const res = await fetch(`${stack.service}/api/v1/incidents?from=${new Date(stack.outageStart - 3600_000).toISOString()}`, {
          headers: { authorization: `Bearer ${ANALYST_KEY}` },
        });
        expect(res.status).toBe(200);
        // The slow-burn ticket of the same SLO may come first: wait for the page to join it.
        const incidents = IncidentsResponse.parse(await res.json()).incidents;
        return incidents.find((i) => i.key === 'slo:auth-availability' && i.severity === 'critical');
      },
      30_000,
      500,
    );
    expect(incident).toMatchObject({ state: 'open', types: ['page'], kinds: ['ZtnaErrorBudgetBurn'], max_score: 90 });
    expect(incident.page_count).toBeGreaterThanOrEqual(1);
    expect(Date.parse(incident.first_time)).toBeGreaterThan(stack.outageStart);
  });
});
