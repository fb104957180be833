// POST /api/v1/alerts: Alertmanager's webhook (payload version 4). The pages it delivers become
// part of the incidents (the guide's M9): each alert is stored once per start in alert_pages,
// keyed by what it pages about, and GET /api/v1/incidents groups it with the anomalies of the
// same tenant and key. A repeated notification, or the resolved one, replaces the row. Point a
// receiver with `continue: true` here (alerts/alertmanager.example.yml) with an ingest key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { redactSecrets } from '../events/fields.js';
import { escapeUnprintable, identifier } from '../events/schema.js';
import { fromClickHouseTime, namedQuery, toClickHouseTime, type Row, type Store } from '../store/index.js';
import { storeWrite } from './errors.js';
import { declareRoute, validated } from './route.js';
import { checkWritable, requestCaller, type TenantParams } from './tenancy.js';

export const ALERT_PAGES_TABLE = 'alert_pages';
const MAX_ALERTS = 1000;
const MAX_SUMMARY = 1024;
/** Alertmanager's zero time: the end of an alert that has not ended. */
const NOT_ENDED = '0001-01-01T00:00:00Z';

/** A label names something (a tenant, an SLO, an emitter): an identifier, as the events' (no unprintable character). */
const LabelValue = identifier(256);

const AlertTime = z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'not an RFC 3339 time');

export const WebhookAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), LabelValue).refine((l) => (l.alertname ?? '') !== '', 'alertname: missing'),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: AlertTime,
  endsAt: AlertTime.optional(),
  fingerprint: z.string().regex(/^[0-9a-zA-Z]{1,64}$/, 'Alertmanager’s hexadecimal fingerprint'),
});
export type WebhookAlert = z.infer<typeof WebhookAlert>;

export const AlertmanagerWebhook = z.object({
  version: z.literal('4').describe('the payload version Alertmanager sends'),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(WebhookAlert).min(1).max(MAX_ALERTS),
});

export const AlertsResult = z.object({
  received: z.number(),
  stored: z.number().describe('one row per alert and start: a repeat or its resolution replaces it'),
});

/** What an alert pages about, the key its incident groups by: an SLO, an enforcement point, else the alert itself. */
export function alertKey(labels: Readonly<Record<string, string>>): string {
  if (labels.slo) return `slo:${labels.slo}`;
  if (labels.emitter) return `emitter:${labels.emitter}`;
  return `alert:${labels.alertname}`;
}

/** The id of one alert's one start: stable across repeats and its resolution, and safe in a URL. */
export function pageId(tenant: string, alert: Pick<WebhookAlert, 'fingerprint' | 'startsAt'>): string {
  const digest = createHash('sha256')
    .update(`${tenant}\n${alert.fingerprint}\n${Date.parse(alert.startsAt)}`)
    .digest('hex');
  return `page-${digest.slice(0, 24)}`;
}

/** Free text, as an event's: secrets redacted, unprintable characters written as \u{hex}. */
const summaryOf = (a: WebhookAlert) =>
  escapeUnprintable(redactSecrets(a.annotations.summary ?? a.annotations.description ?? '')).slice(0, MAX_SUMMARY);

/** The alert_pages row of one alert; its tenant is its `tenant` label, or the default tenant. */
export function alertPageRow(alert: WebhookAlert, defaultTenant: string, receivedAt: Date): Row {
  const tenant = alert.labels.tenant || defaultTenant;
  const ended = alert.status === 'resolved' && alert.endsAt && alert.endsAt !== NOT_ENDED;
  return {
    tenant,
    page_id: pageId(tenant, alert),
    starts_at: toClickHouseTime(new Date(alert.startsAt).toISOString()),
    ends_at: ended ? toClickHouseTime(new Date(alert.endsAt!).toISOString()) : null,
    received_at: toClickHouseTime(receivedAt.toISOString()),
    status: alert.status,
    alertname: alert.labels.alertname!,
    severity: alert.labels.severity ?? '',
    key: alertKey(alert.labels),
    summary: summaryOf(alert),
  };
}

/** A stored page as an incident lists it. */
export const AlertPage = z.object({
  page_id: z.string(),
  tenant: z.string(),
  key: z.string(),
  alertname: z.string(),
  severity: z.string().describe('its `severity` label: `page` or `ticket` in the generated rules'),
  status: z.enum(['firing', 'resolved']).describe('as the last notification received said'),
  starts_at: z.string(),
  ends_at: z.string().nullable().describe('when it resolved; null while it fires'),
  summary: z.string().describe('its summary annotation, secrets redacted'),
});

/** A page as the store answers: its status any text. */
type AlertPageRow = Omit<z.infer<typeof AlertPage>, 'status'> & { status: string };

/** Pages by id among the tenants given, oldest first. */
export async function pagesById(store: Store, ids: readonly string[], tenants: TenantParams): Promise<Array<z.infer<typeof AlertPage>>> {
  if (ids.length === 0) return [];
  const rows = await store.query<AlertPageRow>(namedQuery('alert_pages_by_id'), { ids, ...tenants });
  return rows.map((r) => ({
    ...r,
    status: r.status === 'resolved' ? 'resolved' : 'firing',
    starts_at: fromClickHouseTime(r.starts_at),
    ends_at: r.ends_at === null ? null : fromClickHouseTime(r.ends_at),
  }));
}

export const alertsRoute = (store: Store, defaultTenant: string) =>
  declareRoute({
    method: 'POST',
    url: '/api/v1/alerts',
    roles: ['ingest'],
    summary: "Alertmanager's webhook: SLO pages and other alerts, stored to join the incidents of their tenant and key",
    description:
      `Alertmanager's webhook payload, version 4, up to ${MAX_ALERTS} alerts. Each alert's tenant is its \`tenant\` label ` +
      '(else ZTNA_DEFAULT_TENANT) and its key `slo:<slo>`, `emitter:<emitter>` or `alert:<alertname>`; GET /api/v1/incidents ' +
      'lists it with the anomalies of the same tenant and key as type `page`. A repeat or the resolved notification replaces it.',
    body: { schema: AlertmanagerWebhook, contentTypes: ['application/json'] },
    response: AlertsResult,
    errors: { store_unavailable: 'the store is busy or unreachable: Alertmanager sends the notification again' },
    handler: async ({ body, req }): Promise<z.input<typeof AlertsResult>> => {
      const webhook = validated(AlertmanagerWebhook, body);
      const now = new Date();
      const rows = webhook.alerts.map((a) => alertPageRow(a, defaultTenant, now));
      checkWritable(
        requestCaller(req),
        rows.map((r) => String(r.tenant)),
      );
      await storeWrite(() => store.insert(ALERT_PAGES_TABLE, rows));
      return { received: webhook.alerts.length, stored: rows.length };
    },
  });
