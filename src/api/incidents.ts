// Incidents (guide M9): a tenant's anomalies and pages of one key, each within the incident window
// of the one before it, computed from the anomalies and alert_pages tables on every request
// (sql/queries/incidents.sql), named by the id of the first; open while a page fires or until the
// window passes with nothing new. Pages are what Alertmanager delivered to POST /api/v1/alerts.
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../detect/anomaly.js';
import type { RiskRule } from '../riskRule.js';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';
import { AlertPage, pagesById } from './alerts.js';
import { anomaliesById, AnomalyItem } from './anomalies.js';
import { Duration, durationText } from './duration.js';
import { apiError } from './errors.js';
import { CursorParam, encodePageCursor, NextCursor, paged } from './pageCursor.js';
import { MAX_RANGE_DAYS, timeRange } from './range.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';

const MAX_PAGE = 1000;
/** Anomalies (and pages) one incident's answer lists, oldest first. */
const MAX_LISTED = 1000;
const STATES = ['open', 'closed'] as const;

const windowParam = (rule: RiskRule) =>
  Duration.optional().describe(
    `anomalies of one key this close together are one incident, and an incident this long without one is closed (default: ${durationText(rule.incidentWindowSeconds)})`,
  );
const windowSeconds = (q: { window?: { seconds: number } | undefined }, rule: RiskRule) => q.window?.seconds ?? rule.incidentWindowSeconds;

export const incidentsQuery = (rule: RiskRule) =>
  timeRange(
    {
      state: z.enum(STATES).optional().describe('open or closed at `to`'),
      window: windowParam(rule),
      tenant: TenantQuery,
      limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
      cursor: CursorParam,
    },
    7 * 86400_000,
  ).transform((q, ctx) => paged({ ...q, windowSeconds: windowSeconds(q, rule) }, ctx, (p) => [p.state ?? '', p.tenant, p.windowSeconds]));

export const IncidentQuery = (rule: RiskRule) => z.object({ window: windowParam(rule), tenant: TenantQuery });
export const IncidentParams = z.object({ id: z.string().min(1).max(256).describe('the id of the anomaly or page that opened it') });

export const Incident = z.object({
  incident_id: z.string().describe('the id of the anomaly or page that opened it'),
  tenant: z.string(),
  key: z.string(),
  state: z.enum(STATES),
  first_time: z.string(),
  last_time: z.string(),
  anomaly_count: z.number(),
  page_count: z.number().describe('SLO pages and other alerts Alertmanager delivered (POST /api/v1/alerts)'),
  max_score: z.number(),
  severity: z.enum(SEVERITIES).describe('of its highest-scored anomaly or page (a page scores 90, a ticket 50)'),
  types: z.array(z.string()).describe("the anomalies' types, and `page` when it holds a page"),
  kinds: z.array(z.string()).describe("the anomalies' kinds and the pages' alert names"),
});
export type Incident = z.infer<typeof Incident>;

export const IncidentsResponse = z.object({
  from: z.string(),
  to: z.string(),
  window: z.string(),
  incidents: z.array(Incident),
  next_cursor: NextCursor,
});

export const IncidentResponse = Incident.extend({
  window: z.string(),
  anomalies: z.array(AnomalyItem).describe(`its anomalies, oldest first (the first ${MAX_LISTED})`),
  pages: z.array(AlertPage).describe(`its pages, oldest first (the first ${MAX_LISTED})`),
});

interface Row {
  incident_id: string;
  tenant: string;
  key: string;
  state: string;
  first_time: string;
  last_time: string;
  anomalies: number | string;
  pages: number | string;
  max_score: number | string;
  severity: string;
  types: string[];
  kinds: string[];
  anomaly_ids: string[];
  page_ids: string[];
}

export interface IncidentScope {
  from: Date;
  to: Date;
  windowSeconds: number;
  state?: string | undefined;
  key?: string;
  incident?: string;
  limit: number;
  offset: number;
}

/** Incidents started in [from, to) of the tenants given, newest first, with their anomalies' and pages' ids. */
export async function incidentsIn(store: Store, s: IncidentScope, tenants: TenantParams) {
  const rows = await store.query<Row>(namedQuery('incidents'), {
    ...rangeParams(s),
    ...tenants,
    window_ms: s.windowSeconds * 1000,
    state: s.state ?? '',
    key: s.key ?? '',
    incident: s.incident ?? '',
    limit: s.limit,
    offset: s.offset,
  });
  return rows.map(({ anomalies, pages, anomaly_ids, page_ids, ...r }) => ({
    incident: {
      ...r,
      state: r.state as Incident['state'],
      first_time: fromClickHouseTime(r.first_time),
      last_time: fromClickHouseTime(r.last_time),
      anomaly_count: Number(anomalies),
      page_count: Number(pages),
      max_score: Number(r.max_score),
      severity: r.severity as Severity,
    },
    anomaly_ids,
    page_ids,
  }));
}

export async function listIncidents(
  store: Store,
  q: z.output<ReturnType<typeof incidentsQuery>>,
  tenants: TenantParams,
): Promise<z.input<typeof IncidentsResponse>> {
  const rows = await incidentsIn(store, { ...q, limit: q.limit + 1 }, tenants);
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    window: durationText(q.windowSeconds),
    incidents: rows.slice(0, q.limit).map((r) => r.incident),
    next_cursor:
      rows.length > q.limit ? encodePageCursor({ ...q, offset: q.offset + q.limit }, [q.state ?? '', q.tenant, q.windowSeconds]) : null,
  };
}

/** The anomaly or page of this id among the tenants given: when and where an incident it opened starts. */
async function opening(
  store: Store,
  id: string,
  tenants: TenantParams,
): Promise<{ time: string; tenant: string; key: string } | undefined> {
  const [anomaly] = await anomaliesById(store, [id], tenants);
  if (anomaly) return anomaly;
  const [page] = await pagesById(store, [id], tenants);
  return page && { time: page.starts_at, tenant: page.tenant, key: page.key };
}

/**
 * The incident its first anomaly or page opened, with its anomalies and pages; undefined when
 * that id is not among the tenants given or opened none (it belongs to an earlier incident).
 */
export async function incident(
  store: Store,
  id: string,
  windowSeconds: number,
  tenants: TenantParams,
  now: Date,
): Promise<z.input<typeof IncidentResponse> | undefined> {
  const first = await opening(store, id, tenants);
  if (!first) return undefined;
  const from = new Date(first.time);
  const to = new Date(Math.min(now.getTime(), from.getTime() + MAX_RANGE_DAYS * 86400_000));
  const [found] = await incidentsIn(
    store,
    { from, to: new Date(Math.max(to.getTime(), from.getTime() + 1)), windowSeconds, key: first.key, incident: id, limit: 1, offset: 0 },
    { all_tenants: 0, tenants: [first.tenant] },
  );
  if (!found) return undefined;
  const [anomalies, pages] = await Promise.all([
    anomaliesById(store, found.anomaly_ids.slice(0, MAX_LISTED), tenants),
    pagesById(store, found.page_ids.slice(0, MAX_LISTED), tenants),
  ]);
  return { ...found.incident, window: durationText(windowSeconds), anomalies, pages };
}

export const incidentsRoute = (store: Store, rule: RiskRule) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/incidents',
    roles: ['analyst'],
    summary:
      'Incidents started in a time range (anomalies and pages of one tenant and key grouped by the incident window), newest first, paged',
    description:
      'An anomaly or page that comes a window or more after the previous one of its tenant and key opens an incident; one that comes sooner joins it. ' +
      'Pages are the alerts Alertmanager delivered to POST /api/v1/alerts (an SLO page has the key `slo:<slo>`). ' +
      'An incident is open at `to` while one of its pages fires or until a window passes without a new anomaly or page.',
    query: incidentsQuery(rule),
    response: IncidentsResponse,
    handler: async ({ query, req }) => listIncidents(store, query, requestTenants(req, query.tenant)),
  });

export const incidentRoute = (store: Store, rule: RiskRule) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/incidents/:id',
    roles: ['analyst'],
    summary: 'One incident with its anomalies and pages, oldest first, and its state now',
    params: IncidentParams,
    query: IncidentQuery(rule),
    response: IncidentResponse,
    errors: {
      not_found:
        "no incident opened by this anomaly or page among the tenants the credential may read (another tenant's incident is not found; one that joined an earlier incident opened none)",
    },
    handler: async ({ params, query, req }) => {
      const windowSecs = windowSeconds(query, rule);
      const found = await incident(store, params.id, windowSecs, requestTenants(req, query.tenant), new Date());
      if (!found) throw apiError('not_found', `no incident opened by ${params.id} with a ${durationText(windowSecs)} window`);
      return found;
    },
  });
