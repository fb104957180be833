// POST /api/v1/alerts on chDB: Alertmanager's webhook stores each alert once per start, its
// repeat and its resolution replace it, and GET /api/v1/incidents counts the pages with the
// anomalies of their tenant and key (open while a page fires). Ingest role, tenant-scoped,
// 400 with the field for a payload that is not Alertmanager's. The real Alertmanager delivering
// here is in alerting-e2e.test.ts.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKeys, ROLES } from '../../src/api/auth.js';
import { IncidentResponse, IncidentsResponse } from '../../src/api/incidents.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, keyOf, requestsAs } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { migratedStore } from '../support/store.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** One alert as Alertmanager's webhook (version 4) carries it. */
const alert = (labels: Record<string, string>, startMinute: number, fingerprint: string, resolvedMinute?: number) => ({
  status: resolvedMinute === undefined ? 'firing' : 'resolved',
  labels: { alertname: 'ZtnaErrorBudgetBurn', severity: 'page', ...labels },
  annotations: { summary: 'auth-availability is burning its error budget fast' },
  startsAt: at(startMinute),
  endsAt: resolvedMinute === undefined ? '0001-01-01T00:00:00Z' : at(resolvedMinute),
  generatorURL: 'http://prometheus:9090/graph',
  fingerprint,
});
const webhook = (alerts: object[]) => ({
  version: '4',
  groupKey: '{}/{}:{slo="auth-availability"}',
  truncatedAlerts: 0,
  status: alerts.some((a) => (a as { status: string }).status === 'firing') ? 'firing' : 'resolved',
  receiver: 'ztna',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts,
});

const AUTH_PAGE = { slo: 'auth-availability', sli: 'auth_availability', tenant: 'acme' };

describe('POST /api/v1/alerts', () => {
  let store: Store;
  let app: FastifyInstance;
  const analyst = () => requestsAs(app, 'analyst');
  const post = (body: unknown, role: 'ingest' | 'analyst' = 'ingest', key = keyOf(role)) =>
    app.inject({ method: 'POST', url: '/api/v1/alerts', payload: body as object, headers: { authorization: `Bearer ${key}` } });
  const incidents = async (qs: string) => {
    const res = await analyst()(`/api/v1/incidents?from=${at(-60)}&${qs}`);
    expect(res.statusCode, res.body).toBe(200);
    return IncidentsResponse.parse(res.json()).incidents;
  };

  beforeAll(async () => {
    store = await migratedStore(tempDir('api-alerts'));
    const keys = parseApiKeys(
      [
        ...ROLES.map((role) => `${role}-1:${role}:${hashApiKey(keyOf(role))}`),
        `acme-ingest:ingest:${hashApiKey('acme-only-key-0123456789')}:acme`,
      ].join(','),
    );
    app = apiServer(store, { apiKeys: keys, defaultTenant: 'initech' });
  });
  afterAll(() => closeAll(app, store));

  it('stores a page, and lists it as an open incident of its SLO while it fires', async () => {
    const res = await post(webhook([alert(AUTH_PAGE, 0, 'a1b2c3d4e5f60718')]));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ received: 1, stored: 1 });
    // Alertmanager repeats a firing alert every repeat_interval: still one page.
    expect((await post(webhook([alert(AUTH_PAGE, 0, 'a1b2c3d4e5f60718')]))).statusCode).toBe(200);

    // Three hours on, with a one-hour window: still open, since the page still fires.
    const [page] = await incidents(`to=${at(180)}&tenant=acme&window=1h`);
    expect(page).toMatchObject({
      tenant: 'acme',
      key: 'slo:auth-availability',
      state: 'open',
      first_time: at(0),
      anomaly_count: 0,
      page_count: 1,
      max_score: 90,
      severity: 'critical',
      types: ['page'],
      kinds: ['ZtnaErrorBudgetBurn'],
    });
  });

  it('groups pages of one SLO within the window into one incident, closed a window after the last resolves', async () => {
    // A second page of the same SLO 20 minutes later (another fingerprint: a tenant's other window pair), then both resolve.
    const second = alert({ ...AUTH_PAGE, long_window: '6h' }, 20, '0f0e0d0c0b0a0908', 70);
    expect((await post(webhook([alert(AUTH_PAGE, 0, 'a1b2c3d4e5f60718', 60), second]))).statusCode).toBe(200);

    const [incident] = await incidents(`to=${at(100)}&tenant=acme&window=1h`);
    expect(incident).toMatchObject({ first_time: at(0), last_time: at(70), page_count: 2, state: 'open' });
    const [closed] = await incidents(`to=${at(131)}&tenant=acme&window=1h`);
    expect(closed).toMatchObject({ page_count: 2, state: 'closed' });
    // With a 10-minute window they are two incidents.
    expect((await incidents(`to=${at(131)}&tenant=acme&window=10m`)).map((i) => [i.first_time, i.page_count])).toEqual([
      [at(20), 1],
      [at(0), 1],
    ]);

    const res = await analyst()(`/api/v1/incidents/${incident!.incident_id}?window=1h`);
    expect(res.statusCode, res.body).toBe(200);
    const detail = IncidentResponse.parse(res.json());
    expect(detail.anomalies).toEqual([]);
    expect(detail.pages.map((p) => [p.starts_at, p.ends_at, p.status, p.key, p.severity])).toEqual([
      [at(0), at(60), 'resolved', 'slo:auth-availability', 'page'],
      [at(20), at(70), 'resolved', 'slo:auth-availability', 'page'],
    ]);
    expect(detail.pages[0]!.page_id).toBe(incident!.incident_id);
  });

  it("keys an enforcement point's alert by the emitter, and gives an alert without a tenant label the default tenant", async () => {
    const silent = alert({ alertname: 'ZtnaEnforcementPointSilent', emitter: 'pep-sidecar-1' }, 5, '1111222233334444');
    const ticket = alert({ alertname: 'SomethingElse', severity: 'ticket', tenant: 'acme' }, 5, '5555666677778888');
    expect((await post(webhook([silent, ticket]))).statusCode).toBe(200);
    const initech = await incidents(`to=${at(30)}&tenant=initech`);
    expect(initech.map((i) => [i.key, i.severity, i.max_score])).toEqual([['emitter:pep-sidecar-1', 'critical', 90]]);
    const other = (await incidents(`to=${at(30)}&tenant=acme`)).find((i) => i.key === 'alert:SomethingElse');
    expect(other).toMatchObject({ severity: 'medium', max_score: 50 });
  });

  it('redacts secrets from the summary it stores', async () => {
    const leaky = alert({ ...AUTH_PAGE, slo: 'leaky' }, 1, '9999000099990000');
    // A header's value runs to the end of its line: all of it goes (over-redacting is the safe
    // side). Line breaks are written as \u{a}, as in an event's free text.
    leaky.annotations.summary = 'token check failed\nAuthorization: Bearer abcdefghijklmnop0123 refused\nretrying';
    expect((await post(webhook([leaky]))).statusCode).toBe(200);
    const [incident] = await incidents(`to=${at(30)}&tenant=acme&window=1h`).then((l) => l.filter((i) => i.key === 'slo:leaky'));
    const detail = IncidentResponse.parse((await analyst()(`/api/v1/incidents/${incident!.incident_id}`)).json());
    expect(detail.pages[0]!.summary).toBe('token check failed\\u{a}Authorization: [redacted]\\u{a}retrying');
  });

  it("refuses a tenant outside the key's whole, and other roles than ingest", async () => {
    const globex = alert({ ...AUTH_PAGE, tenant: 'globex' }, 2, 'abababababababab');
    const mixed = await post(webhook([alert(AUTH_PAGE, 2, 'cdcdcdcdcdcdcdcd'), globex]), 'ingest', 'acme-only-key-0123456789');
    expect(mixed.statusCode).toBe(403);
    expect(mixed.json().message).toMatch(/^nothing stored: tenant globex is outside the tenants of key acme-ingest/);
    expect(await incidents(`to=${at(30)}&tenant=globex`)).toEqual([]);
    expect((await incidents(`to=${at(30)}&tenant=acme`)).some((i) => i.first_time === at(2))).toBe(false);

    expect((await post(webhook([alert(AUTH_PAGE, 3, 'efefefefefefefef')]), 'analyst')).statusCode).toBe(403);
  });

  it('answers 400 naming the field for a payload that is not an Alertmanager webhook', async () => {
    const good = alert(AUTH_PAGE, 4, '1234123412341234');
    for (const [body, message] of [
      [{ ...webhook([good]), version: '3' }, /version: Invalid input: expected "4"/],
      [webhook([]), /alerts: Too small/],
      [webhook([{ ...good, labels: { severity: 'page' } }]), /alerts\.0\.labels: alertname: missing/],
      [
        webhook([{ ...good, labels: { ...good.labels, slo: 'auth\u0000availability' } }]),
        /alerts\.0\.labels\.slo: contains U\+0000, a control character/,
      ],
      [webhook([{ ...good, startsAt: 'yesterday' }]), /alerts\.0\.startsAt: not an RFC 3339 time/],
      [webhook([{ ...good, fingerprint: '../etc' }]), /alerts\.0\.fingerprint/],
      [[good], /expected object/],
    ] as const) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json().message).toMatch(message);
    }
  });
});
