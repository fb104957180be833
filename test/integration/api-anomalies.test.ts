// GET /api/v1/anomalies on chDB: filters, evidence, and 400s for bad queries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const at = (minutes: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + minutes * 60_000).toISOString();

describe('GET /api/v1/anomalies', () => {
  let store: Store;
  let app: FastifyInstance;
  const metrics = serviceMetrics();
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-anomalies'));
    const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)], metrics.detect);
    const home = {
      tenant: 'acme',
      emitter_id: 'tok',
      principal_id: 'ann',
      device_id: 'd1',
      src_ip: '81.2.69.1',
      geo_country: 'FR',
      user_agent: 'Firefox',
    };
    const lines = [
      { ...home, kind: 'token', activity: 'issue', token_id: 'jti-9', time: at(0), emitter_seq: 1 },
      {
        ...home,
        kind: 'token',
        activity: 'use',
        token_id: 'jti-9',
        time: at(2),
        emitter_seq: 2,
        device_id: 'd9',
        src_ip: '45.1.1.1',
        geo_country: 'VN',
      },
      ...Array.from({ length: 12 }, (_, i) => ({
        tenant: 'acme',
        emitter_id: 'idp',
        emitter_seq: i + 1,
        kind: 'auth',
        outcome: 'failure',
        principal_id: 'bob',
        src_ip: '45.9.9.9',
        time: at(30 + i / 100),
      })),
    ];
    await new IngestPipeline(store, pipelineOptions(), { processors: [processor] }).processBatch(httpRecords(lines));
    app = apiServer(store, { registry: metrics.registry });
  });
  afterAll(() => closeAll(app, store));

  const get = (qs: string) => requestsAs(app, 'analyst')(`/api/v1/anomalies?${qs}`);
  const range = `from=${at(-10)}&to=${at(60)}`;

  it('lists the anomalies in a range, newest first, with their evidence', async () => {
    const res = await get(range);
    expect(res.statusCode).toBe(200);
    const { anomalies } = res.json();
    expect(anomalies.map((a: { type: string; key: string }) => `${a.type} ${a.key}`)).toEqual([
      'denial_burst principal:bob',
      'token_replay token:jti-9',
    ]);
    // One brute force, one incident: the network's burst on the same failed logins is its evidence.
    expect(anomalies[0].evidence.related).toMatchObject([{ type: 'denial_burst', key: 'src_net:45.9.9.0/24' }]);
    const replay = anomalies[1];
    expect(replay).toMatchObject({ kind: 'device-change', severity: 'critical', tenant: 'acme', score: 95 });
    expect(replay.evidence.baseline.device).toBe('d1');
  });

  it('filters by type and minimum score', async () => {
    expect((await get(`${range}&type=token_replay`)).json().anomalies).toHaveLength(1);
    expect((await get(`${range}&min_score=90`)).json().anomalies.map((a: { type: string }) => a.type)).toEqual(['token_replay']);
    expect((await get(`from=${at(20)}&to=${at(60)}`)).json().anomalies).toHaveLength(1);
  });

  it('answers bad queries with 400 and a message', async () => {
    for (const [qs, message] of [
      ['type=bogus', /^type: /],
      ['min_score=101', /^min_score: /],
      [`from=${at(10)}&to=${at(0)}`, /from must be before to/],
      ['from=yesterday', /^from: /],
      [`from=${at(0)}&to=${at(200 * 24 * 60)}`, /90 days at most/],
    ] as const) {
      const res = await get(qs);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().message, qs).toMatch(message);
    }
  });

  it('counts anomalies by type and severity in the metrics', async () => {
    const body = await metrics.registry.metrics();
    expect(body).toMatch(/ztna_anomalies_total\{type="token_replay",kind="device-change",severity="critical"\} 1/);
    // The network's burst joined the principal's incident: one anomaly raised, not two.
    expect(body).toMatch(/ztna_anomalies_total\{type="denial_burst",kind="brute-force",severity="medium"\} 1/);
  });
});
