// GET /api/v1/incidents and /api/v1/incidents/:id on chDB: the real scorers' anomalies of one
// key grouped by the incident window, open until a quiet window passes, paged, tenant-scoped,
// and counted per week in the risk summary.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentResponse, IncidentsResponse } from '../../src/api/incidents.js';
import { riskSummary } from '../../src/api/riskSummary.js';
import { anyTenant } from '../../src/api/tenancy.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, SPEC } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

let seq = 0;
/** A dozen failed logins of the principal in the minute starting at `minute`: a brute-force burst. */
const burst = (tenant: string, principal: string, minute: number) =>
  Array.from({ length: 12 }, (_, i) => ({
    tenant,
    emitter_id: `idp-${tenant}`,
    emitter_seq: ++seq,
    kind: 'auth',
    outcome: 'failure',
    principal_id: principal,
    // Each from a network of its own: the principal's key alone bursts.
    src_ip: `45.9.${i}.9`,
    time: at(minute + i / 20),
  }));
/** A success a minute later closes the burst's minute, so the scorer judges it. */
const closing = (tenant: string, minute: number) => ({
  tenant,
  emitter_id: `idp-${tenant}`,
  emitter_seq: ++seq,
  kind: 'auth',
  outcome: 'success',
  principal_id: 'ann',
  time: at(minute + 1.5),
});

// bob: bursts at 0, 20 and 50 min (one incident with a 1 h window: each within the hour of the
// last), then at 200 min (a second one). globex: one burst of its own bob at 20 min.
const EVENTS = [
  ...[0, 20, 50, 200].flatMap((m) => [...burst('acme', 'bob', m), closing('acme', m)]),
  ...burst('globex', 'bob', 20),
  closing('globex', 20),
];
// At 230 min the second incident is 30 minutes quiet (open), the first 179 (closed).
const TO = at(230);

describe('GET /api/v1/incidents', () => {
  let store: Store;
  let app: FastifyInstance;
  const get = (url: string) => requestsAs(app, 'analyst')(url);
  const list = async (qs: string) => {
    const res = await get(`/api/v1/incidents?from=${at(-60)}&to=${TO}&${qs}`);
    expect(res.statusCode, res.body).toBe(200);
    return IncidentsResponse.parse(res.json());
  };

  beforeAll(async () => {
    store = await migratedStore(tempDir('api-incidents'));
    const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)], serviceMetrics().detect);
    const events = [...EVENTS].sort((a, b) => a.time.localeCompare(b.time));
    const result = await new IngestPipeline(store, pipelineOptions(), { processors: [processor] }).processBatch(httpRecords(events));
    expect(result.rejects).toEqual([]);
    app = apiServer(store);
  });
  afterAll(() => closeAll(app, store));

  it('groups the anomalies of one tenant and key within the window into incidents, open until a quiet window passes', async () => {
    const { incidents, window } = await list('tenant=acme&window=1h');
    expect(window).toBe('1h');
    const bob = incidents.filter((i) => i.key === 'principal:bob');
    expect(bob.map((i) => [i.first_time, i.last_time, i.anomaly_count, i.state])).toEqual([
      [at(200), at(200), 1, 'open'],
      [at(0), at(50), 3, 'closed'],
    ]);
    expect(bob[1]).toMatchObject({ tenant: 'acme', types: ['denial_burst'], kinds: ['brute-force'] });
    expect(incidents).toHaveLength(2);
  });

  it('takes the window from the request: 10 minutes splits the first incident in three', async () => {
    const { incidents } = await list('tenant=acme&window=10m');
    expect(incidents.filter((i) => i.key === 'principal:bob').map((i) => [i.first_time, i.state])).toEqual([
      [at(200), 'closed'],
      [at(50), 'closed'],
      [at(20), 'closed'],
      [at(0), 'closed'],
    ]);
  });

  it('filters by state and pages with a cursor that keeps the range and filters', async () => {
    expect((await list('tenant=acme&state=open')).incidents.map((i) => i.first_time)).toEqual([at(200)]);
    expect((await list('state=closed')).incidents.map((i) => `${i.tenant} ${i.first_time}`)).toEqual([`globex ${at(20)}`, `acme ${at(0)}`]);
    const all = (await list('')).incidents;
    expect(all).toHaveLength(3);
    const first = await list('limit=2');
    expect(first.incidents).toEqual(all.slice(0, 2));
    const rest = await get(`/api/v1/incidents?limit=3&cursor=${first.next_cursor}`);
    expect(rest.statusCode, rest.body).toBe(200);
    expect(IncidentsResponse.parse(rest.json())).toMatchObject({ incidents: all.slice(2), next_cursor: null, to: TO });
    const other = await get(`/api/v1/incidents?limit=3&state=open&cursor=${first.next_cursor}`);
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/cursor: the cursor belongs to a query with other filters/);
  });

  it('gives an incident with its anomalies, found by the anomaly that opened it', async () => {
    const [, opened] = (await list('tenant=acme')).incidents.filter((i) => i.key === 'principal:bob');
    const res = await get(`/api/v1/incidents/${opened!.incident_id}`);
    expect(res.statusCode, res.body).toBe(200);
    const incident = IncidentResponse.parse(res.json());
    // Open or closed now, not at the list's `to`: long closed.
    expect(incident).toMatchObject({ ...opened, state: 'closed', window: '1h' });
    expect(incident.anomalies.map((a) => [a.time, a.key])).toEqual([0, 20, 50].map((m) => [at(m), 'principal:bob']));
    expect(incident.anomalies[0]!.anomaly_id).toBe(opened!.incident_id);

    // The second anomaly joined it: it opens an incident only with a shorter window.
    const joined = incident.anomalies[1]!.anomaly_id;
    const notOpened = await get(`/api/v1/incidents/${joined}`);
    expect(notOpened.statusCode).toBe(404);
    expect(notOpened.json()).toEqual({ error: 'not_found', message: `no incident opened by ${joined} with a 1h window` });
    const alone = await get(`/api/v1/incidents/${joined}?window=10m`);
    expect(alone.statusCode, alone.body).toBe(200);
    expect(IncidentResponse.parse(alone.json()).anomalies.map((a) => a.anomaly_id)).toEqual([joined]);
  });

  it("keeps tenants apart: globex's bob is an incident of its own, not found with an acme filter", async () => {
    const globex = (await list('tenant=globex')).incidents;
    expect(globex.map((i) => [i.tenant, i.key, i.anomaly_count])).toEqual([['globex', 'principal:bob', 1]]);
    const res = await get(`/api/v1/incidents/${globex[0]!.incident_id}?tenant=acme`);
    expect(res.statusCode).toBe(404);
  });

  it('answers 400 with a message for bad parameters', async () => {
    for (const [qs, message] of [
      ['state=opened', /state: Invalid option: expected one of "open"\|"closed"/],
      ['window=0m', /window: between 1m and 90d/],
      ['window=1w', /window: a duration like 5m/],
      ['limit=0', /limit: Too small/],
      ['cursor=nonsense', /cursor: not a cursor this API gave out/],
    ] as const) {
      const res = await get(`/api/v1/incidents?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().message, qs).toMatch(message);
    }
  });

  it('counts incidents per week in the risk summary, this week against the last', async () => {
    // Eight days after the bursts: they started in the week before this one.
    const now = new Date(T0 + 8 * 86400_000);
    const summary = await riskSummary(store, SPEC, { period: '30d', tenant: '' }, anyTenant(''), now);
    expect(summary.incidents).toMatchObject({
      total: { value: 3, previous: 0, change: 3 },
      open: 0,
      this_week: { value: 0, previous: 3, change: -3 },
      window: '1h',
    });
    expect(summary.incidents.weekly.map((w) => w.incidents)).toEqual([0, 0, 0, 3, 0]);
    expect(summary.incidents.weekly.at(-1)!.to).toBe(now.toISOString());
    const acme = await riskSummary(store, SPEC, { period: '7d', tenant: 'acme' }, anyTenant('acme'), new Date(T0 + 86400_000));
    expect(acme.incidents).toMatchObject({ total: { value: 2 }, this_week: { value: 2, previous: 0 } });
  });
});
